package dev.slb.operator.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.reconciler.OperatorMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
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
        try (AdminServer server =
                AdminServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, started::get)) {
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(503);
            started.set(true);
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(200);
            HttpResponse<String> m = get(server, "/metrics");
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.body())
                    .contains("slb_operator_reconciliations_total 2\n")
                    .contains("slb_operator_reconciliation_errors_total 1\n");
        }
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
