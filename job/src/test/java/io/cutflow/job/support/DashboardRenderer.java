package io.cutflow.job.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Draws the Grafana dashboard's panels from a real Prometheus, so that its screenshot shows what the board shows on a
 * real run (Grafana itself is AGPL and not installable here). Every panel where its gridPos puts it; a time series as
 * one line per series named by its legendFormat; a stat as its last value; a bar gauge as bars. The queries are the
 * dashboard's own, with Grafana's variables replaced as Grafana would.
 */
public final class DashboardRenderer {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final int UNIT = 30;     // pixels per gridPos height unit, as Grafana's default
    private static final int WIDTH = 1600;  // 24 columns
    private static final String[] COLOURS = {"#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1",
            "#ba43a9", "#705da0", "#508642", "#cca300"};

    private final PrometheusServer prometheus;
    private final Instant start;
    private final Instant end;
    private final Duration step;
    private final String job;

    public DashboardRenderer(PrometheusServer prometheus, Instant start, Instant end, String job) {
        this.prometheus = prometheus;
        this.start = start;
        this.end = end;
        this.step = Duration.ofSeconds(Math.max(1, Duration.between(start, end).toSeconds() / 120));
        this.job = job;
    }

    /** Writes {@code name}.html and, where Chromium is installed, {@code name}.png into {@code dir}; the png or null. */
    public Path render(Path dashboard, Path dir, String name) throws Exception {
        JsonNode board = new ObjectMapper().readTree(dashboard.toFile());
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=utf-8><style>"
                + "body{margin:0;background:#111217;color:#ccccdc;font:12px sans-serif}"
                + ".p{position:absolute;box-sizing:border-box;border:1px solid #2b2d33;background:#181b1f;padding:4px 8px;overflow:hidden}"
                + ".row{position:absolute;font-size:15px;font-weight:bold;padding:4px 8px}"
                + ".t{font-weight:bold;margin-bottom:2px}.stat{font-size:34px;color:#73bf69;margin-top:8px}"
                + ".leg{font-size:10px;line-height:13px}.leg span{display:inline-block;width:10px;height:3px;margin:0 3px 2px 6px}"
                + "</style></head><body>");
        html.append("<div class=row style='left:0;top:0;width:").append(WIDTH).append("px'>Cutflow on Prometheus ")
                .append(escape(start + " … " + end)).append("</div>");
        int bottom = 0;
        for (JsonNode panel : board.path("panels")) {
            JsonNode g = panel.path("gridPos");
            int x = g.path("x").asInt() * WIDTH / 24;
            int y = 30 + g.path("y").asInt() * UNIT;
            int w = g.path("w").asInt() * WIDTH / 24;
            int h = g.path("h").asInt() * UNIT;
            bottom = Math.max(bottom, y + h);
            String title = escape(panel.path("title").asText());
            if (panel.path("type").asText().equals("row")) {
                html.append(String.format(Locale.ROOT, "<div class=row style='left:%dpx;top:%dpx'>%s</div>", x, y, title));
                continue;
            }
            html.append(String.format(Locale.ROOT, "<div class=p style='left:%dpx;top:%dpx;width:%dpx;height:%dpx'><div class=t>%s</div>",
                    x + 2, y + 2, w - 4, h - 4, title));
            List<Series> series = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText().replace("$__rate_interval", "1m").replace("$job", job);
                for (JsonNode s : prometheus.queryRange(expr, start, end, step)) {
                    series.add(Series.of(s, target.path("legendFormat").asText()));
                }
            }
            switch (panel.path("type").asText()) {
                case "stat" -> html.append("<div class=stat>").append(series.isEmpty() ? "No data"
                        : number(series.get(0).last())).append("</div>");
                case "bargauge" -> bars(html, series, w - 20);
                default -> lines(html, series, w - 20, h - 70);
            }
            html.append("</div>");
        }
        html.append("</body></html>");
        Files.createDirectories(dir);
        Path page = Files.writeString(dir.resolve(name + ".html"), html);
        if (!Files.isExecutable(CHROMIUM)) {
            return null;
        }
        Path png = dir.resolve(name + ".png").toAbsolutePath();
        Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--screenshot=" + png, "--window-size=" + WIDTH + "," + (bottom + 10),
                page.toAbsolutePath().toUri().toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".chromium.log").toFile()).start();
        if (!chromium.waitFor(2, TimeUnit.MINUTES)) {
            chromium.destroyForcibly();
            throw new IllegalStateException("chromium did not finish the screenshot in 2 minutes");
        }
        return Files.exists(png) ? png : null;
    }

    private void lines(StringBuilder html, List<Series> series, int w, int h) {
        if (series.isEmpty()) {
            html.append("<div>No data</div>");
            return;
        }
        double max = series.stream().mapToDouble(Series::max).max().orElse(0);
        double top = max <= 0 ? 1 : max * 1.1;
        double t0 = start.getEpochSecond();
        double span = Math.max(1, end.getEpochSecond() - t0);
        html.append(String.format(Locale.ROOT, "<svg width=%d height=%d><text x=0 y=10 fill=#8e8e8e font-size=10>%s</text>"
                + "<line x1=0 y1=%d x2=%d y2=%d stroke=#2b2d33 />", w, h, number(top), h - 1, w, h - 1));
        for (int i = 0; i < series.size(); i++) {
            StringBuilder points = new StringBuilder();
            for (double[] p : series.get(i).points()) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", (p[0] - t0) / span * w, h - 1 - p[1] / top * (h - 14)));
            }
            html.append("<polyline fill=none stroke-width=1.5 stroke='").append(COLOURS[i % COLOURS.length])
                    .append("' points='").append(points).append("'/>");
        }
        html.append("</svg><div class=leg>");
        for (int i = 0; i < series.size(); i++) {
            html.append("<span style='background:").append(COLOURS[i % COLOURS.length]).append("'></span>")
                    .append(escape(series.get(i).name())).append(' ').append(number(series.get(i).last()));
        }
        html.append("</div>");
    }

    private static void bars(StringBuilder html, List<Series> series, int w) {
        double max = series.stream().mapToDouble(Series::last).max().orElse(0);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            html.append(String.format(Locale.ROOT, "<div>%s <span style='display:inline-block;height:10px;width:%dpx;background:%s'></span> %s</div>",
                    escape(s.name()), (int) (max <= 0 ? 0 : s.last() / max * (w - 250)), COLOURS[i % COLOURS.length], number(s.last())));
        }
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "NaN" : v == Math.rint(v) && Math.abs(v) < 1e12 ? String.format(Locale.ROOT, "%,d", (long) v)
                : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }

    /** One series of a range query: its legend name and points (epoch seconds, value). */
    private record Series(String name, List<double[]> points) {

        private static final Pattern LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

        static Series of(JsonNode result, String legendFormat) {
            JsonNode metric = result.path("metric");
            Matcher m = LABEL.matcher(legendFormat);
            String name = legendFormat.isEmpty() ? metric.toString() : m.replaceAll(r -> Matcher.quoteReplacement(
                    metric.path(r.group(1)).asText()));
            List<double[]> points = new ArrayList<>();
            for (JsonNode v : result.path("values")) {
                double value = v.get(1).asDouble();
                points.add(new double[] {v.get(0).asDouble(), Double.isFinite(value) ? value : 0});
            }
            return new Series(name, points);
        }

        double max() {
            return points.stream().mapToDouble(p -> p[1]).max().orElse(0);
        }

        double last() {
            return points.isEmpty() ? Double.NaN : points.get(points.size() - 1)[1];
        }
    }
}
