package io.cutflow.console;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where the browser gets an asset or an original: local files through the console's own {@code /files/processed/...}
 * and {@code /files/raw/...} (only below the real processed and raw roots), s3:// objects through presigned GET URLs
 * (15 minutes; the console never proxies S3 bytes).
 */
public final class AssetLinks implements AutoCloseable {

    public static final Duration PRESIGN_EXPIRY = Duration.ofMinutes(15);

    private final Map<String, Path> roots; // "processed" / "raw" -> real path of the local root
    private final S3Presigner presigner;

    public AssetLinks(String processed, String raw, String s3PublicEndpoint, Map<String, String> env) {
        java.util.LinkedHashMap<String, Path> local = new java.util.LinkedHashMap<>();
        localRoot(processed).ifPresent(p -> local.put("processed", p));
        localRoot(raw).ifPresent(p -> local.put("raw", p));
        this.roots = Map.copyOf(local);
        this.presigner = presigner(s3PublicEndpoint, env);
    }

    /** A local folder location (a path or file: URI) as its real path; empty for s3:// or a missing folder. */
    static Optional<Path> localRoot(String location) {
        if (location == null || location.isBlank() || isS3(location)) {
            return Optional.empty();
        }
        try {
            return Optional.of(localPath(location).toRealPath());
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static boolean isS3(String location) {
        return location.startsWith("s3://") || location.startsWith("s3a://") || location.startsWith("s3p://");
    }

    static Path localPath(String location) {
        // the job writes local locations as file:/path or a plain path, not URL-encoded (Flink's Path)
        if (location.startsWith("file://")) {
            return Path.of(location.substring(7));
        }
        if (location.startsWith("file:")) {
            return Path.of(location.substring(5));
        }
        return Path.of(location);
    }

    /** The href the browser loads {@code location} (a storage_path or an image url) from; empty when it cannot. */
    public Optional<String> href(String location) {
        if (location == null) {
            return Optional.empty();
        }
        AssetAccessLog log = accessLog;
        if (log != null) {
            log.record(location); // a link handed out is an access (bin/cutflow archive keeps served assets hot)
        }
        if (isS3(location)) {
            return presign(location);
        }
        Path path;
        try {
            path = localPath(location).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        for (Map.Entry<String, Path> root : roots.entrySet()) {
            Path base = root.getValue();
            Path candidate = path.startsWith(base) ? path : null;
            if (candidate == null) {
                continue;
            }
            StringBuilder href = new StringBuilder("/files/").append(root.getKey());
            for (Path part : base.relativize(candidate)) {
                href.append('/').append(URLEncoder.encode(part.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
            }
            return Optional.of(href.toString());
        }
        return Optional.empty();
    }

    /**
     * The file a {@code /files/ROOT/REL} request may read: REL (already URL-decoded) resolved under the root's real
     * path, the result's real path (links followed) still under it, a regular file. Anything else is empty (a 404).
     */
    public Optional<Path> resolve(String rootName, String relative) {
        Path root = roots.get(rootName);
        if (root == null || relative == null || relative.isEmpty() || relative.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        try {
            Path target = root.resolve(relative).normalize();
            if (!target.startsWith(root)) {
                return Optional.empty();
            }
            Path real = target.toRealPath();
            if (!real.startsWith(root) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            return Optional.of(real);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A presigned GET for the location, reused for half its lifetime: the same object keeps the same URL across page
     * views, so browsers cache the image instead of fetching it again under a fresh signature. Without usable
     * credentials the link is empty (the page says so) and the reason is logged once.
     */
    private Optional<String> presign(String location) {
        long now = System.currentTimeMillis();
        synchronized (signed) {
            Signed cached = signed.get(location);
            if (cached != null && cached.reuseUntil() > now) {
                return Optional.of(cached.url());
            }
        }
        URI uri = URI.create(location.replace(" ", "%20"));
        String bucket = uri.getHost();
        String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (bucket == null || key.isEmpty()) {
            return Optional.empty();
        }
        String url;
        try {
            url = presigner.presignGetObject(b -> b.signatureDuration(PRESIGN_EXPIRY)
                    .getObjectRequest(GetObjectRequest.builder().bucket(bucket).key(key).build())).url().toString();
        } catch (RuntimeException e) {
            if (!presignFailureLogged) {
                presignFailureLogged = true;
                org.slf4j.LoggerFactory.getLogger(AssetLinks.class).warn("cannot presign S3 links (pages show no"
                        + " pictures from S3): {}", e.toString());
            }
            return Optional.empty();
        }
        synchronized (signed) {
            signed.put(location, new Signed(url, now + PRESIGN_EXPIRY.toMillis() / 2));
        }
        return Optional.of(url);
    }

    private record Signed(String url, long reuseUntil) {}

    /** Presigned links remembered, least recently used dropped first. */
    static final int SIGNED_CACHE = 20_000;
    private final Map<String, Signed> signed = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Signed> eldest) {
            return size() > SIGNED_CACHE;
        }
    };
    private volatile boolean presignFailureLogged;

    /**
     * The presigner, as the rest of the project reads S3: S3_ENDPOINT (path-style), AWS_ACCESS_KEY_ID /
     * AWS_SECRET_ACCESS_KEY, AWS_REGION (us-east-1); the browser-facing endpoint when one is given.
     */
    private static S3Presigner presigner(String publicEndpoint, Map<String, String> env) {
        String endpoint = publicEndpoint != null && !publicEndpoint.isBlank() ? publicEndpoint : env.get("S3_ENDPOINT");
        String accessKey = env.get("AWS_ACCESS_KEY_ID");
        String secretKey = env.get("AWS_SECRET_ACCESS_KEY");
        AwsCredentialsProvider credentials = accessKey != null && secretKey != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey))
                : DefaultCredentialsProvider.builder().build();
        S3Presigner.Builder builder = S3Presigner.builder()
                .region(Region.of(env.getOrDefault("AWS_REGION", "us-east-1")))
                .credentialsProvider(credentials);
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint))
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build());
        }
        return builder.build();
    }

    private volatile AssetAccessLog accessLog;

    /** Records every link handed out in {@code log}, which is flushed and closed with these links. */
    void recordAccessIn(AssetAccessLog log) {
        this.accessLog = log;
    }

    @Override
    public void close() {
        if (accessLog != null) {
            accessLog.close();
        }
        presigner.close();
    }
}
