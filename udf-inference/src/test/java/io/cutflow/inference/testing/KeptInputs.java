package io.cutflow.inference.testing;

import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The inputs a fuzz target keeps (seeds and findings), one dynamic test each, replayed in every build. Each must be
 * handled within {@link #TIME_LIMIT}: the fuzz runs' {@code -timeout} findings are inputs that took far longer.
 */
public final class KeptInputs {

    /** The fuzz runs' -timeout is 20 s; a busy CI machine gets half as much again. */
    static final Duration TIME_LIMIT = Duration.ofSeconds(30);

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
                () -> {
                    byte[] bytes = Files.readAllBytes(input);
                    assertTimeoutPreemptively(TIME_LIMIT, () -> target.accept(bytes), input.getFileName() + " took too long");
                }));
    }
}
