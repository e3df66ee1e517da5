package io.cutflow.job.support;

import io.cutflow.job.source.RawRoot;
import io.cutflow.job.support.HostileObjects.Failed;
import io.cutflow.job.support.HostileObjects.Refused;
import io.cutflow.job.support.HostileObjects.Success;
import io.cutflow.job.support.HostileObjects.Verdict;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-object check of the hostile corpus, the same on every discovery path: each object ends in exactly one of an
 * image_urls row with its job row (success with its size and the default template's four assets, or a failure with its class and message), a
 * discovery_failures row with its class, or a skip counted by the path's metric; and no row names anything else.
 */
public final class VerdictChecker {

    private static final String URL_ROWS = "SELECT u.url, j.status, j.error_class, j.error_message, i.width, i.height,"
            + " (SELECT count(*) FROM result_assets a WHERE a.md5 = u.md5)"
            + " FROM image_urls u LEFT JOIN processing_jobs j USING (md5) LEFT JOIN original_images i USING (md5)";
    private static final String DISCOVERY_ROWS = "SELECT url, error_class, error_message FROM discovery_failures";

    private record UrlRow(String status, String errorClass, String message, int width, int height, int assets) {}

    /** The shipped default template's assets (V18): transparent PNG, alpha mask and the two thumbnails. */
    static final int DEFAULT_ASSETS = 4;

    private VerdictChecker() {}

    /**
     * @param expected the verdict of each object, by the url it was written under
     * @param others urls of objects outside the corpus that may have rows of their own (checked by their test)
     * @param skipsCounted what the path's skip metric counted for the corpus (the caller subtracts its own skips); null
     *     when the metric was not reported (the skipped names are still checked to have no row)
     */
    public static void check(String jdbcUrl, Map<String, Verdict> expected, Set<String> others, Long skipsCounted)
            throws Exception {
        Map<String, UrlRow> urls = new HashMap<>();
        Map<String, String[]> refused = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            try (ResultSet rs = c.createStatement().executeQuery(URL_ROWS)) {
                while (rs.next()) {
                    urls.put(rs.getString(1), new UrlRow(rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                            rs.getInt(6), rs.getInt(7)));
                }
            }
            try (ResultSet rs = c.createStatement().executeQuery(DISCOVERY_ROWS)) {
                while (rs.next()) {
                    refused.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
                }
            }
        }
        long skips = 0;
        for (Map.Entry<String, Verdict> e : expected.entrySet()) {
            String url = e.getKey();
            String stored = RawRoot.storable(url);
            UrlRow row = urls.remove(stored);
            String[] failure = refused.remove(stored);
            String what = "[" + url.replace("\n", "\\n").replace("\r", "\\r") + "] expected " + e.getValue() + ", got "
                    + row + " / " + (failure == null ? null : failure[0] + ": " + failure[1]);
            Verdict verdict = e.getValue();
            if (verdict instanceof Success s) {
                assertThat(failure).as(what).isNull();
                assertThat(row).as(what).isNotNull();
                assertThat(row.status()).as(what).isEqualTo("success");
                assertThat(new int[] {row.width(), row.height(), row.assets()}).as(what)
                        .containsExactly(s.width(), s.height(), DEFAULT_ASSETS);
            } else if (verdict instanceof HostileObjects.Review r) {
                assertThat(failure).as(what).isNull();
                assertThat(row).as(what).isNotNull();
                assertThat(row.status()).as(what).isEqualTo("needs_manual_review");
                assertThat(row.errorClass()).as(what).isEqualTo(r.reason());
                assertThat(row.width()).as(what).isEqualTo(r.width());
                assertThat(row.assets()).as(what).isEqualTo(DEFAULT_ASSETS);
            } else if (verdict instanceof Failed f) {
                assertThat(failure).as(what).isNull();
                assertThat(row).as(what).isNotNull();
                assertThat(row.status()).as(what).isEqualTo("failed");
                assertThat(row.errorClass()).as(what).isEqualTo(f.errorClass());
                assertThat(row.message()).as(what).isNotBlank();
                assertThat(row.assets()).as(what).isZero();
            } else if (verdict instanceof Refused r) {
                assertThat(row).as(what).isNull();
                assertThat(failure).as(what).isNotNull();
                assertThat(failure[0]).as(what).isEqualTo(r.errorClass());
                assertThat(failure[1]).as(what).isNotBlank();
            } else {
                assertThat(row).as(what).isNull();
                assertThat(failure).as(what).isNull();
                skips++;
            }
        }
        urls.keySet().removeAll(others);
        refused.keySet().removeAll(others);
        assertThat(urls.keySet()).as("image_urls rows of names nobody wrote (a rewritten name)").isEmpty();
        assertThat(refused.keySet()).as("discovery_failures rows of names nobody wrote").isEmpty();
        if (skipsCounted != null) { // null: the caller's metric was never reported (see HostileInputTest)
            assertThat(skipsCounted).as("skips counted by the path's metric").isEqualTo(skips);
        }
    }
}
