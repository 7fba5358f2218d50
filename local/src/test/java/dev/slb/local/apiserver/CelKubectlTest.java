package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD's CEL rules as a kubectl user meets them on {@link LocalApiServer}: a LoadBalancer that
 * breaks one is refused with the rule's message, the samples still apply.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CelKubectlTest {

    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path SAMPLES = Path.of("..", "crds", "samples");
    private static final String DUPLICATE_NAMES = """
      apiVersion: slb.dev/v1alpha1
      kind: LoadBalancer
      metadata:
        name: dup
      spec:
        listeners:
        - {name: web, protocol: HTTP, port: 80}
        - {name: web, protocol: HTTP, port: 8080}
      """;

    @TempDir
    Path dir;

    private TestingKubectl kubectl;

    @BeforeEach
    void start() throws Exception {
        kubectl = TestingKubectl.start(dir);
        TestingKubectl.Result crd = kubectl.run("apply", "-f", CRD.toString());
        assertThat(crd.code()).as(crd.toString()).isZero();
    }

    @AfterEach
    void stop() {
        if (kubectl != null) {
            kubectl.close();
        }
    }

    @Test
    void aLoadBalancerWithDuplicateListenerNamesIsRefusedWithTheRulesMessage() throws Exception {
        Path file = dir.resolve("dup.yaml");
        Files.writeString(file, DUPLICATE_NAMES);
        TestingKubectl.Result apply = kubectl.run("apply", "-f", file.toString());
        assertThat(apply.code()).as(apply.toString()).isNotZero();
        assertThat(apply.err())
                .as(apply.toString())
                .contains(
                        "The LoadBalancer \"dup\" is invalid: spec.listeners: Invalid value: \"array\": listener names must be unique");
        assertThat(kubectl.run("get", "slb", "dup").err()).contains("loadbalancers.slb.dev \"dup\" not found");
    }

    @Test
    void theRefusalIsAnInvalidStatusWithItsCauses() throws Exception {
        String body =
                new ObjectMapper().writeValueAsString(new ObjectMapper(new YAMLFactory()).readTree(DUPLICATE_NAMES));
        HttpResponse<String> response = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create(kubectl.server.url()
                                        + "/apis/slb.dev/v1alpha1/namespaces/default" + "/loadbalancers"))
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode status = new ObjectMapper().readTree(response.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("reason").asText()).isEqualTo("Invalid");
        assertThat(status.path("message").asText())
                .isEqualTo("LoadBalancer.slb.dev \"dup\" is invalid: spec.listeners:"
                        + " Invalid value: \"array\": listener names must be unique");
        JsonNode details = status.path("details");
        assertThat(details.path("name").asText()).isEqualTo("dup");
        assertThat(details.path("group").asText()).isEqualTo("slb.dev");
        assertThat(details.path("kind").asText()).isEqualTo("LoadBalancer");
        assertThat(details.path("causes")).hasSize(1);
        assertThat(details.path("causes").get(0).path("reason").asText()).isEqualTo("FieldValueInvalid");
        assertThat(details.path("causes").get(0).path("field").asText()).isEqualTo("spec.listeners");
        assertThat(details.path("causes").get(0).path("message").asText())
                .isEqualTo("Invalid value: \"array\": listener names must be unique");
    }

    @Test
    void theSamplesApplyAndATransitionRuleHoldsOnPatchAndServerSideDryRun() throws Exception {
        TestingKubectl.Result samples = kubectl.run("apply", "-f", SAMPLES.toString());
        assertThat(samples.code()).as(samples.toString()).isZero();
        assertThat(samples.out())
                .contains(
                        "loadbalancer.slb.dev/chat created",
                        "loadbalancer.slb.dev/demo created",
                        "loadbalancer.slb.dev/db created");

        String refusal =
                "The LoadBalancer \"chat\" is invalid: spec: Invalid value: \"object\": a guaranteed-performance"
                        + " tier cannot be changed back to shared";
        TestingKubectl.Result down =
                kubectl.run("patch", "slb", "chat", "--type=merge", "-p", "{\"spec\":{\"tier\":\"shared\"}}");
        assertThat(down.code()).as(down.toString()).isNotZero();
        assertThat(down.err()).contains(refusal);
        TestingKubectl.Result dryRun = kubectl.run(
                "patch", "slb", "chat", "--dry-run=server", "--type=merge", "-p", "{\"spec\":{\"tier\":\"shared\"}}");
        assertThat(dryRun.code()).as(dryRun.toString()).isNotZero();
        assertThat(dryRun.err()).contains(refusal);
        assertThat(kubectl.run("get", "slb", "chat", "-o", "jsonpath={.spec.tier}")
                        .out())
                .isEqualTo("slb.s2.small");

        // Up is fine, and the status subresource still takes writes.
        TestingKubectl.Result up =
                kubectl.run("patch", "slb", "demo", "--type=merge", "-p", "{\"spec\":{\"tier\":\"slb.s1.small\"}}");
        assertThat(up.code()).as(up.toString()).isZero();
        TestingKubectl.Result status = kubectl.run(
                "patch",
                "slb",
                "demo",
                "--subresource=status",
                "--type=merge",
                "-p",
                "{\"status\":{\"tier\":\"slb.s1.small\"}}");
        assertThat(status.code()).as(status.toString()).isZero();
    }
}
