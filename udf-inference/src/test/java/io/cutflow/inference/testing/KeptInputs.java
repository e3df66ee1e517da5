package io.cutflow.inference.testing;

import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The inputs a fuzz target keeps (seeds and findings), one dynamic test each, replayed in every build. */
public final class KeptInputs {

    private KeptInputs() {}

    /** A fuzz target's entry point ({@code fuzzerTestOneInput}). */
    @FunctionalInterface
    public interface Target {
        void accept(byte[] input) throws Exception;
    }

    public static Stream<DynamicTest> replay(Path dir, Target target) throws IOException {
        List<Path> inputs;
        try (Stream<Path> files = Files.list(dir)) {
            inputs = files.filter(Files::isRegularFile).sorted().toList();
        }
        if (inputs.isEmpty()) {
            throw new IllegalStateException("no kept inputs under " + dir);
        }
        return inputs.stream().map(input -> DynamicTest.dynamicTest(input.getFileName().toString(),
                () -> target.accept(Files.readAllBytes(input))));
    }
}
