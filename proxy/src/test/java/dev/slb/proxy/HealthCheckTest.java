package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.BackendHealthReport;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.ProxyContract;
import dev.slb.model.SchedulerKind;
import dev.slb.proxy.health.HealthChecker;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingHealthBackend;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Active health checks on real sockets: a backend that hangs or fails goes out of rotation and
 * comes back, a listener whose backends all fail spreads over them all, and the probes are what
 * the check says. Intervals are short (200 ms) so that each transition takes about a second.
 */
@Timeout(60)
class HealthCheckTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final HealthCheck CHECK = HealthCheck.defaults().withTimings(INTERVAL, TIMEOUT, 2, 2);
    /** Room for the jitter (a tenth of an interval each way) and a busy shared machine. */
    private static final Duration SLACK = Duration.ofSeconds(2);

    private final HttpClient client = TestingClients.http11();
    private TestingHealthBackend a;
    private TestingHealthBackend b;
    private TestingProxy proxy;

    @BeforeEach
    void backends() {
        a = TestingHealthBackend.start("a");
        b = TestingHealthBackend.start("b");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        a.close();
        b.close();
    }

    private Listener web(HealthCheck check) {
        return TestingListener.http("web")
                .scheduler(SchedulerKind.RR)
                .requestTimeout(Duration.ofSeconds(10))
                .healthCheck(check)
                .backends(a.backend(), b.backend())
                .build();
    }

    @Test
    void aHangingBackendGoesOutWithinItsBoundAndComesBackAfterGoodChecks() throws Exception {
        proxy = TestingProxy.start(web(CHECK));
        awaitHealth(b, r -> r.healthy(), Duration.ofSeconds(5));
        assertThat(spread(10)).containsEntry("a", 5).containsEntry("b", 5);

        b.hang();
        long hungAt = System.nanoTime();
        awaitHealth(b, r -> !r.healthy(), Duration.ofSeconds(10));
        Duration out = Duration.ofNanos(System.nanoTime() - hungAt);
        Duration bound = INTERVAL.multipliedBy(2).plus(TIMEOUT);
        assertThat(out).as("out within interval x unhealthyThreshold + timeout").isLessThan(bound.plus(SLACK));
        assertThat(report(b).lastFailure()).isEqualTo("timeout after 300ms");
        assertThat(spread(10))
                .as("the others take every request")
                .containsEntry("a", 10)
                .doesNotContainKey("b");

        b.recover();
        awaitHealth(b, r -> r.healthy(), Duration.ofSeconds(10));
        assertThat(report(b).lastFailure()).isNull();
        assertThat(spread(10)).containsEntry("a", 5).containsEntry("b", 5);
        assertThat(b.lastProbe()).isEqualTo("HEAD / Host=" + TestingPorts.LOOPBACK + ":" + b.port());
    }

    @Test
    void aBackendAnsweringAStatusOutsideHttpCodesIsOutAndSaysWhich() throws Exception {
        proxy = TestingProxy.start(web(CHECK));
        b.answer(500);
        awaitHealth(b, r -> !r.healthy(), Duration.ofSeconds(10));
        assertThat(report(b).lastFailure()).isEqualTo("status 500");
        assertThat(spread(6)).containsEntry("a", 6);

        HttpResponse<String> admin = TestingClients.getText(client, proxy.adminUri(ProxyContract.BACKENDS_PATH));
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(BackendHealthReport.parse(admin.body()).backends())
                .as("what the operator reads")
                .containsExactlyInAnyOrder(
                        new BackendHealthReport.Entry("web", TestingPorts.LOOPBACK, a.port(), true, null),
                        new BackendHealthReport.Entry("web", TestingPorts.LOOPBACK, b.port(), false, "status 500"));
    }

    @Test
    void whenEveryBackendFailsTheListenerFailsOpen() throws Exception {
        // An instance upgraded into health checks whose backends answer the default path with 404.
        a.answer(404);
        b.answer(404);
        proxy = TestingProxy.start(web(CHECK));
        awaitHealth(a, r -> !r.healthy(), Duration.ofSeconds(10));
        awaitHealth(b, r -> !r.healthy(), Duration.ofSeconds(10));
        assertThat(report(a).lastFailure()).isEqualTo("status 404");

        HttpResponse<String> r = TestingClients.getText(client, proxy.uri("web", "/x"));
        assertThat(r.statusCode()).as("spread over all of them, not refused").isEqualTo(404);
        assertThat(a.requests() + b.requests()).isEqualTo(1);
    }

    @Test
    void aTcpCheckTakesOutABackendThatRefuses() throws Exception {
        int closedPort = TestingPorts.free();
        proxy = TestingProxy.start(TestingListener.http("web")
                .healthCheck(CHECK.withDefaultProtocol(HealthCheck.Kind.TCP).withTimings(INTERVAL, TIMEOUT, 2, 2))
                .backends(a.backend(), new dev.slb.model.Backend(TestingPorts.LOOPBACK, closedPort))
                .build());
        awaitHealth(
                r -> r.port() == closedPort && !r.healthy() && "refused".equals(r.lastFailure()),
                Duration.ofSeconds(10));
        assertThat(a.probes()).as("a TCP check sends no request").isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(TestingClients.getText(client, proxy.uri("web", "/")).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void aReloadKeepsTheHealthOfTheBackendsItKeeps() throws Exception {
        proxy = TestingProxy.start(web(CHECK));
        b.answer(503);
        awaitHealth(b, r -> !r.healthy(), Duration.ofSeconds(10));

        // A longer interval: b stays out, with no new run of probes to earn it.
        HealthCheck slower = CHECK.withTimings(Duration.ofSeconds(30), TIMEOUT, 2, 2);
        proxy.apply(TestingProxy.config("v2", web(slower)));
        assertThat(report(b).healthy()).isFalse();
        assertThat(spread(4)).containsEntry("a", 4);

        // A new backend starts healthy.
        try (TestingHealthBackend c = TestingHealthBackend.start("c")) {
            proxy.apply(TestingProxy.config(
                    "v3",
                    TestingListener.http("web")
                            .port(proxy.port("web"))
                            .scheduler(SchedulerKind.RR)
                            .healthCheck(slower)
                            .backends(a.backend(), b.backend(), c.backend())
                            .build()));
            assertThat(report(c).healthy()).isTrue();
            assertThat(spread(4)).containsEntry("a", 2).containsEntry("c", 2);
        }
    }

    private HealthChecker.Report report(TestingHealthBackend backend) {
        return proxy.server().backendHealth().stream()
                .filter(r -> r.port() == backend.port())
                .findFirst()
                .orElseThrow();
    }

    private void awaitHealth(TestingHealthBackend backend, Predicate<HealthChecker.Report> state, Duration wait)
            throws InterruptedException {
        awaitHealth(r -> r.port() == backend.port() && state.test(r), wait);
    }

    private void awaitHealth(Predicate<HealthChecker.Report> state, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            List<HealthChecker.Report> reports = proxy.server().backendHealth();
            if (reports.stream().anyMatch(state)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no backend reached the awaited health within " + wait + ": "
                + proxy.server().backendHealth());
    }

    /** Sends {@code n} requests and counts the backends that answered them. */
    private Map<String, Integer> spread(int n) throws Exception {
        Map<String, Integer> count = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = TestingClients.getText(client, proxy.uri("web", "/n" + i));
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
            count.merge(r.headers().firstValue("X-Backend").orElse("?"), 1, Integer::sum);
        }
        return count;
    }
}
