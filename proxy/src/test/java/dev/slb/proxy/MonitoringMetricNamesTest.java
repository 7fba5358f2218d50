package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Limits;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingWebSockets;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every proxy metric that deploy/monitoring's alert rules and Grafana dashboard name is one a running proxy exposes
 * on /metrics (the operator's metrics are checked by the operator's MonitoringTest). A series family with no sample
 * is not written at all, so the proxy here has limits and has seen a WebSocket come and go.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MonitoringMetricNamesTest {
    private static final Path MONITORING = Path.of("../deploy/monitoring");
    private static final Pattern PROXY_METRIC = Pattern.compile("\\bslb_(?!operator_)[a-z0-9_]+");
    private static final Pattern TYPE_LINE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");

    @Test
    void rulesAndDashboardNameOnlyMetricsTheProxyExposes() throws Exception {
        Set<String> named = new TreeSet<>();
        for (String file : new String[] {"prometheusrule.yaml", "slb-dashboard.json"}) {
            Matcher m = PROXY_METRIC.matcher(Files.readString(MONITORING.resolve(file), StandardCharsets.UTF_8));
            while (m.find()) {
                named.add(m.group());
            }
        }
        Set<String> exposed = new TreeSet<>();
        try (DemoBackend echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
                TestingProxy proxy = TestingProxy.start(TestingProxy.config(
                                "v1",
                                TestingListener.http("web")
                                        .backends(new Backend(
                                                TestingPorts.LOOPBACK,
                                                echo.address().getPort()))
                                        .build())
                        .withLimits(new Limits(1000L, 1000L, 1000L)))) {
            try (TestingWebSockets ws = TestingWebSockets.open(proxy.port("web"), 1)) {
                ws.exchange("hello");
            }
            assertThat(TestingClients.getText(TestingClients.http11(), proxy.uri("web", "/"))
                            .statusCode())
                    .isEqualTo(200);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String text;
            do {
                text = TestingClients.getText(TestingClients.http11(), proxy.adminUri("/metrics"))
                        .body();
            } while (!text.contains("slb_websocket_closes_total{") && System.nanoTime() < deadline);
            Matcher m = TYPE_LINE.matcher(text);
            while (m.find()) {
                // A TYPE line names the family; a query names its series (_total, _bucket...).
                exposed.add(m.group(1));
                switch (m.group(2)) {
                    case "counter" -> exposed.add(m.group(1) + "_total");
                    case "histogram" -> {
                        exposed.add(m.group(1) + "_bucket");
                        exposed.add(m.group(1) + "_count");
                        exposed.add(m.group(1) + "_sum");
                    }
                    default -> {}
                }
            }
        }
        assertThat(named).as("proxy metrics named in deploy/monitoring").contains("slb_connections");
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeAll(exposed);
        assertThat(unknown)
                .as("named in deploy/monitoring but not on the proxy's /metrics")
                .isEmpty();
    }
}
