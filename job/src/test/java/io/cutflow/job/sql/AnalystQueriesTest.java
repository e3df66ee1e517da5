package io.cutflow.job.sql;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.QueryFile;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.sql.AnalystDataSet.Asset;
import io.cutflow.job.sql.AnalystDataSet.Image;
import io.cutflow.job.sql.AnalystDataSet.Job;
import io.cutflow.job.sql.AnalystDataSet.Url;
import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every file of sql/queries/ run against a migrated database holding {@link AnalystDataSet}, read queries as a login
 * member of cutflow_analyst, the refresh as the owner, each result compared with what the data set implies.
 * A new query file fails {@link #everyQueryFileAnswersWhatTheDataSetImplies()} until it gets a check and an example
 * here. {@code -Dcutflow.analyst.contents=N} scales the data set (default 3000 contents).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalystQueriesTest {

    private static final int CONTENTS = Integer.getInteger("cutflow.analyst.contents", 3000);
    private static final Instant BASE = AnalystDataSet.BASE;

    private AnalystDataSet data;
    private String analyst;
    private Connection owner;
    private Connection reader;
    private final Map<String, List<Long>> latencies = new TreeMap<>();

    /** One check per query file. */
    private final Map<String, Check> checks = Map.of(
            "assets_by_product_id.sql", this::assetsByProductId,
            "assets_by_url.sql", this::assetsByUrl,
            "url_history.sql", this::urlHistory,
            "time_range_export.sql", this::timeRangeExport,
            "failures_top10_by_reason.sql", this::failuresTop10ByReason,
            "daily_throughput.sql", this::dailyThroughput,
            "duplicate_ratio.sql", this::duplicateRatio,
            "storage_by_asset_type.sql", this::storageByAssetType,
            "refresh_product_assets_view.sql", this::refreshProductAssetsView);

    /** One typical call per query file, for the latency figures of docs/analysts.md. */
    private final Map<String, Map<String, Object>> examples = exampleCalls();

    /** The example calls (also the Citus comparison's). */
    static Map<String, Map<String, Object>> exampleCalls() {
        return Map.of(
            "assets_by_product_id.sql", Map.of("product_id", "P100120", "match", "exact"),
            "assets_by_url.sql", Map.of("url", "s3://raw-images/catalog/P100121.png", "match", "exact"),
            "url_history.sql", Map.of("url_prefix", "s3://raw-images/catalog/P100121.png", "max_urls", 100),
            "time_range_export.sql", Map.of("template_id", "default", "template_version", 1,
                    "from", "2026-11-02T00:00:00Z", "to", "2026-11-09T00:00:00Z", "after_finished_at", "-infinity",
                    "after_md5", "", "after_asset_type", "", "page_size", 1000),
            "failures_top10_by_reason.sql", Map.of("from", "-infinity", "to", "infinity"),
            "daily_throughput.sql", Map.of("from", "2026-11-01T00:00:00Z", "to", "2026-12-01T00:00:00Z", "tz", "UTC"),
            "duplicate_ratio.sql", Map.of("url_prefix", ""),
            "storage_by_asset_type.sql", Map.of(),
            "refresh_product_assets_view.sql", Map.of());
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }

    @BeforeAll
    void migrateLoadAndRefresh() throws Exception {
        String jdbcUrl = PostgresServer.newDatabase("analyst_queries");
        SchemaMigrator.migrate(new DatabaseSettings(jdbcUrl, "postgres", ""), 16);
        data = AnalystDataSet.generate(CONTENTS);
        owner = DriverManager.getConnection(jdbcUrl, "postgres", "");
        data.load(owner);
        analyst = "analyst_queries_" + ProcessHandle.current().pid();
        execute(owner, "CREATE ROLE " + analyst + " LOGIN IN ROLE cutflow_analyst");
        reader = DriverManager.getConnection(jdbcUrl, analyst, "");
        run(owner, "refresh_product_assets_view.sql", Map.of());
        latencies.clear();
    }

    @AfterAll
    void dropAnalystAndReportLatencies() throws Exception {
        if (reader != null) {
            reader.close();
        }
        if (owner != null) {
            execute(owner, "DROP ROLE IF EXISTS " + analyst);
            owner.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyQueryFileAnswersWhatTheDataSetImplies() {
        List<QueryFile> files = QueryFile.all();
        assertThat(files).extracting(QueryFile::name).containsAll(checks.keySet());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.name(), () -> {
            assertThat(file.statementCount()).as("%s holds exactly one statement", file.name()).isEqualTo(1);
            assertThat(file.usedParameters()).as("%s: parameters used = parameters documented in the header",
                    file.name()).containsExactlyInAnyOrderElementsOf(file.documentedParameters());
            assertThat(checks).as("%s has no check: add one to AnalystQueriesTest", file.name())
                    .containsKey(file.name());
            assertThat(examples).as("%s has no example call: add one to AnalystQueriesTest", file.name())
                    .containsKey(file.name());
            checks.get(file.name()).run();
        }));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // checks

    private void assetsByProductId() throws Exception {
        List<String> columns = List.of("product_id", "url", "md5", "template_id", "template_version", "status",
                "asset_type", "is_primary", "storage_path", "width", "height", "file_size_bytes", "finished_at");
        List<List<Object>> view = expectedViewRows();
        record Case(String productId, String match, int expectedRows) {}
        // P100120: two names (cdn + mirror) x five assets (default: 3, second template: 2); the others from the oracle
        for (Case c : List.of(new Case("P100120", "exact", 10), new Case("P10012", "prefix", -1),
                new Case("P100122", "exact", -1), new Case("Q_1", "prefix", -1), new Case("P100023", "exact", 0),
                new Case("P%", "exact", 0), new Case("P%", "prefix", 0), new Case("nothing", "prefix", 0))) {
            Predicate<String> matches = c.match().equals("prefix") ? id -> id.startsWith(c.productId())
                    : id -> id.equals(c.productId());
            List<String> expected = keys(view.stream().filter(r -> r.get(0) != null && matches.test((String) r.get(0))));
            if (c.expectedRows() >= 0) {
                assertThat(expected).as("oracle for %s", c).hasSize(c.expectedRows());
            } else {
                assertThat(expected).as("oracle for %s", c).isNotEmpty();
            }
            List<Map<String, Object>> rows = run(reader, "assets_by_product_id.sql",
                    Map.of("product_id", c.productId(), "match", c.match()));
            assertThat(sortedKeys(rows, columns)).as("%s", c).containsExactlyElementsOf(expected);
        }
        // the prefix must be literal: Q_1 must not match the decoys QX1..
        assertThat(run(reader, "assets_by_product_id.sql", Map.of("product_id", "Q_1", "match", "prefix")))
                .allSatisfy(r -> assertThat((String) r.get("product_id")).startsWith("Q_1"));
    }

    private void assetsByUrl() throws Exception {
        List<String> columns = List.of("product_id", "url", "md5", "template_id", "template_version", "status",
                "asset_type", "is_primary", "storage_path", "width", "height", "file_size_bytes", "finished_at");
        List<List<Object>> view = expectedViewRows();
        String withAssets = (String) view.get(0).get(1);
        record Case(String url, String match) {}
        for (Case c : List.of(new Case(withAssets, "exact"), new Case("s3://raw-images/catalog/P10012", "prefix"),
                new Case("s3://raw-images/feed/img_1", "prefix"), new Case(urlOf(23), "exact"),
                new Case("s3://raw-images/catalog/P10012", "exact"), new Case("s3://raw-images/%", "prefix"),
                new Case("nothing", "prefix"))) {
            Predicate<String> matches = c.match().equals("prefix") ? u -> u.startsWith(c.url()) : u -> u.equals(c.url());
            List<String> expected = keys(view.stream().filter(r -> matches.test((String) r.get(1))));
            List<Map<String, Object>> rows = run(reader, "assets_by_url.sql", Map.of("url", c.url(), "match", c.match()));
            assertThat(sortedKeys(rows, columns)).as("%s", c).containsExactlyElementsOf(expected);
        }
        assertThat(keys(view.stream().filter(r -> r.get(1).equals(withAssets)))).isNotEmpty();
        assertThat(keys(view.stream().filter(r -> ((String) r.get(1)).startsWith("s3://raw-images/catalog/P10012"))))
                .hasSizeGreaterThan(5);
        // the prefix is taken literally, '_' included
        assertThat(run(reader, "assets_by_url.sql", Map.of("url", "s3://raw-images/feed/img_1", "match", "prefix")))
                .isNotEmpty().allSatisfy(r -> assertThat((String) r.get("url")).startsWith("s3://raw-images/feed/img_1"));
    }

    private void urlHistory() throws Exception {
        List<String> columns = List.of("url", "md5", "template_id", "template_version", "status", "error_class",
                "asset_type", "storage_path");
        Map<String, List<String>> byUrl = new HashMap<>();
        for (Url u : data.urls) {
            List<String> rows = new ArrayList<>();
            List<Job> jobs = data.jobsOf(u.md5());
            if (jobs.isEmpty()) {
                rows.add(key(Arrays.asList(u.url(), u.md5(), null, null, null, null, null, null)));
            }
            for (Job j : jobs) {
                List<Asset> assets = data.assetsOf(j);
                if (assets.isEmpty()) {
                    rows.add(key(Arrays.asList(u.url(), u.md5(), j.templateId(), j.templateVersion(), j.status(),
                            j.errorClass(), null, null)));
                }
                for (Asset a : assets) {
                    rows.add(key(Arrays.asList(u.url(), u.md5(), j.templateId(), j.templateVersion(), j.status(),
                            j.errorClass(), a.assetType(), a.storagePath())));
                }
            }
            byUrl.put(u.url(), rows);
        }
        // a prefix with '_' (literal) and a generous max_urls: every matching name
        String prefix = "s3://raw-images/feed/img_1";
        List<String> expected = data.urls.stream().map(Url::url).filter(u -> u.startsWith(prefix))
                .flatMap(u -> byUrl.get(u).stream()).sorted().toList();
        assertThat(expected).isNotEmpty();
        assertThat(sortedKeys(run(reader, "url_history.sql", Map.of("url_prefix", prefix, "max_urls", 1_000_000)),
                columns)).containsExactlyElementsOf(expected);

        // max_urls caps the names, each expanded completely
        List<Map<String, Object>> capped = run(reader, "url_history.sql",
                Map.of("url_prefix", "s3://raw-images/catalog/", "max_urls", 7));
        Set<String> cappedUrls = capped.stream().map(r -> (String) r.get("url")).collect(Collectors.toSet());
        assertThat(cappedUrls).hasSize(7).allMatch(u -> u.startsWith("s3://raw-images/catalog/"));
        assertThat(sortedKeys(capped, columns)).containsExactlyElementsOf(
                cappedUrls.stream().flatMap(u -> byUrl.get(u).stream()).sorted().toList());

        // a pending content: one row, no job outcome yet; a failed one: its class, no asset
        String pending = urlOf(211);
        assertThat(data.jobsOf(data.urls.stream().filter(u -> u.url().equals(pending)).findFirst().orElseThrow().md5()))
                .extracting(Job::status).containsExactly("pending");
        assertThat(sortedKeys(run(reader, "url_history.sql", Map.of("url_prefix", pending, "max_urls", 10)), columns))
                .containsExactlyElementsOf(byUrl.get(pending));
        String failed = urlOf(23);
        List<Map<String, Object>> failedRows = run(reader, "url_history.sql", Map.of("url_prefix", failed, "max_urls", 10));
        assertThat(failedRows).singleElement().satisfies(r -> {
            assertThat(r.get("status")).isEqualTo("failed");
            assertThat(r.get("error_class")).isNotNull();
            assertThat(r.get("asset_type")).isNull();
        });
    }

    private void timeRangeExport() throws Exception {
        record Export(String template, int version, String from, String to, int pageSize) {}
        for (Export e : List.of(new Export(AnalystDataSet.DEFAULT_TEMPLATE, 1, "2026-11-02T00:00:00Z",
                "2026-11-09T00:00:00Z", 37), new Export(AnalystDataSet.SECOND_TEMPLATE, 2, "-infinity", "infinity", 50))) {
            Instant from = e.from().equals("-infinity") ? Instant.MIN : Instant.parse(e.from());
            Instant to = e.to().equals("infinity") ? Instant.MAX : Instant.parse(e.to());
            List<String> expected = new ArrayList<>();
            for (Job j : data.jobs) {
                if (j.status().equals("success") && j.templateId().equals(e.template()) && j.templateVersion() == e.version()
                        && !j.finishedAt().isBefore(from) && j.finishedAt().isBefore(to)) {
                    for (Asset a : data.assetsOf(j)) {
                        expected.add(key(List.of(j.finishedAt(), a.md5(), a.assetType(), a.storagePath(),
                                data.images.get(a.md5()).sourceUrl())));
                    }
                }
            }
            expected.sort(null);
            assertThat(expected).isNotEmpty();

            List<String> read = new ArrayList<>();
            Instant previous = Instant.MIN;
            Object afterFinished = "-infinity";
            String afterMd5 = "";
            String afterType = "";
            int pages = 0;
            while (true) {
                List<Map<String, Object>> page = run(reader, "time_range_export.sql", Map.of("template_id", e.template(),
                        "template_version", e.version(), "from", e.from(), "to", e.to(), "after_finished_at",
                        afterFinished, "after_md5", afterMd5, "after_asset_type", afterType, "page_size", e.pageSize()));
                pages++;
                assertThat(page.size()).isLessThanOrEqualTo(e.pageSize());
                for (Map<String, Object> r : page) {
                    Instant finished = (Instant) r.get("finished_at");
                    assertThat(finished).as("ordered by finished_at").isAfterOrEqualTo(previous);
                    previous = finished;
                    read.add(key(r, List.of("finished_at", "md5", "asset_type", "storage_path", "source_url")));
                }
                if (page.size() < e.pageSize()) {
                    break;
                }
                Map<String, Object> last = page.get(page.size() - 1);
                afterFinished = last.get("finished_at");
                afterMd5 = (String) last.get("md5");
                afterType = (String) last.get("asset_type");
            }
            assertThat(new HashSet<>(read)).as("no row twice").hasSize(read.size());
            assertThat(read.stream().sorted().toList()).as("%s: every row once", e).containsExactlyElementsOf(expected);
            assertThat(pages).isEqualTo(expected.size() / e.pageSize() + 1);
        }
    }

    private void failuresTop10ByReason() throws Exception {
        for (String fromText : List.of("-infinity", "2026-11-11T00:00:00Z")) {
            Instant from = fromText.equals("-infinity") ? Instant.MIN : Instant.parse(fromText);
            List<Job> failures = data.jobs.stream()
                    .filter(j -> (j.status().equals("failed") || j.status().equals("needs_manual_review"))
                            && !j.finishedAt().isBefore(from))
                    .toList();
            Map<String, List<Job>> byReason = failures.stream().collect(Collectors.groupingBy(Job::errorClass));
            Map<String, String> expectedRow = new HashMap<>();
            byReason.forEach((reason, js) -> expectedRow.put(reason, key(List.of(reason, js.size(),
                    js.stream().filter(j -> j.status().equals("failed")).count(),
                    js.stream().filter(j -> j.status().equals("needs_manual_review")).count(),
                    ratio(100L * js.size(), failures.size(), 1),
                    js.stream().map(Job::finishedAt).min(Comparator.naturalOrder()).orElseThrow(),
                    js.stream().map(Job::finishedAt).max(Comparator.naturalOrder()).orElseThrow(),
                    js.stream().map(Job::errorMessage).min(Comparator.naturalOrder()).orElseThrow()))));
            List<Long> topCounts = byReason.values().stream().map(js -> (long) js.size())
                    .sorted(Comparator.reverseOrder()).limit(10).toList();
            List<Map<String, Object>> rows = run(reader, "failures_top10_by_reason.sql",
                    Map.of("from", fromText, "to", "infinity"));
            List<String> columns = List.of("reason", "failures", "failed", "needs_manual_review", "pct_of_failures",
                    "first_seen", "last_seen", "example_message");
            // the ten largest counts, in order; every row exactly as the oracle has it (ties may come in any order)
            assertThat(rows).extracting(r -> (Long) r.get("failures")).as("from %s", fromText)
                    .containsExactlyElementsOf(topCounts);
            assertThat(rows).allSatisfy(r -> assertThat(key(r, columns)).isEqualTo(expectedRow.get((String) r.get("reason"))));
            if (fromText.equals("-infinity")) {
                // twelve classes with twelve different counts: the top ten is a real cut
                assertThat(byReason).hasSize(12);
                assertThat(rows).hasSize(10);
                assertThat(rows.get(0).get("reason")).isEqualTo("model_error");
            }
        }
    }

    private void dailyThroughput() throws Exception {
        Instant from = Instant.parse("2026-11-03T00:00:00Z");
        Instant to = Instant.parse("2026-11-10T00:00:00Z");
        for (String tz : List.of("UTC", "Asia/Shanghai")) {
            Map<LocalDate, List<Job>> byDay = new TreeMap<>(data.jobs.stream()
                    .filter(j -> j.finishedAt() != null && !j.finishedAt().isBefore(from) && j.finishedAt().isBefore(to))
                    .collect(Collectors.groupingBy(j -> LocalDate.ofInstant(j.finishedAt(), ZoneId.of(tz)))));
            List<String> expected = byDay.entrySet().stream().map(en -> {
                List<Job> js = en.getValue();
                List<Job> ok = js.stream().filter(j -> j.status().equals("success")).toList();
                return key(List.of(en.getKey(), js.size(), ok.size(),
                        js.stream().filter(j -> j.status().equals("failed")).count(),
                        js.stream().filter(j -> j.status().equals("needs_manual_review")).count(),
                        ratio(100L * ok.size(), js.size(), 1),
                        ratio(js.stream().mapToLong(Job::durationMs).sum(), js.size(), 0),
                        js.stream().mapToInt(Job::durationMs).max().orElseThrow(),
                        ratio(ok.stream().mapToLong(Job::inferenceMs).sum(), ok.size(), 0)));
            }).toList();
            assertThat(expected).as(tz).hasSizeBetween(7, 8);
            List<Map<String, Object>> rows = run(reader, "daily_throughput.sql",
                    Map.of("from", from.toString(), "to", to.toString(), "tz", tz));
            assertThat(keys(rows, List.of("day", "finished", "succeeded", "failed", "needs_manual_review", "success_pct",
                    "avg_duration_ms", "max_duration_ms", "avg_inference_ms"))).as(tz).containsExactlyElementsOf(expected);
        }
    }

    private void duplicateRatio() throws Exception {
        List<String> columns = List.of("urls", "distinct_contents", "duplicate_urls", "names_per_content",
                "contents_with_duplicates", "pct_contents_duplicated", "max_names_per_content");
        for (String prefix : List.of("", "s3://raw-images/other-shop/Q_", "s3://raw-images/mirror/", "nowhere://")) {
            List<Url> names = data.urls.stream().filter(u -> u.url().startsWith(prefix)).toList();
            Map<String, Long> perContent = names.stream().collect(Collectors.groupingBy(Url::md5, Collectors.counting()));
            long urls = names.size();
            long contents = perContent.size();
            long duplicated = perContent.values().stream().filter(n -> n > 1).count();
            String expected = key(Arrays.asList(urls, contents, urls - contents,
                    contents == 0 ? null : ratio(urls, contents, 4), duplicated,
                    contents == 0 ? null : ratio(100L * duplicated, contents, 2),
                    perContent.values().stream().max(Long::compare).orElse(null)));
            List<Map<String, Object>> rows = run(reader, "duplicate_ratio.sql", Map.of("url_prefix", prefix));
            assertThat(keys(rows, columns)).as("prefix '%s'", prefix).containsExactly(expected);
        }
        // closed form over the whole bucket: names = N + N/5 + N/15 + N/45, duplicated contents = N/5, at most 4 names
        Map<String, Object> all = run(reader, "duplicate_ratio.sql", Map.of("url_prefix", "")).get(0);
        int n = CONTENTS;
        assertThat(all.get("urls")).isEqualTo(BigDecimal.valueOf(n + n / 5 + n / 15 + n / 45));
        assertThat(all.get("distinct_contents")).isEqualTo((long) n);
        assertThat(all.get("contents_with_duplicates")).isEqualTo((long) (n / 5));
        if (n >= 45) {
            assertThat(all.get("max_names_per_content")).isEqualTo(4L);
        }
        // a literal '_': the QX decoys are not under other-shop/Q_
        Map<String, Object> q = run(reader, "duplicate_ratio.sql", Map.of("url_prefix", "s3://raw-images/other-shop/Q_"))
                .get(0);
        assertThat(q.get("urls")).isEqualTo(BigDecimal.valueOf(n / 15));
    }

    private void storageByAssetType() throws Exception {
        Map<String, List<Asset>> byType = data.assets.stream().collect(Collectors.groupingBy(Asset::assetType));
        List<String> expected = new ArrayList<>();
        for (Map.Entry<String, List<Asset>> en : new TreeMap<>(byType).entrySet()) {
            long bytes = en.getValue().stream().mapToLong(Asset::sizeBytes).sum();
            expected.add(key(List.of("processed", en.getKey(), en.getValue().size(), BigDecimal.valueOf(bytes),
                    ratio(bytes, en.getValue().size(), 0))));
        }
        long rawBytes = data.urls.stream().mapToLong(Url::sizeBytes).sum();
        expected.add(key(List.of("raw", "original", data.urls.size(), BigDecimal.valueOf(rawBytes),
                ratio(rawBytes, data.urls.size(), 0))));
        List<Map<String, Object>> rows = run(reader, "storage_by_asset_type.sql", Map.of());
        assertThat(keys(rows, List.of("bucket", "asset_type", "files", "total_bytes", "avg_bytes")))
                .containsExactlyElementsOf(expected);
        assertThat(rows).allSatisfy(r -> assertThat((String) r.get("total_size")).matches("\\d+ (bytes|kB|MB|GB|TB)"));
        // every success has a transparent PNG: default successes plus one per tenth content (second template)
        long successes = data.jobs.stream().filter(j -> j.status().equals("success")).count();
        assertThat(rows).filteredOn(r -> "transparent_png".equals(r.get("asset_type")))
                .singleElement().satisfies(r -> assertThat(r.get("files")).isEqualTo(successes));
    }

    private void refreshProductAssetsView() throws Exception {
        List<String> columns = List.of("product_id", "url", "md5", "template_id", "template_version", "status",
                "asset_type", "is_primary", "storage_path", "width", "height", "file_size_bytes", "finished_at");
        List<String> expected = keys(expectedViewRows().stream());
        assertThat(sortedKeys(select(reader, "SELECT * FROM product_assets_view"), columns))
                .containsExactlyElementsOf(expected);

        // new content under edge-case names: invisible until the refresh, then with the documented product ids
        String md5 = AnalystDataSet.md5("content-extra");
        List<String> names = List.of("s3://raw-images/catalog/PEXTRA.png", "s3://raw-images/dir/",
                "https://cdn.example.com/x/y.jpeg?a=1&sku=ABC-9#frag", "https://cdn.example.com/p?redir=/a/b.png",
                "s3://raw-images/q.tar.gz?sku=", "file:/srv/raw/ball-copy.jpg");
        for (String name : names) {
            execute(owner, "INSERT INTO image_urls (url, md5, file_size_bytes) VALUES ('" + name + "', '" + md5 + "', 10)");
        }
        execute(owner, "INSERT INTO original_images (md5, source_url, file_size_bytes) VALUES ('" + md5
                + "', 'file:/srv/raw/ball-copy.jpg', 10)");
        execute(owner, "INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status, finished_at)"
                + " VALUES ('" + md5 + "', 'default', 1, 'isnet-medium', 'success', '2026-12-01T00:00:00Z')");
        execute(owner, "INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width,"
                + " height, file_size_bytes, is_primary) VALUES ('" + md5 + "', 'default', 1, 'transparent_png', 's3://p/x.png',"
                + " 1, 1, 1, true)");
        String extraRows = "SELECT url, product_id FROM product_assets_view WHERE md5 = '" + md5 + "'";
        assertThat(select(reader, extraRows)).isEmpty();

        run(owner, "refresh_product_assets_view.sql", Map.of());
        List<String> expectedExtra = names.stream().map(u -> u + " -> " + AnalystDataSet.productId(u)).sorted().toList();
        assertThat(expectedExtra).contains("s3://raw-images/dir/ -> null", "s3://raw-images/q.tar.gz?sku= -> q.tar",
                "https://cdn.example.com/x/y.jpeg?a=1&sku=ABC-9#frag -> ABC-9", "https://cdn.example.com/p?redir=/a/b.png -> p");
        assertThat(select(reader, extraRows).stream().map(r -> r.get("url") + " -> " + r.get("product_id")).sorted())
                .containsExactlyElementsOf(expectedExtra);

        // analysts read the view but cannot refresh it
        assertThatThrownBy(() -> run(reader, "refresh_product_assets_view.sql", Map.of()))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));

        execute(owner, "DELETE FROM result_assets WHERE md5 = '" + md5 + "'");
        execute(owner, "DELETE FROM processing_jobs WHERE md5 = '" + md5 + "'");
        execute(owner, "DELETE FROM original_images WHERE md5 = '" + md5 + "'");
        execute(owner, "DELETE FROM image_urls WHERE md5 = '" + md5 + "'");
        run(owner, "refresh_product_assets_view.sql", Map.of());
        assertThat(sortedKeys(select(reader, "SELECT * FROM product_assets_view"), columns))
                .containsExactlyElementsOf(expected);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // latencies and the md5 storage experiment (figures for docs/analysts.md)

    @Test
    void latenciesOfTheExampleCalls() throws Exception {
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "| query | rows | runs | median ms | p90 ms | max ms |%n|---|---|---|---|---|---|%n"));
        for (QueryFile file : QueryFile.all()) {
            Map<String, Object> params = examples.get(file.name());
            assertThat(params).as("%s has no example call", file.name()).isNotNull();
            Connection c = file.name().startsWith("refresh_") ? owner : reader;
            int rows = run(c, file.name(), params).size();
            run(c, file.name(), params);
            latencies.remove(file.name());
            long budget = System.nanoTime() + 10_000_000_000L; // at most 15 runs, at least 3, about 10 s a file
            for (int k = 0; k < 15 && (k < 3 || System.nanoTime() < budget); k++) {
                run(c, file.name(), params);
            }
            long[] ns = latencies.get(file.name()).stream().mapToLong(Long::longValue).sorted().toArray();
            report.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f | %.2f |%n", file.name(), rows,
                    ns.length, ns[ns.length / 2] / 1e6, ns[(int) (ns.length * 0.9)] / 1e6, ns[ns.length - 1] / 1e6));
        }
        String header = String.format(Locale.ROOT, "Data set: %d contents, %d urls, %d jobs, %d assets, %d view rows%n%n",
                data.contents, data.urls.size(), data.jobs.size(), data.assets.size(), expectedViewRows().size());
        writeReport("analyst-query-latencies.md", header + report);
    }

    /**
     * image_urls as it is (md5 char(32)) against md5 as uuid and as bytea, 200k generated rows with ~60-byte URLs,
     * the url primary key and an md5 index (the one a "names of this content" lookup needs).
     */
    @Test
    void md5AsCharUuidOrBytea() throws Exception {
        int rows = 200_000;
        Map<String, String> types = new LinkedHashMap<>();
        types.put("char32", "char(32)");
        types.put("uuid", "uuid");
        types.put("bytea", "bytea");
        Map<String, String> values = Map.of("char32", "md5(g::text)", "uuid", "md5(g::text)::uuid", "bytea",
                "decode(md5(g::text), 'hex')");
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "%d rows, url ~63 bytes%n%n"
                + "| md5 as | md5 value bytes | row bytes (heap/rows) | url pkey bytes/row | md5 index bytes/row |"
                + " total bytes/row |%n|---|---|---|---|---|---|%n", rows));
        Map<String, Double> total = new HashMap<>();
        for (Map.Entry<String, String> t : types.entrySet()) {
            String table = "md5_storage_" + t.getKey();
            execute(owner, "CREATE TABLE " + table + " (url text NOT NULL, md5 " + t.getValue() + " NOT NULL,"
                    + " file_size_bytes bigint NOT NULL, discovered_at timestamptz NOT NULL DEFAULT now(),"
                    + " CONSTRAINT " + table + "_pkey PRIMARY KEY (url))");
            execute(owner, "INSERT INTO " + table + " (url, md5, file_size_bytes) SELECT"
                    + " 's3://raw-images/incoming/2026-11-21/catalog/product-' || lpad(g::text, 7, '0') || '.jpg', "
                    + values.get(t.getKey()) + ", 1000000 + g FROM generate_series(1, " + rows + ") g");
            execute(owner, "CREATE INDEX " + table + "_md5_idx ON " + table + " (md5)");
            execute(owner, "VACUUM ANALYZE " + table);
            Map<String, Object> m = select(owner, "SELECT avg(pg_column_size(md5))::float8 AS value,"
                    + " pg_relation_size('" + table + "')::float8 / " + rows + " AS heap,"
                    + " pg_relation_size('" + table + "_pkey')::float8 / " + rows + " AS pkey,"
                    + " pg_relation_size('" + table + "_md5_idx')::float8 / " + rows + " AS md5_idx,"
                    + " pg_total_relation_size('" + table + "')::float8 / " + rows + " AS total FROM " + table).get(0);
            total.put(t.getKey(), (Double) m.get("total"));
            report.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f |%n", t.getValue(),
                    m.get("value"), m.get("heap"), m.get("pkey"), m.get("md5_idx"), m.get("total")));
            execute(owner, "DROP TABLE " + table);
        }
        writeReport("md5-storage.md", report.toString());
        assertThat(total.get("uuid")).isLessThan(total.get("char32"));
        assertThat(total.get("bytea")).isLessThan(total.get("char32"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    /** The view's rows per the oracle: every image_urls name x every asset of every job of its content. */
    private List<List<Object>> expectedViewRows() {
        List<List<Object>> rows = new ArrayList<>();
        for (Url n : data.urls) {
            for (Job j : data.jobsOf(n.md5())) {
                for (Asset a : data.assetsOf(j)) {
                    rows.add(Arrays.asList(AnalystDataSet.productId(n.url()), n.url(), a.md5(), a.templateId(),
                            a.templateVersion(), j.status(), a.assetType(), a.primary(), a.storagePath(), a.width(),
                            a.height(), a.sizeBytes(), j.finishedAt()));
                }
            }
        }
        return rows;
    }

    private String urlOf(int i) {
        Image image = data.images.values().stream().filter(im -> im.i() == i).findFirst().orElseThrow();
        return image.sourceUrl();
    }

    private List<Map<String, Object>> run(Connection c, String file, Map<String, ?> params) throws SQLException {
        String sql = QueryFile.named(file).bind(params);
        long start = System.nanoTime();
        List<Map<String, Object>> rows = select(c, sql);
        latencies.computeIfAbsent(file, k -> new ArrayList<>()).add(System.nanoTime() - start);
        return rows;
    }

    private static List<Map<String, Object>> select(Connection c, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return rows;
            }
            try (ResultSet rs = s.getResultSet()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int k = 1; k <= meta.getColumnCount(); k++) {
                        Object value = switch (meta.getColumnTypeName(k)) {
                            case "timestamptz" -> {
                                OffsetDateTime t = rs.getObject(k, OffsetDateTime.class);
                                yield t == null ? null : t.toInstant();
                            }
                            case "date" -> rs.getObject(k, LocalDate.class);
                            default -> rs.getObject(k);
                        };
                        row.put(meta.getColumnLabel(k), value);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String key(List<?> values) {
        return values.stream().map(v -> v instanceof BigDecimal b ? b.toPlainString() : String.valueOf(v))
                .collect(Collectors.joining(" | "));
    }

    private static String key(Map<String, Object> row, List<String> columns) {
        return key(columns.stream().map(row::get).toList());
    }

    private static List<String> keys(Stream<List<Object>> rows) {
        return rows.map(AnalystQueriesTest::key).sorted().toList();
    }

    private static List<String> keys(List<Map<String, Object>> rows, List<String> columns) {
        return rows.stream().map(r -> key(r, columns)).toList();
    }

    private static List<String> sortedKeys(List<Map<String, Object>> rows, List<String> columns) {
        return rows.stream().map(r -> key(r, columns)).sorted().toList();
    }

    /** numerator / denominator rounded half away from zero, as PostgreSQL's round(numeric, scale). */
    private static BigDecimal ratio(long numerator, long denominator, int scale) {
        return BigDecimal.valueOf(numerator).divide(BigDecimal.valueOf(denominator), scale, RoundingMode.HALF_UP);
    }

    private static void writeReport(String name, String text) throws IOException {
        System.out.println(name + ":\n" + text);
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.writeString(target, text);
    }
}
