package io.cutflow.inference;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Lowercase hex MD5, the content key of the whole pipeline. */
public final class Md5 {

    private Md5() {}

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no MD5", e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    /** Digests a stream without holding it in memory; returns the hex MD5 and the byte count. */
    public static Hashed hex(InputStream in) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[1 << 16];
        long size = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
            size += n;
        }
        return new Hashed(HexFormat.of().formatHex(digest.digest()), size);
    }

    public record Hashed(String md5, long sizeBytes) {}
}
