package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.SchedulerKind;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How requests spread over backends under each scheduler, counted at the backends. */
@Timeout(60)
class HttpSchedulingTest {
    private TestingBackend a;
    private TestingBackend b;
    private TestingBackend c;
    private TestingProxy proxy;

    @BeforeEach
    void backends() {
        a = TestingBackend.start("a");
        b = TestingBackend.start("b");
        c = TestingBackend.start("c");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        a.close();
        b.close();
        c.close();
    }

    /** Sends {@code n} requests, each on a fresh client connection, and counts who answered. */
    private Map<String, Integer> spread(int n) throws Exception {
        Map<String, Integer> count = new TreeMap<>(Map.of("a", 0, "b", 0, "c", 0));
        for (int i = 0; i < n; i++) {
            try (TestingConnection conn = TestingConnection.open(proxy.port("web"))) {
                conn.send("GET /n" + i + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
                TestingConnection.Response r = conn.readResponse();
                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                count.merge(r.header("X-Backend"), 1, Integer::sum);
            }
        }
        return count;
    }

    @Test
    void weightedRoundRobinFollowsTheWeightsAndWeightZeroGetsNothing() throws Exception {
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.WRR)
                .backends(a.backend(100), b.backend(50), c.backend(0))
                .build());
        Map<String, Integer> count = spread(70);
        assertThat(count.get("c"))
                .as("weight 0 takes no new connections: %s", count)
                .isZero();
        assertThat(count.get("a") + count.get("b")).isEqualTo(70);
        // 100:50 is 2:1, about 47 and 23; each event loop schedules on its own, hence the slack.
        assertThat(count.get("a")).as("a (weight 100): %s", count).isBetween(40, 54);
        assertThat(count.get("b")).as("b (weight 50): %s", count).isBetween(16, 30);
    }

    @Test
    void defaultSchedulerIsWeightedRoundRobin() throws Exception {
        proxy = TestingProxy.start(TestingListener.http("web")
                .backends(a.backend(100), b.backend(50), c.backend(0))
                .build());
        Map<String, Integer> count = spread(30);
        assertThat(count.get("c")).isZero();
        assertThat(count.get("a")).as("%s", count).isGreaterThan(count.get("b"));
    }

    @Test
    void roundRobinSpreadsEvenlyAndStillSkipsWeightZero() throws Exception {
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.RR)
                .backends(a.backend(100), b.backend(50), c.backend(0))
                .build());
        Map<String, Integer> count = spread(70);
        assertThat(count.get("c"))
                .as("weight 0 takes no new connections under rr either: %s", count)
                .isZero();
        assertThat(count.get("a")).as("%s", count).isBetween(31, 39);
        assertThat(count.get("b")).as("%s", count).isBetween(31, 39);
    }

    @Test
    void roundRobinOverThreeEqualBackends() throws Exception {
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.RR)
                .backends(a.backend(), b.backend(), c.backend())
                .build());
        Map<String, Integer> count = spread(60);
        assertThat(count.values()).as("%s", count).allSatisfy(v -> assertThat(v).isBetween(16, 24));
    }

    @Test
    void leastConnectionsPrefersTheIdleBackend() throws Exception {
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.WLC)
                .backends(a.backend(), b.backend())
                .build());
        // Six long requests, sent one after another while all stay open: least connections
        // spreads them three and three.
        a.holdRequests();
        b.holdRequests();
        HttpClient client = TestingClients.http11();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(client.sendAsync(
                    TestingClients.get(proxy.uri("web", "/hold")).build(), HttpResponse.BodyHandlers.ofString()));
            int landed = i + 1;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (a.inFlight() + b.inFlight() < landed && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        assertThat(List.of(a.inFlight(), b.inFlight()))
                .as("long requests open at a and b")
                .containsExactly(3, 3);

        // b finishes its three; a still holds three. New requests go to the idle b.
        b.releaseHeld();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (b.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(b.inFlight()).isZero();
        Map<String, Integer> count = spread(10);
        assertThat(count.get("b"))
                .as("with 3 requests open at a and none at b, new requests go to b: %s", count)
                .isEqualTo(10);

        a.releaseHeld();
        for (CompletableFuture<HttpResponse<String>> f : held) {
            assertThat(f.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void leastConnectionsAlternatesBetweenEquallyIdleBackends() throws Exception {
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.WLC)
                .backends(a.backend(), b.backend())
                .build());
        Map<String, Integer> count = spread(20);
        assertThat(count.get("a")).as("%s", count).isBetween(8, 12);
        assertThat(count.get("b")).as("%s", count).isBetween(8, 12);
    }
}
