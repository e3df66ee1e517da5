package io.cutflow.console;

import java.util.List;
import java.util.Map;

/** Typed reads of the query results' maps, for the templates (which escape whatever they print). */
public final class View {

    private View() {}

    public static String s(Map<String, Object> row, String key) {
        Object v = row.get(key);
        return v == null ? "" : v.toString();
    }

    public static boolean has(Map<String, Object> row, String key) {
        Object v = row.get(key);
        return v != null && !v.toString().isEmpty();
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> rows(Map<String, Object> row, String key) {
        Object v = row.get(key);
        return v == null ? List.of() : (List<Map<String, Object>>) v;
    }

    @SuppressWarnings("unchecked")
    public static List<String> strings(Map<String, Object> row, String key) {
        Object v = row.get(key);
        return v == null ? List.of() : (List<String>) v;
    }

    /** Milliseconds as "1.23 s" / "850 ms"; empty when unknown. */
    public static String ms(Map<String, Object> row, String key) {
        Object v = row.get(key);
        if (!(v instanceof Number n)) {
            return "";
        }
        long ms = n.longValue();
        return ms >= 1000 ? String.format(java.util.Locale.ROOT, "%.2f s", ms / 1000.0) : ms + " ms";
    }

    /** A query-string value, URL-encoded (the template then HTML-escapes the attribute). */
    public static String url(String value) {
        return java.net.URLEncoder.encode(value == null ? "" : value, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The template label of a job or asset row: id@version. */
    public static String template(Map<String, Object> row) {
        return s(row, "template_id") + "@" + s(row, "template_version");
    }
}
