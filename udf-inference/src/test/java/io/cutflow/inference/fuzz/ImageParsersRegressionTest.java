package io.cutflow.inference.fuzz;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every input the image-parser fuzz runs kept (seeds and findings), replayed against the target's rules. */
class ImageParsersRegressionTest {

    @TestFactory
    Stream<DynamicTest> keptInputsStayHandled() throws IOException {
        Path dir = Path.of("src/test/resources/fuzz/image-parsers");
        try (Stream<Path> files = Files.list(dir)) {
            var inputs = files.filter(Files::isRegularFile).sorted().toList();
            assertThat(inputs).as("kept inputs under " + dir).isNotEmpty();
            return inputs.stream().map(input -> DynamicTest.dynamicTest(input.getFileName().toString(),
                    () -> ImageParsersFuzzTarget.fuzzerTestOneInput(Files.readAllBytes(input))));
        }
    }
}
