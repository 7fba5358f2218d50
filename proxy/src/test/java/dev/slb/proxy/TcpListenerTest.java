package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.proxy.testing.TestingBodies;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingTcpBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP listener: bytes both ways, half-close, idle timeout, the next backend when one is down. */
@Timeout(60)
class TcpListenerTest {
    private static final Duration IDLE = Duration.ofMillis(300);

    private TestingTcpBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestingTcpBackend.start("echo");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), 5_000);
        return s;
    }

    private static String readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        int n;
        while ((n = in.read(b)) >= 0) {
            buf.write(b, 0, n);
            if (buf.size() > 16 * 1024 * 1024) {
                throw new IOException("more than 16 MiB");
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void bytesGoBothWaysAndHalfCloseStillGetsTheReply() throws Exception {
        proxy = TestingProxy.start(
                TestingListener.tcp("tcp").backends(backend.backend()).build());
        try (Socket s = connect(proxy.port("tcp"))) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            out.write("hello\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(readExactly(in, 6)).isEqualTo("hello\n");

            // 4 MiB each way at once: written by one thread, read back by this one.
            long size = 4 * TestingBodies.MIB;
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    TestingBodies.write(out, size, 8192);
                    out.flush();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            TestingBodies.Digest echoed = TestingBodies.digest(new LimitedStream(in, size));
            writer.get(30, TimeUnit.SECONDS);
            assertThat(echoed).isEqualTo(TestingBodies.Digest.ofPattern(size));

            // Half-close: the backend sees end of stream and still answers before it closes.
            s.shutdownOutput();
            assertThat(readToEnd(in))
                    .as("the backend's reply after the client's half-close, then end of stream")
                    .isEqualTo("bye echo " + (6 + size) + "\n");
        }
        assertThat(backend.endsOfStream()).isEqualTo(1);
    }

    @Test
    void aClientThatHalfClosesBeforeTheBackendConnectionIsUpStillGetsTheReply() throws Exception {
        proxy = TestingProxy.start(
                TestingListener.tcp("tcp").backends(backend.backend()).build());
        try (Socket s = connect(proxy.port("tcp"))) {
            // At once, sending nothing: the proxy may see end of stream before its backend connect completes.
            s.shutdownOutput();
            assertThat(readToEnd(s.getInputStream())).isEqualTo("bye echo 0\n");
        }
    }

    @Test
    void halfCloseReachesTheBackendAsEndOfStream() throws Exception {
        proxy = TestingProxy.start(
                TestingListener.tcp("tcp").backends(backend.backend()).build());
        try (Socket s = connect(proxy.port("tcp"))) {
            s.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            assertThat(readExactly(s.getInputStream(), 3)).isEqualTo("abc");
            s.shutdownOutput();
            assertThat(readToEnd(s.getInputStream())).isEqualTo("bye echo 3\n");
            assertThat(backend.endsOfStream()).isEqualTo(1);
        }
    }

    @Test
    void aBackendThatHalfClosesFirstStillHearsTheClient() throws Exception {
        try (TestingTcpBackend greeter = TestingTcpBackend.greeter("greeter")) {
            proxy = TestingProxy.start(
                    TestingListener.tcp("tcp").backends(greeter.backend()).build());
            try (Socket s = connect(proxy.port("tcp"))) {
                InputStream in = s.getInputStream();
                assertThat(readToEnd(in))
                        .as("the greeting, then end of stream from the backend's half-close")
                        .isEqualTo("hello\n");
                // The client's direction is still open.
                s.getOutputStream().write("still talking".getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                s.shutdownOutput();
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (greeter.receivedAfterGreeting() < 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(greeter.receivedAfterGreeting())
                        .as("bytes the backend got after its half-close")
                        .isEqualTo("still talking".length());
            }
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        proxy = TestingProxy.start(TestingListener.tcp("tcp")
                .idleTimeout(IDLE)
                .backends(backend.backend())
                .build());
        try (Socket s = connect(proxy.port("tcp"))) {
            s.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
            assertThat(readExactly(s.getInputStream(), 1)).isEqualTo("x");
            // Then silence: the proxy closes (read ends) well within the 10 s read timeout.
            int read;
            try {
                read = s.getInputStream().read();
            } catch (SocketException reset) {
                read = -1;
            } catch (SocketTimeoutException hang) {
                throw new AssertionError("the idle connection was not closed", hang);
            }
            assertThat(read).as("end of stream on an idle connection").isEqualTo(-1);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (backend.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(backend.openConnections())
                .as("the backend side is closed too")
                .isZero();
    }

    @Test
    void trafficKeepsAConnectionPastTheIdleTimeout() throws Exception {
        proxy = TestingProxy.start(TestingListener.tcp("tcp")
                .idleTimeout(IDLE)
                .backends(backend.backend())
                .build());
        try (Socket s = connect(proxy.port("tcp"))) {
            // A byte every 100 ms for 1.2 s: four idle timeouts long, never idle for one.
            for (int i = 0; i < 12; i++) {
                s.getOutputStream().write('k');
                assertThat(readExactly(s.getInputStream(), 1)).as("echo %d", i).isEqualTo("k");
                Thread.sleep(100);
            }
        }
    }

    @Test
    void aDeadBackendIsSkipped() throws Exception {
        Backend dead = new Backend(TestingPorts.LOOPBACK, TestingPorts.dead(), 100);
        proxy = TestingProxy.start(
                TestingListener.tcp("tcp").backends(dead, backend.backend()).build());
        for (int i = 0; i < 6; i++) {
            try (Socket s = connect(proxy.port("tcp"))) {
                String line = "line " + i + "\n";
                s.getOutputStream().write(line.getBytes(StandardCharsets.UTF_8));
                assertThat(readExactly(s.getInputStream(), line.length())).isEqualTo(line);
            }
        }
        assertThat(backend.accepted()).isEqualTo(6);
    }

    @Test
    void noBackendAtAllClosesTheClient() throws Exception {
        Backend dead = new Backend(TestingPorts.LOOPBACK, TestingPorts.dead(), 100);
        proxy = TestingProxy.start(TestingListener.tcp("tcp").backends(dead).build());
        try (Socket s = connect(proxy.port("tcp"))) {
            int read;
            try {
                read = s.getInputStream().read();
            } catch (SocketException reset) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
        }
    }

    /** The first {@code n} bytes of a stream. */
    private static final class LimitedStream extends InputStream {
        private final InputStream in;
        private long left;

        LimitedStream(InputStream in, long n) {
            this.in = in;
            this.left = n;
        }

        @Override
        public int read() throws IOException {
            if (left == 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
