package io.cutflow.inference.fuzz;

import io.cutflow.inference.testing.KeptInputs;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Every input the image-parser fuzz runs kept (seeds and findings), replayed against the target's rules. */
class ImageParsersRegressionTest {

    @TestFactory
    Stream<DynamicTest> keptInputsStayHandled() throws IOException {
        return KeptInputs.replay(Path.of("src/test/resources/fuzz/image-parsers"), ImageParsersFuzzTarget::fuzzerTestOneInput);
    }
}
