package io.cutflow.job.source;

import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The raw location as a boundary: decides, before a byte is read, whether an object's url may be opened at all. Every
 * discovery path (window scans, key-ordered passes, bucket events) ends in the hasher, which asks here first, so no
 * name, key, link or event can steer a read elsewhere:
 * <ul>
 *   <li>a url must be opened byte for byte: Flink's {@link Path} turns '\' into '/', folds '//' and resolves '.' and
 *       '..' segments, so a name it would rewrite ({@code x\..\..\outside.jpg}) is refused, never translated;</li>
 *   <li>it must lie under the root, the prefix test respecting '/' ({@code incoming-private/} is not under
 *       {@code incoming});</li>
 *   <li>a local file must stay under the root once links are resolved (a link to /etc/passwd is refused);</li>
 *   <li>it must fit the url indexes (a btree entry holds ~2,700 bytes): longer names are refused as rows that keep
 *       the whole name in their message.</li>
 * </ul>
 */
public final class RawRoot implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Longest url stored as a key (image_urls, original_images.source_url, discovery_failures). */
    public static final int MAX_URL_BYTES = 2000;

    /** discovery_failures.error_class of names the file system layer would rewrite. */
    public static final String UNSAFE_NAME = "unsafe_name";
    /** discovery_failures.error_class of urls (or link targets) outside the raw location. */
    public static final String OUTSIDE_ROOT = "outside_root";
    /** discovery_failures.error_class of urls longer than {@link #MAX_URL_BYTES}. */
    public static final String NAME_TOO_LONG = "name_too_long";

    private final String url;
    private final String localPath;
    /** The local root with its links resolved, once per instance (a root that is itself a link stays one root). */
    private transient java.nio.file.Path localReal;

    private RawRoot(String url, String localPath) {
        this.url = url;
        this.localPath = localPath;
    }

    /** The raw location as configured: s3://bucket/prefix, file:/dir or a local folder, relative or absolute. */
    public static RawRoot of(String raw) {
        boolean local = !raw.contains("://") || raw.startsWith("file:");
        if (!local) {
            return new RawRoot(stripSlash(new Path(raw).toString()), null);
        }
        String path = raw.startsWith("file:") ? new Path(raw).toUri().getPath() : raw;
        java.nio.file.Path absolute = java.nio.file.Path.of(path).toAbsolutePath().normalize();
        return new RawRoot(stripSlash("file:" + absolute), absolute.toString());
    }

    /** The root's url, without a trailing '/'. */
    public String url() {
        return url;
    }

    /** Why an object may not be read: its discovery_failures class and message. */
    public record Refusal(String errorClass, String message) {}

    /** Null when {@code objectUrl} may be opened as it is; else why not. */
    public Refusal refusal(String objectUrl) {
        int bytes = objectUrl.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_URL_BYTES) {
            return new Refusal(NAME_TOO_LONG, "a name of " + bytes + " bytes, above the " + MAX_URL_BYTES
                    + " a url may have here (its row keeps the first part and a hash; the whole name: " + objectUrl + ")");
        }
        if (objectUrl.indexOf('\0') >= 0) { // found by fuzzing: java.nio refuses the path with an unchecked exception
            return new Refusal(UNSAFE_NAME, "the name holds a NUL character, which no file system opens");
        }
        String opened = new Path(objectUrl).toString();
        if (!opened.equals(withoutEmptyAuthority(objectUrl))) {
            return new Refusal(UNSAFE_NAME, "the name holds '\\', '//', '.' or '..', which the file system layer rewrites:"
                    + " it would open " + opened + " instead (refused, not translated)");
        }
        if (!opened.startsWith(url + "/")) {
            return new Refusal(OUTSIDE_ROOT, "not under the raw location " + url);
        }
        if (localPath != null) {
            return linkRefusal(objectUrl);
        }
        return null;
    }

    /** A local file whose links lead outside the root; null where it stays inside or cannot be resolved (the read says why). */
    private Refusal linkRefusal(String objectUrl) {
        try {
            java.nio.file.Path rootReal = localReal();
            java.nio.file.Path real = java.nio.file.Path.of(new Path(objectUrl).toUri().getPath()).toRealPath();
            if (!real.startsWith(rootReal)) {
                return new Refusal(OUTSIDE_ROOT, "a link that leads outside the raw location " + url + " (to " + real + ")");
            }
            return null;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return null; // dangling, looping or gone: the read records it as unreadable or vanished
        }
    }

    /** The local file to open for a url {@link #refusal} accepted: links resolved, so a swap afterwards cannot redirect it. */
    public java.nio.file.Path resolvedLocal(String objectUrl) throws IOException {
        if (localPath == null) {
            return null;
        }
        java.nio.file.Path real = java.nio.file.Path.of(new Path(objectUrl).toUri().getPath()).toRealPath();
        if (!real.startsWith(localReal()) || !Files.isRegularFile(real)) {
            return null;
        }
        return real;
    }

    private java.nio.file.Path localReal() throws IOException {
        if (localReal == null) {
            localReal = java.nio.file.Path.of(localPath).toRealPath();
        }
        return localReal;
    }

    /**
     * A url that fits the url indexes and PostgreSQL's text: the url itself; for a longer one its first part, an
     * ellipsis and its SHA-256; for one with a NUL (which text cannot hold: the row failed the sink, found by the
     * hostile corpus through bucket events) the url with U+FFFD for each NUL and its SHA-256. Distinct names stay
     * distinct rows.
     */
    public static String storable(String objectUrl) {
        boolean nul = objectUrl.indexOf('\0') >= 0;
        if (!nul && objectUrl.getBytes(StandardCharsets.UTF_8).length <= MAX_URL_BYTES) {
            return objectUrl;
        }
        String shown = storableText(objectUrl);
        StringBuilder head = new StringBuilder();
        int used = 0;
        boolean cut = false;
        for (int i = 0; i < shown.length(); ) {
            int cp = shown.codePointAt(i);
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + size > MAX_URL_BYTES - 100) {
                cut = true;
                break;
            }
            head.appendCodePoint(cp);
            used += size;
            i += Character.charCount(cp);
        }
        return head + (cut ? "..." : "") + "#sha256=" + sha256(objectUrl);
    }

    /** Text PostgreSQL can store: each NUL as U+FFFD (for messages that quote a name). */
    public static String storableText(String text) {
        return text == null ? null : text.replace('\0', '\uFFFD');
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** scheme:///path and scheme:/path name the same object (no authority): Flink's Path prints the second. */
    private static String withoutEmptyAuthority(String url) {
        int colon = url.indexOf(':');
        return colon > 0 && url.startsWith(":///", colon) ? url.substring(0, colon + 1) + url.substring(colon + 3) : url;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") && !s.endsWith("//") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public String toString() {
        return url;
    }
}
