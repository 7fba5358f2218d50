package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
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
 * on /metrics, or one listed here as still to come (the operator's metrics are checked by the operator's
 * MonitoringTest).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MonitoringMetricNamesTest {
    private static final Path MONITORING = Path.of("../deploy/monitoring");
    private static final Pattern PROXY_METRIC = Pattern.compile("\\bslb_(?!operator_)[a-z0-9_]+");
    private static final Pattern TYPE_LINE = Pattern.compile("(?m)^# TYPE (\\S+) ");

    /**
     * Named by an alert before the proxy exposes it: the per-listener metrics of issue 19. Each must not be exposed
     * yet, so that this list shrinks as they arrive.
     */
    private static final Set<String> TO_COME = Set.of("slb_websocket_closes_total");

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
        try (TestingProxy proxy = TestingProxy.start(TestingListener.http("web").build())) {
            Matcher m = TYPE_LINE.matcher(TestingClients.getText(TestingClients.http11(), proxy.adminUri("/metrics"))
                    .body());
            while (m.find()) {
                exposed.add(m.group(1));
            }
        }
        assertThat(named).as("proxy metrics named in deploy/monitoring").contains("slb_connections");
        assertThat(exposed).as("not exposed yet").doesNotContainAnyElementsOf(TO_COME);
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeAll(exposed);
        assertThat(unknown)
                .as("named in deploy/monitoring but not on the proxy's /metrics")
                .isEqualTo(TO_COME);
    }
}
