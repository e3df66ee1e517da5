package io.cutflow.job.sql;

import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A realistic provenance data set built from simple rules on the content number i (1..contents), held in memory as
 * the oracle the analyst queries are checked against, and loaded with COPY.
 * <ul>
 *   <li>content i: md5 of "content-i", product P(100000+i); its first name depends on i % 3: a CDN URL
 *       (.../products/P100123.jpg?version=2), a catalog object (catalog/P100124.png) or a feed object whose product
 *       is a query parameter (feed/img_125.jpg?sku=P100125, product_id= when i % 6 == 2);</li>
 *   <li>duplicates: i % 5 == 0 also under mirror/P...JPG; i % 15 == 0 also under other-shop/Q_i.jpg (another
 *       product); i % 45 == 0 also under other-shop/QXi.jpg (a decoy for LIKE escaping of '_');</li>
 *   <li>default template, version 1: pending when i % 211 == 0, running when i % 223 == 0, needs_manual_review when
 *       i % 97 == 0, failed when i % 23 == 0, success otherwise (alpha_mask + primary transparent_png, plus
 *       foreground_only when i % 4 == 0);</li>
 *   <li>template ecommerce-high-precision, version 2: a success with two assets when i % 10 == 0;</li>
 *   <li>jobs finish at BASE + (i / 3) * 30 min: three contents (and both templates of one content) share a
 *       timestamp, which keyset pagination must handle;</li>
 *   <li>failure classes follow a fixed cycle in which class c occurs 12 - c times, so every class has a different
 *       count; four classes beyond today's eight (error_class is free text) make the top-10 cut visible.</li>
 * </ul>
 */
final class AnalystDataSet {

    static final Instant BASE = Instant.parse("2026-11-01T00:00:00Z");
    static final String DEFAULT_TEMPLATE = "default";
    static final String SECOND_TEMPLATE = "ecommerce-high-precision";
    static final List<String> FAILURE_CLASSES = List.of("model_error", "undecodable", "timeout", "too_large", "io_error",
            "empty", "unsupported_format", "content_changed", "gpu_out_of_memory", "license_check", "quota_exceeded",
            "network_partition");

    record Url(String url, String md5, long sizeBytes) {}

    record Image(int i, String md5, String sourceUrl, long sizeBytes, Integer width, Integer height, String format) {}

    record Job(String md5, String templateId, int templateVersion, String status, String errorClass,
            String errorMessage, Instant startedAt, Instant finishedAt, Integer durationMs, Integer inferenceMs) {}

    record Asset(String md5, String templateId, int templateVersion, String assetType, String storagePath, int width,
            int height, long sizeBytes, boolean primary) {}

    final int contents;
    final List<Url> urls = new ArrayList<>();
    final Map<String, Image> images = new LinkedHashMap<>();
    final List<Job> jobs = new ArrayList<>();
    final List<Asset> assets = new ArrayList<>();
    private final Map<String, List<Job>> jobsByMd5 = new HashMap<>();
    private final Map<String, List<Asset>> assetsByJob = new HashMap<>();

    private AnalystDataSet(int contents) {
        this.contents = contents;
    }

    static AnalystDataSet generate(int contents) {
        AnalystDataSet data = new AnalystDataSet(contents);
        List<String> failureCycle = new ArrayList<>();
        for (int c = 0; c < FAILURE_CLASSES.size(); c++) {
            for (int k = 0; k < FAILURE_CLASSES.size() - c; k++) {
                failureCycle.add(FAILURE_CLASSES.get(c));
            }
        }
        int failures = 0;
        for (int i = 1; i <= contents; i++) {
            String md5 = md5("content-" + i);
            String pid = "P" + (100000 + i);
            long size = 1_000_000L + 7L * i;
            String first = switch (i % 3) {
                case 0 -> "https://cdn.example.com/products/" + pid + ".jpg?version=2";
                case 1 -> "s3://raw-images/catalog/" + pid + ".png";
                default -> "s3://raw-images/feed/img_" + i + ".jpg?" + (i % 6 == 2 ? "product_id=" : "sku=") + pid;
            };
            data.urls.add(new Url(first, md5, size));
            if (i % 5 == 0) {
                data.urls.add(new Url("s3://raw-images/mirror/" + pid + ".JPG", md5, size));
            }
            if (i % 15 == 0) {
                data.urls.add(new Url("s3://raw-images/other-shop/Q_" + i + ".jpg", md5, size));
            }
            if (i % 45 == 0) {
                data.urls.add(new Url("s3://raw-images/other-shop/QX" + i + ".jpg", md5, size));
            }

            String status = i % 211 == 0 ? "pending" : i % 223 == 0 ? "running" : i % 97 == 0 ? "needs_manual_review"
                    : i % 23 == 0 ? "failed" : "success";
            boolean decoded = status.equals("success") || status.equals("pending") || status.equals("running");
            int width = 800 + i % 400;
            int height = 600 + i % 300;
            data.images.put(md5, new Image(i, md5, first, size, decoded ? width : null, decoded ? height : null,
                    decoded ? (i % 3 == 1 ? "png" : "jpeg") : null));

            Instant finished = BASE.plus(Duration.ofMinutes(30L * (i / 3)));
            int duration = 1000 + (i * 37) % 2000;
            switch (status) {
                case "pending" -> data.jobs.add(new Job(md5, DEFAULT_TEMPLATE, 1, status, null, null, null, null, null, null));
                case "running" -> data.jobs.add(new Job(md5, DEFAULT_TEMPLATE, 1, status, null, null,
                        finished.minusMillis(duration), null, null, null));
                case "success" -> {
                    data.jobs.add(new Job(md5, DEFAULT_TEMPLATE, 1, status, null, null, finished.minusMillis(duration),
                            finished, duration, duration - 300));
                    data.addAsset(md5, DEFAULT_TEMPLATE, 1, "alpha_mask", width, height, 50_000L + i, false);
                    data.addAsset(md5, DEFAULT_TEMPLATE, 1, "transparent_png", width, height, 400_000L + 3L * i, true);
                    if (i % 4 == 0) {
                        data.addAsset(md5, DEFAULT_TEMPLATE, 1, "foreground_only", width / 2, height / 2,
                                300_000L + 2L * i, false);
                    }
                }
                default -> {
                    String errorClass = failureCycle.get(failures++ % failureCycle.size());
                    data.jobs.add(new Job(md5, DEFAULT_TEMPLATE, 1, status, errorClass, errorClass + ": content " + i,
                            finished.minusMillis(duration), finished, duration, 0));
                }
            }
            if (i % 10 == 0) {
                int d2 = duration + 500;
                data.jobs.add(new Job(md5, SECOND_TEMPLATE, 2, "success", null, null, finished.minusMillis(d2), finished,
                        d2, d2 - 300));
                data.addAsset(md5, SECOND_TEMPLATE, 2, "alpha_mask", width, height, 51_000L + i, false);
                data.addAsset(md5, SECOND_TEMPLATE, 2, "transparent_png", width, height, 401_000L + 3L * i, true);
            }
        }
        for (Job j : data.jobs) {
            data.jobsByMd5.computeIfAbsent(j.md5(), k -> new ArrayList<>()).add(j);
        }
        for (Asset a : data.assets) {
            data.assetsByJob.computeIfAbsent(a.md5() + "/" + a.templateId() + "/" + a.templateVersion(),
                    k -> new ArrayList<>()).add(a);
        }
        return data;
    }

