package io.cutflow.inference.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/** Model profiles as data: the bundled model-profiles.properties, plus an optional file of the user's own. */
public final class ModelProfiles {

    private static final String BUNDLED = "model-profiles.properties";

    private ModelProfiles() {}

    /** The named profile, looked up in extraFile first (may be null), then in the bundled profiles. */
    public static ModelProfile get(String name, Path extraFile) {
        Properties props = bundled();
        if (extraFile != null) {
            try (Reader in = Files.newBufferedReader(extraFile)) {
                props.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read model profiles " + extraFile + ": " + e.getMessage(), e);
            }
        }
        if (props.getProperty(name + ".input") == null) {
            throw new IllegalArgumentException("unknown model profile '" + name + "'; known: " + names(props));
        }
        String[] size = required(props, name, "size").toLowerCase(Locale.ROOT).split("x");
        return new ModelProfile(name, required(props, name, "input"), Integer.parseInt(size[0].strip()),
                Integer.parseInt(size[1].strip()), floats(props, name, "mean"), floats(props, name, "std"),
                required(props, name, "output"),
                ModelProfile.Activation.valueOf(required(props, name, "activation").toUpperCase(Locale.ROOT)),
                Boolean.parseBoolean(props.getProperty(name + ".dynamic-batch", "false")));
    }

    private static Properties bundled() {
        Properties props = new Properties();
        try (InputStream in = ModelProfiles.class.getResourceAsStream(BUNDLED)) {
            props.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("bundled " + BUNDLED + " is missing", e);
        }
        return props;
    }

    private static String required(Properties props, String name, String key) {
        String value = props.getProperty(name + "." + key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("model profile " + name + " lacks " + key);
        }
        return value.strip();
    }

    private static float[] floats(Properties props, String name, String key) {
        float[] values = new float[3];
        String[] parts = required(props, name, key).split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException("model profile " + name + "." + key + " needs 3 values: " + Arrays.toString(parts));
        }
        for (int i = 0; i < 3; i++) {
            values[i] = Float.parseFloat(parts[i].strip());
        }
        return values;
    }

    private static Set<String> names(Properties props) {
        Set<String> names = new TreeSet<>();
        for (String key : props.stringPropertyNames()) {
            names.add(key.substring(0, key.lastIndexOf('.')));
        }
        return names;
    }
}
