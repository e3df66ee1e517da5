package io.cutflow.job.fuzz;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every input the bucket-event fuzz runs kept (seeds and findings), replayed against the target's rules. */
class BucketEventsRegressionTest {

    @TestFactory
    Stream<DynamicTest> keptInputsStayContained() throws IOException {
        Path dir = Path.of("src/test/resources/fuzz/bucket-events");
        try (Stream<Path> files = Files.list(dir)) {
            var inputs = files.filter(Files::isRegularFile).sorted().toList();
            assertThat(inputs).as("kept inputs under " + dir).isNotEmpty();
            return inputs.stream().map(input -> DynamicTest.dynamicTest(input.getFileName().toString(),
                    () -> BucketEventsFuzzTarget.fuzzerTestOneInput(Files.readAllBytes(input))));
        }
    }
}
