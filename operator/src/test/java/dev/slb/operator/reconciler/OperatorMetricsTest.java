package dev.slb.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.app.AdminServer;
import dev.slb.operator.app.OperatorMain;
import dev.slb.operator.desired.OperatorSettings;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The operator's {@code /metrics}, scraped over a real socket after reconciles against the fabric8 CRUD mock. */
@EnableKubernetesMockClient(crud = true)
@Timeout(90)
class OperatorMetricsTest {
    private static final String CONTROLLER = LoadBalancerReconciler.NAME;
    private static final Duration WAIT = Duration.ofSeconds(20);

    KubernetesClient client;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @Test
    void scrapeAfterReconcilesCountsLoadBalancersByConditionReconcilesAndApiErrors() throws Exception {
        try (var in = Files.newInputStream(Path.of("../crds/loadbalancers.slb.dev-v1.yml"))) {
            client.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
        OperatorMetrics metrics = new OperatorMetrics();
        Operator operator = OperatorMain.operator(client, false, Optional.empty(), 2, metrics.josdk());
        operator.register(new LoadBalancerReconciler(
                OperatorSettings.defaults(), new TestingProxyVersions(), Clock.systemUTC(), metrics));
        try (AdminServer admin = AdminServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, testingHealth());
                KubernetesClient counted = new KubernetesClientBuilder()
                        .withConfig(client.getConfiguration())
                        .withHttpClientBuilderConsumer(
                                b -> b.addOrReplaceInterceptor(OperatorMain.API_ERRORS, metrics.apiErrors()))
                        .build()) {
            operator.start();
            client.resource(loadBalancer("good", "  - {name: web, protocol: HTTP, port: 80}\n"))
                    .create();
            client.resource(loadBalancer(
                            "twin-ports",
                            "  - {name: web, protocol: HTTP, port: 80}\n"
                                    + "  - {name: other, protocol: HTTP, port: 80}\n"))
                    .create();
            awaitScrape(admin, "slb_operator_loadbalancers{condition=\"Accepted\",status=\"True\"} 1.0");
            awaitScrape(admin, "slb_operator_loadbalancers{condition=\"Accepted\",status=\"False\"} 1.0");

            // Two API errors the test makes itself, on a client with the operator's interceptor.
            assertThat(counted.configMaps()
                            .inNamespace("default")
                            .withName("absent")
                            .get())
                    .isNull();
            var cm = new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("once")
                    .withNamespace("default")
                    .endMetadata()
                    .build();
            counted.resource(cm).create();
            assertThatThrownBy(() -> counted.resource(cm).create())
                    .isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("409");

            String text = scrape(admin);
            assertThat(text)
                    .contains("slb_operator_loadbalancers{condition=\"Accepted\",status=\"True\"} 1.0\n")
                    .contains("slb_operator_loadbalancers{condition=\"Accepted\",status=\"False\"} 1.0\n")
                    .contains("slb_operator_loadbalancers{condition=\"Accepted\",status=\"Unknown\"} 0.0\n")
                    .contains("slb_operator_api_errors_total{code=\"404\"} 1.0\n")
                    .contains("slb_operator_api_errors_total{code=\"409\"} 1.0\n")
                    .contains("slb_operator_reconciliation_errors_total 0.0\n");

            // Stopped, nothing is in flight: every reconcile started was timed once, and none threw.
            operator.stop();
            text = scrape(admin);
            assertThat(text)
                    .contains("slb_operator_reconciles_queued{controller=\"" + CONTROLLER + "\"} 0.0\n")
                    .contains("slb_operator_reconciles_executing{controller=\"" + CONTROLLER + "\"} 0.0\n");
            long started = value(text, "slb_operator_reconciliations_total");
            assertThat(started).isGreaterThanOrEqualTo(2);
            assertThat(value(
                            text,
                            "slb_operator_reconcile_duration_seconds_count{controller=\"" + CONTROLLER
                                    + "\",execution=\"reconcile\",outcome=\"success\"}"))
                    .isEqualTo(started);
            assertThat(text).doesNotContain("outcome=\"error\"");
        } finally {
            operator.stop();
        }
    }

    @Test
    void josdkReportsBecomeQueueExecutionAndOutcome() throws Exception {
        OperatorMetrics metrics = new OperatorMetrics();
        Metrics josdk = metrics.josdk();
        Map<String, Object> meta = Map.of(Constants.CONTROLLER_NAME, "c");
        LoadBalancer lb = new LoadBalancer();

        josdk.reconcileCustomResource(lb, null, meta);
        josdk.reconcileCustomResource(lb, null, meta);
        josdk.reconciliationExecutionStarted(lb, meta);
        assertThat(text(metrics))
                .contains("slb_operator_reconciles_queued{controller=\"c\"} 1.0\n")
                .contains("slb_operator_reconciles_executing{controller=\"c\"} 1.0\n");
        josdk.reconciliationExecutionFinished(lb, meta);
        // JOSDK skips the second (say, the resource was deleted meanwhile): finished without started.
        josdk.reconciliationExecutionFinished(lb, meta);
        assertThat(text(metrics))
                .contains("slb_operator_reconciles_queued{controller=\"c\"} 0.0\n")
                .contains("slb_operator_reconciles_executing{controller=\"c\"} 0.0\n");

        assertThat((String) josdk.timeControllerExecution(execution(() -> "done")))
                .isEqualTo("done");
        assertThatThrownBy(() -> josdk.timeControllerExecution(execution(() -> {
                    throw new IllegalStateException("boom");
                })))
                .hasMessage("boom");
        assertThat(text(metrics))
                .contains("slb_operator_reconcile_duration_seconds_count{controller=\"c\",execution=\"reconcile\","
                        + "outcome=\"success\"} 1\n")
                .contains("slb_operator_reconcile_duration_seconds_count{controller=\"c\",execution=\"reconcile\","
                        + "outcome=\"error\"} 1\n");
    }

    private static String text(OperatorMetrics metrics) throws Exception {
        var out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private interface Body<T> {
        T run() throws Exception;
    }

    private static <T> Metrics.ControllerExecution<T> execution(Body<T> body) {
        return new Metrics.ControllerExecution<>() {
            @Override
            public String name() {
                return "reconcile";
            }

            @Override
            public String controllerName() {
                return "c";
            }

            @Override
            public String successTypeName(T result) {
                return "resource";
            }

            @Override
            public ResourceID resourceID() {
                return new ResourceID("x", "default");
            }

            @Override
            public Map<String, Object> metadata() {
                return Map.of();
            }

            @Override
            public T execute() throws Exception {
                return body.run();
            }
        };
    }

    private static String loadBalancer(String name, String listeners) {
        return "apiVersion: slb.dev/v1alpha1\nkind: LoadBalancer\nmetadata: {name: " + name
                + ", namespace: default}\nspec:\n  tier: shared\n  listeners:\n" + listeners
                + "  backends:\n  - {address: 10.0.0.7, port: 8080}\n";
    }

    private static long value(String text, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    private void awaitScrape(AdminServer admin, String line) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String text = scrape(admin);
        while (!text.contains(line + "\n") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            text = scrape(admin);
        }
        assertThat(text).contains(line + "\n");
    }

    private String scrape(AdminServer admin) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/metrics"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        return response.body();
    }

    private static AdminServer.Health testingHealth() {
        return new AdminServer.Health() {
            @Override
            public boolean started() {
                return true;
            }

            @Override
            public List<String> unhealthy() {
                return List.of();
            }
        };
    }
}
