package io.cutflow.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's API keys: a file with one {@code ROLE KEY} per line (ROLE {@code read-only} or {@code operator};
 * blank lines and lines starting with # are skipped). Only the keys' SHA-256 digests are kept in memory.
 */
public final class ApiKeys {

    public enum Role {
        READ_ONLY("read-only"), OPERATOR("operator");

        final String label;

        Role(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public boolean canWrite() {
            return this == OPERATOR;
        }
    }

    private final Map<String, Role> byDigest;

    private ApiKeys(Map<String, Role> byDigest) {
        this.byDigest = Map.copyOf(byDigest);
    }

    public static ApiKeys load(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
    }

    static ApiKeys parse(List<String> lines, String source) {
        Map<String, Role> keys = new HashMap<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException(source + " line " + n + ": expected 'ROLE KEY'");
            }
            Role role = switch (parts[0]) {
                case "read-only" -> Role.READ_ONLY;
                case "operator" -> Role.OPERATOR;
                default -> throw new IllegalArgumentException(source + " line " + n + ": role must be read-only or operator");
            };
            if (parts[1].length() < 16) {
                throw new IllegalArgumentException(source + " line " + n + ": a key needs at least 16 characters");
            }
            keys.put(digest(parts[1]), role);
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(source + ": no keys");
        }
        return new ApiKeys(keys);
    }

    /** The role of a presented key, compared by digest in constant time per stored key. */
    public Optional<Role> roleOf(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.empty();
        }
        byte[] presented = HexFormat.of().parseHex(digest(key));
        Role found = null;
        for (Map.Entry<String, Role> e : byDigest.entrySet()) {
            if (MessageDigest.isEqual(presented, HexFormat.of().parseHex(e.getKey()))) {
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    public int size() {
        return byDigest.size();
    }

    static String digest(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
