package io.cutflow.console.board;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The board's charts from a snapshot ({@link BoardSnapshots#board()}), for board.jte. */
public final class BoardView {

    private BoardView() {}

    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    /** The last 60 minutes, one bar each (empty minutes too, so the time axis is even). */
    public static BarChart perMinute(Map<String, Object> board) {
        return BarChart.of(timeline(rows(board, "per_minute"), "at", asOf(board), ChronoUnit.MINUTES, 60, MINUTE),
                "at", List.of("success", "failed"), "images");
    }

    /** The last 24 hours, one bar each. */
    public static BarChart perHour(Map<String, Object> board) {
        return BarChart.of(timeline(rows(board, "per_hour"), "at", asOf(board), ChronoUnit.HOURS, 24, MINUTE),
                "at", List.of("success", "failed"), "images");
    }

    public static BarChart perNode(Map<String, Object> board) {
        List<Map<String, Object>> nodes = new ArrayList<>(rows(board, "nodes"));
        while (nodes.size() < 8) { // a lone node is one bar of eight widths, not the whole chart
            nodes.add(Map.of("node", ""));
        }
        return BarChart.of(nodes, "node", List.of("success", "failed"), "images");
    }

    /** The first and last label of a chart (its time axis). */
    public static String axis(BarChart chart) {
        return chart.bars().isEmpty() ? "" : chart.bars().get(0).label() + " … " + chart.bars().get(chart.bars().size() - 1).label();
    }

    private static Instant asOf(Map<String, Object> board) {
        Object at = board.get("as_of");
        return at == null ? Instant.now() : Instant.parse(at.toString());
    }

    /** {@code slots} consecutive units up to {@code end}, each the row of that label or an empty one. */
    private static List<Map<String, Object>> timeline(List<Map<String, Object>> rows, String labelColumn, Instant end,
            ChronoUnit unit, int slots, DateTimeFormatter format) {
        Map<String, Map<String, Object>> byLabel = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            byLabel.put(String.valueOf(r.get(labelColumn)), r);
        }
        Instant last = end.truncatedTo(unit);
        List<Map<String, Object>> line = new ArrayList<>();
        for (int i = slots - 1; i >= 0; i--) {
            String label = format.format(last.minus(i, unit));
            line.add(byLabel.getOrDefault(label, Map.of(labelColumn, label)));
        }
        return line;
    }

    /** The asset types present in the storage rows, in name order (the storage chart's series). */
    public static List<String> assetTypes(Map<String, Object> board) {
        TreeSet<String> types = new TreeSet<>();
        for (Map<String, Object> r : rows(board, "storage")) {
            types.add(String.valueOf(r.get("asset_type")));
        }
        return new ArrayList<>(types);
    }

    /** Bytes per day, stacked by asset type. */
    public static BarChart storage(Map<String, Object> board) {
        return BarChart.of(timeline(pivot(rows(board, "storage"), "day", "asset_type", "bytes"), "day", asOf(board),
                ChronoUnit.DAYS, 14, DAY), "day", assetTypes(board), "bytes");
    }

    /** The tiers present in the samples, hot first (the tier chart's series). */
    public static List<String> tiers(Map<String, Object> board) {
        TreeSet<String> tiers = new TreeSet<>(java.util.Comparator.comparing((String t) -> !t.equals("hot"))
                .thenComparing(java.util.Comparator.naturalOrder()));
        for (Map<String, Object> r : rows(board, "storage_by_tier")) {
            tiers.add(String.valueOf(r.get("storage_tier")));
        }
        return new ArrayList<>(tiers);
    }

    /** Bytes stored per day (the day's last sample), stacked by tier, the last 30 days. */
    public static BarChart storageByTier(Map<String, Object> board) {
        return BarChart.of(timeline(pivot(rows(board, "storage_by_tier"), "day", "storage_tier", "bytes"), "day",
                asOf(board), ChronoUnit.DAYS, 30, DAY), "day", tiers(board), "bytes");
    }

    /** One row per {@code label} value with a column per {@code series} value holding {@code value}. */
    private static List<Map<String, Object>> pivot(List<Map<String, Object>> rows, String label, String series,
            String value) {
        Map<String, Map<String, Object>> byLabel = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> row = byLabel.computeIfAbsent(String.valueOf(r.get(label)), l -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(label, l);
                return m;
            });
            row.put(String.valueOf(r.get(series)), r.get(value));
        }
        return new ArrayList<>(byLabel.values());
    }

    /** A failure rate as a percentage with one decimal, from a node row. */
    public static String failureRate(Map<String, Object> node) {
        long ok = node.get("success") instanceof Number n ? n.longValue() : 0;
        long failed = node.get("failed") instanceof Number n ? n.longValue() : 0;
        return ok + failed == 0 ? "" : String.format(java.util.Locale.ROOT, "%.1f %%", 100.0 * failed / (ok + failed));
    }

    /** Bytes as B / KB / MB / GB. */
    public static String bytes(Object v) {
        if (!(v instanceof Number n)) {
            return "";
        }
        double b = n.doubleValue();
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> rows(Map<String, Object> board, String key) {
        Object v = board.get(key);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }
}
