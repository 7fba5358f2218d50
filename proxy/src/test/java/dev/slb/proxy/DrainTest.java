package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Drain;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingTcpBackend;
import dev.slb.proxy.testing.TestingWebSockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ProxyServer#drainAndStop()} in process, connection by connection: idle keep-alive
 * connections close once the grace period is over, a busy one after its response (which says
 * Connection: close), and WebSocket and TCP relays over the last third of the drain window.
 */
@Timeout(60)
class DrainTest {
    private static final Duration GRACE = Duration.ofMillis(300);
    private static final Duration WINDOW = Duration.ofSeconds(2);

    private TestingBackend backend;
    private TestingTcpBackend tcpBackend;
    private TestingProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (tcpBackend != null) {
            tcpBackend.close();
        }
    }

    @Test
    void idleAndBusyHttpConnectionsAndTcpRelaysEachEndTheirWay() throws Exception {
        backend = TestingBackend.start("a");
        tcpBackend = TestingTcpBackend.start("echo");
        ProxyConfig config = TestingProxy.config(
                        "v1",
                        TestingListener.http("web").backends(backend.backend()).build(),
                        TestingListener.tcp("tcp")
                                .backends(tcpBackend.backend())
                                .build())
                .withDrain(new Drain(GRACE, WINDOW));
        proxy = TestingProxy.start(config);
        int web = proxy.port("web");

        try (TestingConnection idle = TestingConnection.open(web);
                TestingConnection busy = TestingConnection.open(web);
                Socket tcp = new Socket()) {
            idle.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(idle.readResponse().status()).isEqualTo(200);
            tcp.setSoTimeout(10_000);
            tcp.connect(new InetSocketAddress(TestingPorts.LOOPBACK, proxy.port("tcp")), 5_000);
            tcp.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(tcp.getInputStream().readNBytes(4), StandardCharsets.UTF_8))
                    .isEqualTo("ping");
            busy.send("GET /slow?delayMs=1000 HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(backend.awaitInFlight(1, Duration.ofSeconds(10))).isTrue();

            long start = System.nanoTime();
            CompletableFuture<Void> drained =
                    CompletableFuture.runAsync(() -> proxy.server().drainAndStop());

            assertThat(idle.closedByPeer())
                    .as("the idle keep-alive connection is closed after the grace period")
                    .isTrue();
            long idleClosed = System.nanoTime() - start;

            TestingConnection.Response slow = busy.readResponse();
            assertThat(slow.status()).as("the request in flight finishes").isEqualTo(200);
            assertThat(slow.header("Connection"))
                    .as("and tells the client to go elsewhere")
                    .isEqualToIgnoringCase("close");
            assertThat(busy.closedByPeer()).isTrue();

            // The TCP relay still carries bytes after the grace period, until the window ends.
            tcp.getOutputStream().write("pong".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(tcp.getInputStream().readNBytes(4), StandardCharsets.UTF_8))
                    .isEqualTo("pong");
            int read;
            try {
                read = tcp.getInputStream().read();
            } catch (SocketException reset) {
                read = -1;
            }
            long tcpClosed = System.nanoTime() - start;
            assertThat(read)
                    .as("the TCP relay is closed in the last third of the drain window")
                    .isEqualTo(-1);

            drained.get(20, TimeUnit.SECONDS);
            assertThat(idleClosed).as("not before the grace period").isGreaterThanOrEqualTo(GRACE.toNanos());
            assertThat(tcpClosed)
                    .as("the relay lasts two thirds of the drain window at least")
                    .isGreaterThanOrEqualTo(GRACE.plus(WINDOW.multipliedBy(2).dividedBy(3))
                            .minusMillis(100)
                            .toNanos());
        }
        assertThatRefused(web);
    }

    @Test
    void webSocketsCloseWith1001SpreadOverTheLastThirdOfTheWindow() throws Exception {
        DemoBackend echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        try {
            Duration window = Duration.ofSeconds(3);
            proxy = TestingProxy.start(TestingProxy.config(
                            "v1",
                            TestingListener.http("web")
                                    .backends(new Backend(
                                            TestingPorts.LOOPBACK,
                                            echo.address().getPort()))
                                    .build())
                    .withDrain(new Drain(GRACE, window)));
            try (TestingWebSockets sockets = TestingWebSockets.open(proxy.port("web"), 12)) {
                long start = System.nanoTime();
                CompletableFuture<Void> drained =
                        CompletableFuture.runAsync(() -> proxy.server().drainAndStop());
                List<TestingWebSockets.Closed> closes = sockets.awaitAllClosed(Duration.ofSeconds(10));
                drained.get(20, TimeUnit.SECONDS);

                assertThat(closes)
                        .hasSize(12)
                        .allSatisfy(c -> assertThat(c.code()).isEqualTo(1001));
                LongSummaryStatistics ms = closes.stream()
                        .mapToLong(c -> (c.atNanos() - start) / 1_000_000)
                        .summaryStatistics();
                assertThat(ms.getMin())
                        .as("ms to the first close: the grace period and two thirds of the window")
                        .isGreaterThanOrEqualTo(GRACE.toMillis() + window.toMillis() * 2 / 3);
                assertThat(ms.getMax() - ms.getMin())
                        .as("the closes spread rather than fall in one instant")
                        .isGreaterThan(100);
            }
        } finally {
            echo.close();
        }
    }

    private static void assertThatRefused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), 2_000);
            throw new AssertionError("a stopped proxy still accepts on port " + port);
        } catch (IOException expected) {
            // refused: nothing listens any more
        }
    }
}
