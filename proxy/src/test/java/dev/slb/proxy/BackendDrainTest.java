package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingWebSockets;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.LongSummaryStatistics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WebSockets through reloads that take their backend away, and through changes of the health
 * check that take none away: counted at the clients (closed, when, with which code; messages lost).
 */
@Timeout(60)
class BackendDrainTest {
    private static final Duration DRAIN = Duration.ofSeconds(3);
    private static final int SOCKETS = 12;

    private DemoBackend x;
    private DemoBackend y;
    private TestingProxy proxy;
    private int port;

    @BeforeEach
    void backends() throws Exception {
        x = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "x");
        y = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "y");
        port = TestingPorts.free();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        x.close();
        y.close();
    }

    private static Backend of(DemoBackend d) {
        return new Backend(TestingPorts.LOOPBACK, d.address().getPort());
    }

    private Listener web(HealthCheck check, Backend... backends) {
        return TestingListener.http("web")
                .port(port)
                .connectionDrain(DRAIN)
                .healthCheck(check)
                .backends(backends)
                .build();
    }

    @Test
    void aRemovedBackendsWebSocketsCloseWith1001SpreadOverTheLastThirdOfTheDrain() throws Exception {
        proxy = TestingProxy.start(TestingProxy.config("v1", web(null, of(x))));
        try (TestingWebSockets sockets = TestingWebSockets.open(port, SOCKETS)) {
            sockets.exchange("before");

            proxy.apply(TestingProxy.config("v2", web(null, of(y))));
            long removedAt = System.nanoTime();
            // Well inside the first two thirds of the window: every socket still open and carrying.
            Thread.sleep(DRAIN.toMillis() / 3);
            sockets.exchange("during");
            assertThat(sockets.dropped()).as("closed before the spread starts").isZero();
            assertThat(sockets.lost()).isZero();

            List<TestingWebSockets.Closed> closes = sockets.awaitAllClosed(DRAIN.multipliedBy(2));
            assertThat(closes)
                    .hasSize(SOCKETS)
                    .allSatisfy(c -> assertThat(c.code()).isEqualTo(1001));
            LongSummaryStatistics after = closes.stream()
                    .mapToLong(c -> (c.atNanos() - removedAt) / 1_000_000)
                    .summaryStatistics();
            assertThat(after.getMin())
                    .as("ms after the reload, first close: not before two thirds of the drain")
                    .isGreaterThanOrEqualTo(DRAIN.toMillis() * 2 / 3);
            assertThat(after.getMax())
                    .as("ms after the reload, last close: by the end of the drain (and a moment to close)")
                    .isLessThan(DRAIN.toMillis() + 1000);
            assertThat(after.getMax() - after.getMin())
                    .as("the closes spread rather than fall in one instant")
                    .isGreaterThan(100);
        }
        try (TestingWebSockets fresh = TestingWebSockets.open(port, 2)) {
            fresh.exchange("after");
            assertThat(fresh.lost())
                    .as("new WebSockets reach the backend that stays")
                    .isZero();
        }
    }

    @Test
    void aBackendMarkedDrainingDrainsAndZeroClosesAtOnce() throws Exception {
        Listener v1 = web(null, of(x), of(y));
        proxy = TestingProxy.start(TestingProxy.config("v1", v1));
        try (TestingWebSockets sockets = TestingWebSockets.open(port, 4)) {
            Backend xDraining = new Backend(TestingPorts.LOOPBACK, x.address().getPort(), 100, true);
            proxy.apply(TestingProxy.config("v2", web(null, xDraining, of(y)).withBackendHealth(Duration.ZERO, false)));
            List<TestingWebSockets.Closed> closes = sockets.awaitAllClosed(Duration.ofSeconds(5));
            assertThat(closes)
                    .as("the WebSockets that landed on x, and only those")
                    .hasSize(2)
                    .allSatisfy(c -> assertThat(c.code()).isEqualTo(1001));
            sockets.exchange("others");
            assertThat(sockets.lost()).isZero();
        }
    }

    @Test
    void weightZeroKeepsItsWebSockets() throws Exception {
        proxy = TestingProxy.start(TestingProxy.config("v1", web(null, of(x))));
        try (TestingWebSockets sockets = TestingWebSockets.open(port, 3)) {
            Backend xWeightZero = new Backend(TestingPorts.LOOPBACK, x.address().getPort(), 0);
            proxy.apply(
                    TestingProxy.config("v2", web(null, xWeightZero, of(y)).withBackendHealth(Duration.ZERO, false)));
            Thread.sleep(500);
            sockets.exchange("kept");
            assertThat(sockets.dropped()).isZero();
            assertThat(sockets.lost()).isZero();
        }
    }

    @Test
    void healthCheckChangesDropNoWebSocketAndLoseNoMessage() throws Exception {
        // The upgrade: a config from before health checks, then the operator's default check.
        proxy = TestingProxy.start(TestingProxy.config("v1", web(null, of(x), of(y))));
        try (TestingWebSockets sockets = TestingWebSockets.open(port, 20)) {
            sockets.exchange("v1");
            HealthCheck fast = HealthCheck.defaults().withTimings(Duration.ofMillis(100), Duration.ofMillis(300), 2, 2);
            proxy.apply(TestingProxy.config("v2", web(HealthCheck.defaults(), of(x), of(y))));
            sockets.exchange("v2");
            proxy.apply(TestingProxy.config("v3", web(fast, of(x), of(y))));
            sockets.exchange("v3");
            // Every backend failing its check (200 is not a good answer here): established WebSockets stay.
            proxy.apply(TestingProxy.config(
                    "v4", web(fast.withHttp("/health", HealthCheck.Method.GET, List.of("4xx")), of(x), of(y))));
            Thread.sleep(1000);
            assertThat(proxy.server().backendHealth()).noneMatch(r -> r.healthy());
            sockets.exchange("v4");
            proxy.apply(TestingProxy.config("v5", web(fast.withDefaultProtocol(HealthCheck.Kind.TCP), of(x), of(y))));
            sockets.exchange("v5");
            proxy.apply(TestingProxy.config("v6", web(null, of(x), of(y))));
            sockets.exchange("v6");

            assertThat(sockets.dropped()).as("dropped").isZero();
            assertThat(sockets.lost()).as("lost").isZero();
        }
    }
}
