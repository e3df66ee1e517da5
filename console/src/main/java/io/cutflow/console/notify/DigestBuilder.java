package io.cutflow.console.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One period's failures as a message: grouped by error class (largest first), each class with its count and its
 * first examples (the original's thumbnail link, the message, links to the content page and its Retry).
 */
final class DigestBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A failure as the digest shows it. */
    record Failure(String md5, String templateId, int templateVersion, String status, String errorClass, String message,
            String url, Instant finishedAt, String thumbnail) {}

    private final String format;
    private final String consoleUrl;
    private final int examplesPerClass;

    DigestBuilder(String format, String consoleUrl, int examplesPerClass) {
        if (!format.equals("json") && !format.equals("slack")) {
            throw new IllegalArgumentException("cutflow.notify.format must be json or slack: " + format);
        }
        this.format = format;
        this.consoleUrl = consoleUrl == null ? null : consoleUrl.replaceAll("/+$", "");
        this.examplesPerClass = examplesPerClass;
    }

    /** The body for digest {@code id} of failures in (from, to]; counts per class as given (the examples are a sample). */
    String build(long id, Instant from, Instant to, Map<String, Long> counts, List<Failure> examples) {
        Map<String, List<Failure>> byClass = new LinkedHashMap<>();
        counts.keySet().forEach(k -> byClass.put(k, new java.util.ArrayList<>()));
        for (Failure f : examples) {
            List<Failure> list = byClass.get(f.errorClass());
            if (list != null && list.size() < examplesPerClass) {
                list.add(f);
            }
        }
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        return format.equals("slack") ? slack(id, from, to, total, counts, byClass) : json(id, from, to, total, counts, byClass);
    }

    private String json(long id, Instant from, Instant to, long total, Map<String, Long> counts,
            Map<String, List<Failure>> byClass) {
        ObjectNode root = JSON.createObjectNode();
        root.put("digest_id", id);
        root.put("from", from.toString());
        root.put("to", to.toString());
        root.put("failures", total);
        if (consoleUrl != null) {
            root.put("failures_page", consoleUrl + "/failures");
        }
        ArrayNode classes = root.putArray("classes");
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            ObjectNode c = classes.addObject();
            c.put("error_class", e.getKey());
            c.put("count", e.getValue());
            if (consoleUrl != null) {
                c.put("failures_page", consoleUrl + "/failures?error_class=" + encode(e.getKey()));
            }
            ArrayNode items = c.putArray("examples");
            for (Failure f : byClass.get(e.getKey())) {
                ObjectNode item = items.addObject();
                item.put("md5", f.md5());
                item.put("template", f.templateId() + "@" + f.templateVersion());
                item.put("status", f.status());
                item.put("message", f.message());
                item.put("url", f.url());
                item.put("finished_at", f.finishedAt().toString());
                item.put("thumbnail", f.thumbnail());
                if (consoleUrl != null) {
                    item.put("content_page", consoleUrl + "/contents/" + f.md5());
                    item.put("retry_page", consoleUrl + "/failures?error_class=" + encode(f.errorClass()));
                }
            }
        }
        return root.toString();
    }

    private String slack(long id, Instant from, Instant to, long total, Map<String, Long> counts,
            Map<String, List<Failure>> byClass) {
        StringBuilder text = new StringBuilder();
        text.append("*Cutflow: ").append(total).append(total == 1 ? " failure" : " failures").append("* from ")
                .append(from).append(" to ").append(to).append(" (digest ").append(id).append(")\n");
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            text.append("• *").append(escape(e.getKey())).append("*: ").append(e.getValue());
            if (consoleUrl != null) {
                text.append(" <").append(consoleUrl).append("/failures?error_class=").append(encode(e.getKey()))
                        .append("|open / retry>");
            }
            text.append('\n');
            for (Failure f : byClass.get(e.getKey())) {
                text.append("    ◦ ").append(escape(f.url())).append(": ").append(escape(f.message()));
                if (consoleUrl != null) {
                    text.append(" <").append(consoleUrl).append("/contents/").append(f.md5()).append("|content>");
                }
                if (f.thumbnail() != null) {
                    text.append(" <").append(f.thumbnail()).append("|thumbnail>");
                }
                text.append('\n');
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("text", text.toString());
        return root.toString();
    }

    /** Slack's three control characters, so a hostile name or message cannot forge a link or a mention. */
    private static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
