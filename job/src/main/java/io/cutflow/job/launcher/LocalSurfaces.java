package io.cutflow.job.launcher;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/** What a local run opens to the network: this machine only, unless told otherwise. */
public final class LocalSurfaces {

    private LocalSurfaces() {}

    /** The local cluster's REST API (cancel a job, read its configuration) binds to loopback unless configured. */
    public static void loopbackOnly(Configuration config) {
        if (!config.contains(RestOptions.BIND_ADDRESS)) {
            config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            config.set(RestOptions.ADDRESS, "127.0.0.1");
        }
    }
}
