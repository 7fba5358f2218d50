package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Backends that misbehave: extra bytes after a response, a body that stalls, HTTP/1.0 close-
 * delimited answers. What one backend connection does wrong must never reach another exchange.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpUpstreamHygieneTest {
    private RawBackend backend;
    private TestingProxy proxy;

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void bytesAfterAResponseNeverReachTheNextRequest() throws Exception {
        // Every answer is followed by half a response: a connection that carries it must not be reused.
        backend = RawBackend.start((n, out) -> write(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok" + n
                        + "HTTP/1.1 200 OK\r\nX-Injected: yes\r\nContent-Le"));
        proxy = TestingProxy.start(
                TestingListener.http("web").backends(backend.backend()).build());
        for (int i = 0; i < 4; i++) {
            try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
                c.send("GET /" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
                TestingConnection.Response r = c.readResponse();
                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                assertThat(r.header("X-Injected")).isNull();
                assertThat(r.bodyText()).startsWith("ok");
            }
        }
        assertThat(backend.accepted.get())
                .as("each dirty connection was closed, not pooled")
                .isEqualTo(4);
    }

    @Test
    void aBodyThatStallsIsCutAfterTheRequestTimeout() throws Exception {
        backend = RawBackend.start((n, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial");
            sleep(20_000);
        });
        proxy = TestingProxy.start(TestingListener.http("web")
                .requestTimeout(Duration.ofMillis(500))
                .backends(backend.backend())
                .build());
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /stall HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(c.closedByPeer())
                    .as("the proxy gives up on a body that stopped")
                    .isTrue();
        }
    }

    @Test
    void connectIsRefused() throws Exception {
        backend = RawBackend.start((n, out) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        proxy = TestingProxy.start(
                TestingListener.http("web").backends(backend.backend()).build());
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("CONNECT internal.example:443 HTTP/1.1\r\nHost: internal.example:443\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(405);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.accepted.get()).isZero();
    }

    @Test
    void anHttp10CloseDelimitedAnswerReachesAnHttp11ClientAsHttp11Chunked() throws Exception {
        backend = RawBackend.start(
                (n, out) -> write(out, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold school"));
        proxy = TestingProxy.start(
                TestingListener.http("web").backends(backend.backend()).build());
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            for (int i = 0; i < 2; i++) {
                c.send("GET /old HTTP/1.1\r\nHost: h\r\n\r\n");
                TestingConnection.Response r = c.readResponse();
                assertThat(r.version()).isEqualTo("HTTP/1.1");
                assertThat(r.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
                assertThat(r.bodyText()).isEqualTo("old school");
            }
        }
    }

    private static void write(OutputStream out, String s) {
        try {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException ignored) {
            // the proxy may close first; that is what some tests expect
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A blocking backend that reads one request head per connection and answers with a script, then closes. */
    private static final class RawBackend implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();
        private final Thread thread;

        private RawBackend(BiConsumer<Integer, OutputStream> answer) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName(TestingPorts.LOOPBACK));
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        int n = accepted.incrementAndGet();
                        Thread t = new Thread(() -> {
                            try (s) {
                                s.setSoTimeout(25_000);
                                readHead(s.getInputStream());
                                answer.accept(n, s.getOutputStream());
                                // Keep the connection open briefly, as a keep-alive backend would.
                                sleep(300);
                            } catch (IOException ignored) {
                                // client went away
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        static RawBackend start(BiConsumer<Integer, OutputStream> answer) throws IOException {
            return new RawBackend(answer);
        }

        Backend backend() {
            return new Backend(TestingPorts.LOOPBACK, server.getLocalPort());
        }

        private static void readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] h = head.toByteArray();
                int l = h.length;
                if (l >= 4 && h[l - 4] == '\r' && h[l - 3] == '\n' && h[l - 2] == '\r' && h[l - 1] == '\n') {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
