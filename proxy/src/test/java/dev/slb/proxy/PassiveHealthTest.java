package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.HealthCheck;
import dev.slb.model.SchedulerKind;
import dev.slb.proxy.health.HealthChecker;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingHealthBackend;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Passive health on real sockets: backends that refuse or (when counted) answer 5xx are ejected, never more than half. */
@Timeout(60)
class PassiveHealthTest {
    private final HttpClient client = TestingClients.http11();
    private TestingHealthBackend a;
    private TestingHealthBackend b;
    private TestingProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private List<HealthChecker.Report> out() {
        return proxy.server().backendHealth().stream().filter(r -> !r.healthy()).toList();
    }

    @Test
    void backendsThatRefuseAreEjectedButNeverMoreThanHalf() throws Exception {
        a = TestingHealthBackend.start("a");
        int dead1 = TestingPorts.free();
        int dead2 = TestingPorts.free();
        int dead3 = TestingPorts.free();
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.RR)
                .backends(
                        a.backend(),
                        new Backend(TestingPorts.LOOPBACK, dead1),
                        new Backend(TestingPorts.LOOPBACK, dead2),
                        new Backend(TestingPorts.LOOPBACK, dead3))
                .build());
        for (int i = 0; i < 30; i++) {
            assertThat(TestingClients.getText(client, proxy.uri("web", "/r" + i))
                            .statusCode())
                    .as("every request reaches a, whatever else fails")
                    .isEqualTo(200);
        }
        assertThat(out())
                .as("two of four ejected, not three")
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.lastFailure()).startsWith("ejected: connect failed"));
    }

    @Test
    void serverErrorsEjectOnlyWhenTheListenerCountsThem() throws Exception {
        a = TestingHealthBackend.start("a");
        b = TestingHealthBackend.start("b");
        b.answer(500);
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.RR)
                .backends(a.backend(), b.backend())
                .build());
        for (int i = 0; i < 12; i++) {
            TestingClients.getText(client, proxy.uri("web", "/r" + i));
        }
        assertThat(out()).as("5xx not counted by default").isEmpty();

        proxy.apply(TestingProxy.config(
                "v2",
                TestingListener.http("web")
                        .port(proxy.port("web"))
                        .scheduler(SchedulerKind.RR)
                        .backends(a.backend(), b.backend())
                        .build()
                        .withBackendHealth(Duration.ofSeconds(30), true)));
        for (int i = 0; i < 12; i++) {
            TestingClients.getText(client, proxy.uri("web", "/s" + i));
        }
        assertThat(out()).singleElement().satisfies(r -> {
            assertThat(r.port()).isEqualTo(b.port());
            assertThat(r.lastFailure()).isEqualTo("ejected: status 500");
        });
        int before = b.requests();
        for (int i = 0; i < 6; i++) {
            assertThat(TestingClients.getText(client, proxy.uri("web", "/t" + i))
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(b.requests()).as("an ejected backend gets no requests").isEqualTo(before);
    }

    @Test
    void goodActiveChecksBringAnEjectedBackendBack() throws Exception {
        a = TestingHealthBackend.start("a");
        b = TestingHealthBackend.start("b");
        b.answer(500);
        HealthCheck check = HealthCheck.defaults()
                .withTimings(Duration.ofMillis(200), Duration.ofMillis(500), 2, 10)
                .withHttp("/", HealthCheck.Method.HEAD, List.of("2xx", "3xx", "5xx"));
        proxy = TestingProxy.start(TestingListener.http("web")
                .scheduler(SchedulerKind.RR)
                .healthCheck(check)
                .backends(a.backend(), b.backend())
                .build()
                .withBackendHealth(Duration.ofSeconds(30), true));
        for (int i = 0; i < 12; i++) {
            TestingClients.getText(client, proxy.uri("web", "/r" + i));
        }
        assertThat(out()).hasSize(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!out().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(out())
                .as("back after two good probes, long before its 30 s ejection ends")
                .isEmpty();
    }
}
