package io.cutflow.inference.image;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Names well-known non-image or unsupported containers from their first bytes, so that a ZIP called .jpg or an
 * iPhone HEIC gets a precise reason instead of "cannot decode".
 */
final class FormatSniffer {

    private FormatSniffer() {}

    /** A recognised container this job cannot decode, and whether it is an image format at all. */
    record Sniffed(String name, boolean image) {}

    static Optional<Sniffed> sniff(byte[] b) {
        if (startsWith(b, 0, "PK\u0003\u0004") || startsWith(b, 0, "PK\u0005\u0006")) {
            return Optional.of(new Sniffed("ZIP archive", false));
        }
        if (startsWith(b, 0, "%PDF")) {
            return Optional.of(new Sniffed("PDF document", false));
        }
        if (startsWith(b, 4, "ftyp")) {
            String brand = ascii(b, 8, 4);
            if (brand.startsWith("hei") || brand.startsWith("hev") || brand.equals("mif1") || brand.equals("msf1")) {
                return Optional.of(new Sniffed("HEIF/HEIC image", true));
            }
            if (brand.startsWith("avi")) {
                return Optional.of(new Sniffed("AVIF image", true));
            }
            return Optional.of(new Sniffed("ISO media (" + brand.strip() + ")", false));
        }
        if (startsWith(b, 0, "8BPS")) {
            return Optional.of(new Sniffed("Photoshop document", true));
        }
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) {
            return Optional.of(new Sniffed("gzip data", false));
        }
        String head = ascii(b, 0, Math.min(256, b.length)).strip().toLowerCase();
        if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.contains("<svg"))) {
            return Optional.of(new Sniffed("SVG vector image", true));
        }
        if (head.startsWith("<!doctype html") || head.startsWith("<html")) {
            return Optional.of(new Sniffed("HTML document", false));
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] b, int offset, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length < offset + m.length) {
            return false;
        }
        for (int i = 0; i < m.length; i++) {
            if (b[offset + i] != m[i]) {
                return false;
            }
        }
        return true;
    }

    private static String ascii(byte[] b, int offset, int length) {
        if (b.length < offset + length) {
            return "";
        }
        return new String(b, offset, length, StandardCharsets.ISO_8859_1);
    }
}
