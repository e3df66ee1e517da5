package io.cutflow.job.support;

import java.io.IOException;
import java.net.ServerSocket;

/** A loopback port no one listens on now, for a server a test starts as a process. */
public final class FreePort {

    private FreePort() {}

    public static int find() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
