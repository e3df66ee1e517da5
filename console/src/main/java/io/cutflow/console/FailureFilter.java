package io.cutflow.console;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The Failures page's filter, from its query string (so a view can be bookmarked) or a retry request's JSON: status
 * (failed or needs_manual_review), error class, template ({@code id} or {@code id@version}), since / until on the
 * job's finished_at (a date, a date-time taken as UTC, or an instant), url prefix. Empty values mean "any". Rows an
 * operator marked (reviewed, given up) for their current outcome are left out unless {@code marks=all}; retries by
 * filter leave them out too (the job's ReprocessSelection).
 */
public record FailureFilter(String status, String errorClass, String template, Instant since, Instant until,
        String urlPrefix, boolean includeMarked) {

    public static final Set<String> STATUSES = Set.of("failed", "needs_manual_review");

    public FailureFilter {
        status = status == null || status.isBlank() ? "failed" : status;
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("status must be failed or needs_manual_review");
        }
        errorClass = blankToNull(errorClass);
        template = blankToNull(template);
        urlPrefix = blankToNull(urlPrefix);
        if (template != null && template.contains("@")) {
            String v = template.substring(template.indexOf('@') + 1);
            if (!v.matches("[0-9]{1,9}")) {
                throw new IllegalArgumentException("template must be ID or ID@VERSION");
            }
        }
    }

    /** From named parameters (a query string's first values, or a JSON object's strings). */
    public static FailureFilter from(Function<String, String> param) {
        return new FailureFilter(param.apply("status"), param.apply("error_class"), param.apply("template"),
                instant(param.apply("since"), "since"), instant(param.apply("until"), "until"), param.apply("url_prefix"),
                "all".equals(param.apply("marks")));
    }

    public String templateId() {
        return template == null ? null : template.contains("@") ? template.substring(0, template.indexOf('@')) : template;
    }

    public Integer templateVersion() {
        return template == null || !template.contains("@") ? null : Integer.valueOf(template.substring(template.indexOf('@') + 1));
    }

    /** The filter as query-string values (for links and the form), empty ones left out. */
    public Map<String, String> asParams() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("status", status);
        if (errorClass != null) p.put("error_class", errorClass);
        if (template != null) p.put("template", template);
        if (since != null) p.put("since", since.toString());
        if (until != null) p.put("until", until.toString());
        if (urlPrefix != null) p.put("url_prefix", urlPrefix);
        if (includeMarked) p.put("marks", "all");
        return p;
    }

    static Instant instant(String value, String name) {
        String v = blankToNull(value);
        if (v == null) {
            return null;
        }
        try {
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            if (v.endsWith("Z") || v.matches(".*[+-][0-9]{2}:[0-9]{2}$")) {
                return java.time.OffsetDateTime.parse(v).toInstant();
            }
            return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be a date (2026-12-01) or a time (2026-12-01T10:00Z)");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