    private void addAsset(String md5, String template, int version, String type, int width, int height, long size,
            boolean primary) {
        String path = "s3://processed-images/assets/" + md5.substring(0, 2) + "/" + md5 + "/" + template + "-v" + version
                + "/" + type + ".png";
        assets.add(new Asset(md5, template, version, type, path, width, height, size, primary));
    }

    /** The documented product_id rule of product_assets_view, in Java. */
    static String productId(String url) {
        Matcher parameter = Pattern.compile("[?&](?:product_id|sku)=([^&#]*)").matcher(url);
        if (parameter.find() && !parameter.group(1).isEmpty()) {
            return parameter.group(1);
        }
        String path = url.replaceFirst("[?#].*$", "");
        String segment = path.replaceFirst("^.*/", "");
        String id = segment.replaceFirst("\\.[^.]*$", "");
        return id.isEmpty() ? null : id;
    }

    List<Job> jobsOf(String md5) {
        return jobsByMd5.getOrDefault(md5, List.of());
    }

    List<Asset> assetsOf(Job job) {
        return assetsByJob.getOrDefault(job.md5() + "/" + job.templateId() + "/" + job.templateVersion(), List.of());
    }

    void load(Connection c) throws SQLException, IOException {
        CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
        StringBuilder csv = new StringBuilder();
        for (Url u : urls) {
            row(csv, u.url(), u.md5(), u.sizeBytes(), BASE);
        }
        copy.copyIn("COPY image_urls (url, md5, file_size_bytes, discovered_at) FROM STDIN (FORMAT csv)",
                new StringReader(csv.toString()));
        csv.setLength(0);
        for (Image im : images.values()) {
            row(csv, im.md5(), im.sourceUrl(), im.sizeBytes(), im.width(), im.height(), im.format(), BASE);
        }
        copy.copyIn("COPY original_images (md5, source_url, file_size_bytes, width, height, format, upload_timestamp)"
                + " FROM STDIN (FORMAT csv)", new StringReader(csv.toString()));
        csv.setLength(0);
        for (Job j : jobs) {
            row(csv, j.md5(), j.templateId(), j.templateVersion(), "isnet-medium", "0".repeat(64),
                    "{\"threshold\": 0.5}", j.status(), j.errorClass(), j.errorMessage(), j.startedAt(),
                    j.finishedAt(), j.durationMs(), j.inferenceMs(), j.finishedAt() == null ? null : "tm-1/0",
                    j.finishedAt() == null ? null : "cpu");
        }
        copy.copyIn("COPY processing_jobs (md5, template_id, template_version, model_version, model_sha256, parameters,"
                + " status, error_class, error_message, started_at, finished_at, duration_ms, inference_ms, worker_node,"
                + " execution_provider) FROM STDIN (FORMAT csv)", new StringReader(csv.toString()));
        csv.setLength(0);
        for (Asset a : assets) {
            row(csv, a.md5(), a.templateId(), a.templateVersion(), a.assetType(), a.storagePath(), a.width(),
                    a.height(), a.sizeBytes(), a.primary(), BASE);
        }
        copy.copyIn("COPY result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,"
                + " file_size_bytes, is_primary, created_at) FROM STDIN (FORMAT csv)", new StringReader(csv.toString()));
        try (Statement s = c.createStatement()) {
            s.execute("ANALYZE image_urls, original_images, processing_jobs, result_assets");
        }
    }

    /** CSV: NULL is an unquoted empty field, every value is quoted. */
    private static void row(StringBuilder csv, Object... values) {
        for (int k = 0; k < values.length; k++) {
            if (k > 0) {
                csv.append(',');
            }
            if (values[k] != null) {
                csv.append('"').append(values[k].toString().replace("\"", "\"\"")).append('"');
            }
        }
        csv.append('\n');
    }

    static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
