package io.cutflow.job.launcher;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Initialises Flink's file systems in a process that is not a Flink cluster (local runs, tests): loads the S3
 * file system from the plugins folder exactly as a task manager does, with its own class loader.
 */
public final class FlinkFileSystems {

    private FlinkFileSystems() {}

    public static void initialize(Configuration config, Path pluginsDir) {
        try {
            if (pluginsDir == null || !Files.isDirectory(pluginsDir)) {
                FileSystem.initialize(config, null);
                return;
            }
            FileSystem.initialize(config, new DefaultPluginManager(
                    new DirectoryBasedPluginFinder(pluginsDir).findPlugins(),
                    CoreOptions.getPluginParentFirstLoaderPatterns(config)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load Flink plugins from " + pluginsDir, e);
        }
    }

    /**
     * S3 settings for local runs from the environment (never from arguments): S3_ENDPOINT, AWS_REGION. A custom
     * endpoint (MinIO, s3proxy) gets path-style access. The credentials: {@link #withS3Credentials}.
     */
    public static void applyS3Environment(Configuration config) {
        String endpoint = System.getenv("S3_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) {
            config.setString("s3.endpoint", endpoint);
            config.setString("s3.path.style.access", "true");
        }
        String region = System.getenv("AWS_REGION");
        config.setString("s3.endpoint.region", region == null ? "us-east-1" : region);
    }

    /**
     * A copy of {@code config} with the S3 credentials of the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY),
     * for {@link #initialize} only: the job's own configuration never holds them.
     */
    public static Configuration withS3Credentials(Configuration config) {
        Configuration withCredentials = new Configuration(config);
        String accessKey = System.getenv("AWS_ACCESS_KEY_ID");
        String secretKey = System.getenv("AWS_SECRET_ACCESS_KEY");
        if (accessKey != null && secretKey != null) {
            withCredentials.setString("s3.access-key", accessKey);
            withCredentials.setString("s3.secret-key", secretKey);
        }
        return withCredentials;
    }
}
