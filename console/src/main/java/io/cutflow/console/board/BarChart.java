package io.cutflow.console.board;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A bar chart as SVG coordinates, for the board's templates to draw (numbers only: the templates escape every label).
 * Each bar stacks its series bottom-up (e.g. successes, then failures) in a {@link #WIDTH} x {@link #HEIGHT} box.
 */
public record BarChart(List<Bar> bars, long max, String unit) {

    public static final int WIDTH = 720;
    public static final int HEIGHT = 140;

    /** One rectangle of one series. */
    public record Segment(int series, double x, double y, double width, double height, String title) {}

    public record Bar(String label, List<Segment> segments) {}

    /** Bars of {@code rows} (one per row), stacking the numeric columns {@code series} under the label column. */
    public static BarChart of(List<Map<String, Object>> rows, String labelColumn, List<String> series, String unit) {
        long max = 0;
        for (Map<String, Object> r : rows) {
            long total = 0;
            for (String s : series) {
                total += number(r.get(s));
            }
            max = Math.max(max, total);
        }
        List<Bar> bars = new ArrayList<>();
        double slot = rows.isEmpty() ? WIDTH : (double) WIDTH / rows.size();
        double width = Math.max(1, slot * 0.8);
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            String label = String.valueOf(r.get(labelColumn));
            double base = HEIGHT;
            List<Segment> segments = new ArrayList<>();
            for (int s = 0; s < series.size(); s++) {
                long v = number(r.get(series.get(s)));
                double h = max == 0 ? 0 : (double) v * HEIGHT / max;
                base -= h;
                segments.add(new Segment(s, round(i * slot), round(base), round(width), round(h),
                        label + ": " + v + " " + series.get(s) + (unit.isEmpty() ? "" : " " + unit)));
            }
            bars.add(new Bar(label, segments));
        }
        return new BarChart(bars, max, unit);
    }

    private static long number(Object v) {
        return v instanceof Number n ? n.longValue() : 0L;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    public static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
