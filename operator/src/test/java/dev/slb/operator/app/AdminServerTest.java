package dev.slb.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.operator.reconciler.OperatorMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class AdminServerTest {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @Test
    void healthReadinessAndMetrics() throws Exception {
        OperatorMetrics metrics = new OperatorMetrics();
        metrics.reconciliation();
        metrics.reconciliation();
        metrics.error();
        AtomicBoolean started = new AtomicBoolean();
        AtomicReference<List<String>> unhealthy = new AtomicReference<>(List.of());
        AdminServer.Health health = new AdminServer.Health() {
            @Override
            public boolean started() {
                return started.get();
            }

            @Override
            public List<String> unhealthy() {
                return unhealthy.get();
            }
        };
        try (AdminServer server =
                AdminServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, health)) {
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(503);
            started.set(true);
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(200);
            HttpResponse<String> m = get(server, "/metrics");
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.body())
                    .contains("slb_operator_reconciliations_total 2.0\n")
                    .contains("slb_operator_reconciliation_errors_total 1.0\n");

            // An informer that lost its watch (the API server gone): neither healthy nor ready, and says which.
            unhealthy.set(List.of("loadbalancer/proxy-pods: UNHEALTHY"));
            HttpResponse<String> healthz = get(server, "/healthz");
            assertThat(healthz.statusCode()).isEqualTo(503);
            assertThat(healthz.body()).contains("loadbalancer/proxy-pods");
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(503);
            unhealthy.set(List.of());
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void optionsComeFromTheEnvironmentAndWrongOnesAreNamed() {
        OperatorMain.Options defaults = OperatorMain.options(Map.of());
        assertThat(defaults.resync()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.reconcileThreads()).isEqualTo(8);
        assertThat(defaults.admin().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(defaults.admin().getPort()).isEqualTo(8080);

        OperatorMain.Options set = OperatorMain.options(Map.of(
                "SLB_ADMIN_ADDRESS", "127.0.0.1",
                "SLB_ADMIN_PORT", "0",
                "SLB_RESYNC_INTERVAL", "30s",
                "SLB_RECONCILE_THREADS", "2",
                "SLB_PROXY_READINESS_GRACE_PERIOD", "1s",
                "SLB_PROXY_DRAIN_TIMEOUT", "3s"));
        assertThat(set.admin().getAddress().isLoopbackAddress()).isTrue();
        assertThat(set.resync()).isEqualTo(Duration.ofSeconds(30));
        assertThat(set.reconcileThreads()).isEqualTo(2);
        assertThat(set.settings().drain().readinessGracePeriod()).isEqualTo(Duration.ofSeconds(1));
        assertThat(set.settings().drain().timeout()).isEqualTo(Duration.ofSeconds(3));

        assertThatThrownBy(() -> OperatorMain.options(Map.of("SLB_RESYNC_INTERVAL", "soon")))
                .hasMessageContaining("SLB_RESYNC_INTERVAL 'soon' is not a duration");
        assertThatThrownBy(() -> OperatorMain.options(Map.of("SLB_RESYNC_INTERVAL", "1s")))
                .hasMessageContaining("at least 10s");
        assertThatThrownBy(() -> OperatorMain.options(Map.of("SLB_RECONCILE_THREADS", "0")))
                .hasMessageContaining("SLB_RECONCILE_THREADS '0' is not a number from 1 to 64");
    }

    @Test
    void settingsComeFromTheEnvironment() {
        assertThat(OperatorMain.settings(Map.of("SLB_PROXY_IMAGE", "registry/slb-proxy:1"))
                        .proxyImage())
                .isEqualTo("registry/slb-proxy:1");
        assertThat(OperatorMain.leaderElection(Map.of())).isEmpty();
        assertThat(OperatorMain.leaderElection(Map.of("POD_NAMESPACE", "slb-system"))
                        .orElseThrow())
                .satisfies(le -> {
                    assertThat(le.getLeaseName()).isEqualTo("slb-operator");
                    assertThat(le.getLeaseNamespace()).contains("slb-system");
                });
    }

    private HttpResponse<String> get(AdminServer server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
