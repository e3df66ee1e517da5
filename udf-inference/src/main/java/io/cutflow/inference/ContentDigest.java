package io.cutflow.inference;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of some bytes, computed in one read: MD5 is the pipeline's key (the seed's schema, the url map),
 * SHA-256 is what tells two contents apart when their MD5s collide (MD5 collisions are cheap to craft).
 */
public record ContentDigest(String md5, String sha256, long sizeBytes) {

    public static ContentDigest of(byte[] bytes) {
        MessageDigest md5 = Md5.newDigest();
        MessageDigest sha256 = newSha256();
        md5.update(bytes);
        sha256.update(bytes);
        return new ContentDigest(HexFormat.of().formatHex(md5.digest()), HexFormat.of().formatHex(sha256.digest()),
                bytes.length);
    }

    /** Digests a stream without holding it in memory. */
    public static ContentDigest of(InputStream in) throws IOException {
        return of(in, Long.MAX_VALUE);
    }

    /** Digests a stream of at most {@code maxBytes}; null, with the read stopped, when it holds more. */
    public static ContentDigest of(InputStream in, long maxBytes) throws IOException {
        MessageDigest md5 = Md5.newDigest();
        MessageDigest sha256 = newSha256();
        byte[] buffer = new byte[1 << 16];
        long size = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            md5.update(buffer, 0, n);
            sha256.update(buffer, 0, n);
            size += n;
            if (size > maxBytes) {
                return null;
            }
        }
        return new ContentDigest(HexFormat.of().formatHex(md5.digest()), HexFormat.of().formatHex(sha256.digest()), size);
    }

    /** Whether {@code expectedSha256} (null: unknown, contents recorded before SHA-256 was) allows these bytes. */
    public boolean matchesSha256(String expectedSha256) {
        return expectedSha256 == null || expectedSha256.equals(sha256);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
