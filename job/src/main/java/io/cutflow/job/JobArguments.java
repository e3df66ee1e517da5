package io.cutflow.job;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Command-line flags of {@code bin/cutflow run} and {@code flink run}: the documented flags map onto typed
 * options, and {@code -Dkey=value} sets any other option. Secrets are refused here: they come from the
 * environment or files.
 */
public final class JobArguments {

    private static final Map<String, ConfigOption<String>> VALUE_FLAGS = Map.of(
            "--raw", CutflowOptions.RAW,
            "--processed", CutflowOptions.PROCESSED,
            "--jdbc-url", CutflowOptions.JDBC_URL,
            "--model", CutflowOptions.MODEL_PATH,
            "--savepoint", CutflowOptions.BOOTSTRAP_SAVEPOINT);

    /** Credential-like keys, as the Helm chart checks them; a key naming a file or a provider class is not one. */
    private static final Pattern SECRET_KEY = Pattern.compile("(?i)(password|passwd|secret|access[-_.]?key|[-_.]token$)");
    private static final Pattern NOT_SECRET = Pattern.compile("(?i)[-_.](file|provider|enabled)$");

    private JobArguments() {}

    static boolean isSecretKey(String key) {
        return SECRET_KEY.matcher(key).find() && !NOT_SECRET.matcher(key).find();
    }

    public static Configuration parse(String[] args) {
        Configuration config = new Configuration();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--once")) {
                config.set(CutflowOptions.ONCE, true);
            } else if (VALUE_FLAGS.containsKey(arg)) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                config.set(VALUE_FLAGS.get(arg), args[++i]);
            } else if (arg.startsWith("-D") && arg.contains("=")) {
                String key = arg.substring(2, arg.indexOf('='));
                if (isSecretKey(key)) {
                    throw new IllegalArgumentException(key + " must not be given on the command line: use the"
                            + " environment or a file (see README, Secrets)");
                }
                config.setString(key, arg.substring(arg.indexOf('=') + 1));
            } else if (arg.contains("password") || arg.contains("secret")) {
                throw new IllegalArgumentException("secrets are not accepted as arguments: use the environment or a file");
            } else {
                throw new IllegalArgumentException("unknown argument: " + arg
                        + " (flags: --raw URI --processed URI --jdbc-url URL --model PATH --once -Dkey=value)");
            }
        }
        return config;
    }
}
