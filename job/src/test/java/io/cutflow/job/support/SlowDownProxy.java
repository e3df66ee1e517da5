package io.cutflow.job.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny TCP proxy in front of an S3 server that, while {@link #slowDown(boolean) slowing down}, answers every
 * request with {@code 503 SlowDown} as S3 does under request-rate throttling (s3proxy cannot do that itself).
 * Otherwise it forwards bytes untouched (signatures stay valid). Switching to slow-down closes the connections
 * being forwarded, so pooled keep-alive connections cannot bypass it.
 */
public final class SlowDownProxy implements AutoCloseable {

    private static final byte[] SLOW_DOWN_BODY = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message><RequestId>cutflow-test</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8);

    private final ServerSocket server;
    private final String upstreamHost;
    private final int upstreamPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong slowDowns = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile boolean slowingDown;
    private volatile boolean closed;

    private SlowDownProxy(ServerSocket server, String upstreamHost, int upstreamPort) {
        this.server = server;
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
    }

    public static SlowDownProxy start(String upstreamHost, int upstreamPort) {
        try {
            ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            SlowDownProxy proxy = new SlowDownProxy(server, upstreamHost, upstreamPort);
            Thread acceptor = new Thread(proxy::acceptLoop, "slowdown-proxy-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Starts or ends the throttling period. */
    public void slowDown(boolean on) {
        slowingDown = on;
        if (on) {
            for (Socket socket : open) {
                closeQuietly(socket);
            }
        }
    }

    /** Requests answered with 503 SlowDown so far. */
    public long slowDownsAnswered() {
        return slowDowns.get();
    }

    /** Connections forwarded to the server so far. */
    public long connectionsForwarded() {
        return forwarded.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Thread handler = new Thread(() -> handle(client), "slowdown-proxy-conn");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                if (!closed) {
                    sleep(10);
                }
            }
        }
    }

    private void handle(Socket client) {
        if (slowingDown) {
            answerSlowDown(client);
            return;
        }
        Socket upstream;
        try {
            upstream = new Socket(upstreamHost, upstreamPort);
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        forwarded.incrementAndGet();
        open.add(client);
        open.add(upstream);
        Thread back = new Thread(() -> pump(upstream, client), "slowdown-proxy-back");
        back.setDaemon(true);
        back.start();
        pump(client, upstream);
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // either side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    /** Reads one request head (and its body unless the client waits for 100-continue), answers 503 and closes. */
    private void answerSlowDown(Socket client) {
        try (client) {
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            long contentLength = 0;
            boolean expectContinue = false;
            for (String line : head.split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    contentLength = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                } else if (lower.startsWith("expect:") && lower.contains("100-continue")) {
                    expectContinue = true;
                }
            }
            if (!expectContinue) {
                in.skipNBytes(contentLength);
            }
            OutputStream out = client.getOutputStream();
            out.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + SLOW_DOWN_BODY.length
                    + "\r\nx-amz-request-id: cutflow-test\r\nRetry-After: 1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(SLOW_DOWN_BODY);
            out.flush();
            slowDowns.incrementAndGet();
        } catch (IOException | RuntimeException ignored) {
            // the client gave up first
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            if (head.size() > 64 * 1024) {
                return null;
            }
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // already closed
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
