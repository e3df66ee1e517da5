package io.cutflow.job.support;

import io.cutflow.job.JobArguments;
import io.cutflow.job.reprocess.ReprocessCommand;
import org.apache.flink.configuration.Configuration;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bin/cutflow retry|reprocess ARGS} as the launcher runs them, on a test's configuration; exit 0 asserted. */
public final class ReprocessCommands {

    private ReprocessCommands() {}

    /** What the command printed; {@code base} holds what the launcher would add (model, threads, processed). */
    public static String run(String command, Configuration base, String... args) throws Exception {
        ReprocessCommand.Request request = ReprocessCommand.parse(command, args);
        Configuration config = new Configuration(base);
        config.addAll(JobArguments.parse(request.jobArgs().toArray(String[]::new)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = ReprocessCommand.run(request, config, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(exit).as(out).isZero();
        return out;
    }
}
