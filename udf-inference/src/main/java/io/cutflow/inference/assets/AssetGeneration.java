package io.cutflow.inference.assets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The generation of a rewritten set: the first 16 hex digits of the SHA-256 of its assets (type, length, bytes).
 * Derived from the bytes, so a replay of the same attempt after a fail-over, or the killed run started again,
 * writes the same keys (no strays), and a key only ever holds one set's bytes: a set with other bytes (another model)
 * cannot land on keys the rows of the earlier set name.
 */
final class AssetGeneration {

    private AssetGeneration() {}

    static String of(List<AssetEncoder.Encoded> set) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        for (AssetEncoder.Encoded asset : set) {
            sha.update((asset.type().code() + ' ' + asset.bytes().length + ' ').getBytes(StandardCharsets.US_ASCII));
            sha.update(asset.bytes());
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }
}
