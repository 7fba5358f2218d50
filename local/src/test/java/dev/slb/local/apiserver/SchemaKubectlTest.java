package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slb.local.apiserver.schema.StructuralSchema;
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
 * The CRD's structural schema as a kubectl user meets it on {@link LocalApiServer}: unknown fields
 * never reach storage (so the operator can always read what it finds), defaults are filled in, and
 * a value of the wrong type is refused by the server itself.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SchemaKubectlTest {

    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path SAMPLES = Path.of("..", "crds", "samples");
    private static final String EIGHTY = """
      apiVersion: slb.dev/v1alpha1
      kind: LoadBalancer
      metadata:
        name: bad
      spec:
        listeners:
        - {name: web, protocol: HTTP, port: eighty}
      """;
    private static final String TYPE_ERROR = "spec.listeners[0].port: Invalid value: \"string\": spec.listeners[0].port"
            + " in body must be of type integer: \"string\"";
    private static final ObjectMapper JSON = new ObjectMapper();

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
    void aStatusPatchWithAnUnknownFieldIsStoredWithoutIt() throws Exception {
        TestingKubectl.Result samples =
                kubectl.run("apply", "-f", SAMPLES.resolve("shared.yaml").toString());
        assertThat(samples.code()).as(samples.toString()).isZero();

        TestingKubectl.Result patch = kubectl.run(
                "patch",
                "slb",
                "demo",
                "--subresource=status",
                "--type",
                "merge",
                "-p",
                "{\"status\":{\"foo\":\"x\",\"tier\":\"shared\",\"listeners\":[{\"name\":\"web\",\"bar\":1}]}}");
        assertThat(patch.code()).as(patch.toString()).isZero();

        JsonNode stored = kubectl.run("get", "slb", "demo", "-o", "json").json();
        assertThat(stored.path("status").has("foo")).isFalse();
        assertThat(stored.path("status").path("tier").asText()).isEqualTo("shared");
        assertThat(stored.path("status").path("listeners")).isEqualTo(JSON.readTree("[{\"name\":\"web\"}]"));
    }

    @Test
    void unknownSpecFieldsArePrunedAndDefaultsFilledIn() throws Exception {
        Path file = dir.resolve("extra.yaml");
        Files.writeString(file, """
        apiVersion: slb.dev/v1alpha1
        kind: LoadBalancer
        metadata:
          name: extra
        spec:
          colour: blue
          listeners:
          - {name: web, protocol: HTTP, port: 80, weight: 3}
        """);
        TestingKubectl.Result apply = kubectl.run("apply", "--validate=false", "-f", file.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();

        JsonNode spec = kubectl.run("get", "slb", "extra", "-o", "json").json().path("spec");
        assertThat(spec.has("colour")).isFalse();
        assertThat(spec.path("listeners").get(0).has("weight")).isFalse();
        assertThat(spec.path("tier").asText()).isEqualTo("shared");
        assertThat(spec.path("serviceType").asText()).isEqualTo("LoadBalancer");
        assertThat(spec.path("listeners").get(0).path("scheduler").asText()).isEqualTo("wrr");
    }

    @Test
    void aPortThatIsNotANumberIsRefusedByTheServer() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, EIGHTY);
        TestingKubectl.Result apply = kubectl.run("apply", "--validate=false", "-f", file.toString());
        assertThat(apply.code()).as(apply.toString()).isNotZero();
        assertThat(apply.err())
                .as(apply.toString())
                .contains("The LoadBalancer \"bad\" is invalid", TYPE_ERROR, StructuralSchema.RULES_NOT_CHECKED);
        assertThat(kubectl.run("get", "slb", "bad").err()).contains("loadbalancers.slb.dev \"bad\" not found");
    }

    @Test
    void theRefusalIsA422InvalidStatusWithItsCauses() throws Exception {
        String body = JSON.writeValueAsString(new ObjectMapper(new YAMLFactory()).readTree(EIGHTY));
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
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.path("reason").asText()).isEqualTo("Invalid");
        assertThat(status.path("message").asText())
                .isEqualTo("LoadBalancer.slb.dev \"bad\" is invalid: [" + TYPE_ERROR
                        + ", <nil>: Invalid value: \"null\": " + StructuralSchema.RULES_NOT_CHECKED + "]");
        JsonNode causes = status.path("details").path("causes");
        assertThat(causes).hasSize(2);
        assertThat(causes.get(0).path("reason").asText()).isEqualTo("FieldValueTypeInvalid");
        assertThat(causes.get(0).path("field").asText()).isEqualTo("spec.listeners[0].port");
        assertThat(causes.get(0).path("message").asText())
                .isEqualTo("Invalid value: \"string\": spec.listeners[0].port"
                        + " in body must be of type integer: \"string\"");
        assertThat(causes.get(1).path("field").asText()).isEqualTo("<nil>");
    }
}
