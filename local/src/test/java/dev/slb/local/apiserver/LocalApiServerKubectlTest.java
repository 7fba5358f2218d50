package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives the real kubectl against {@link LocalApiServer} on loopback. Skipped (with a message)
 * when no kubectl 1.27+ is on PATH, except when the CI environment variable is set: then a
 * missing kubectl fails the build.
 *
 * <p>Applies use {@code --validate=false} because this slice serves no OpenAPI yet.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalApiServerKubectlTest {

  private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
  private static final Path SHARED_SAMPLE = Path.of("..", "crds", "samples", "shared.yaml");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String kubectlProblem;

  @TempDir
  Path dir;
  private LocalApiServer server;
  private Path kubeconfig;

  @BeforeAll
  static void findKubectl() {
    kubectlProblem = kubectlProblem();
    if (kubectlProblem != null && System.getenv("CI") != null) {
      throw new AssertionError("CI is set, so a kubectl 1.27+ on PATH is required: " + kubectlProblem);
    }
  }

  @BeforeEach
  void start() throws IOException {
    Assumptions.assumeTrue(kubectlProblem == null,
        () -> "skipping the kubectl tests: " + kubectlProblem + " (install kubectl 1.27 or newer)");
    server = new LocalApiServer().start(0);
    kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void versionReportsTheServer() throws Exception {
    Result r = kubectl("version", "-o", "json");
    assertThat(r.code).as(r.toString()).isZero();
    JsonNode version = JSON.readTree(r.out);
    assertThat(version.path("serverVersion").path("major").asText()).isEqualTo("1");
    assertThat(version.path("serverVersion").path("gitVersion").asText()).contains("slb.local");
  }

  @Test
  void discoveryFallsBackFromAggregatedAndListsCrdsOnceApplied() throws Exception {
    Result before = kubectl("api-resources", "-v=6");
    assertThat(before.code).as(before.toString()).isZero();
    assertThat(before.out).containsPattern("(?m)^configmaps\\s+cm\\s+v1\\s+true\\s+ConfigMap");
    assertThat(before.out).containsPattern(
        "(?m)^customresourcedefinitions\\s+crd,crds\\s+apiextensions.k8s.io/v1\\s+false");
    // kubectl asked for aggregated discovery, got plain JSON, and walked the group versions.
    assertThat(before.err).contains("GET " + server.url() + "/apis?").contains("/apis/apps/v1?");
    assertThat(before.out).doesNotContain("loadbalancers");

    Result apply = kubectl("apply", "-f", CRD.toString(), "--validate=false");
    assertThat(apply.code).as(apply.toString()).isZero();
    assertThat(apply.out).contains("customresourcedefinition.apiextensions.k8s.io/loadbalancers.slb.dev created");

    Result after = kubectl("api-resources", "--api-group=slb.dev");
    assertThat(after.code).as(after.toString()).isZero();
    assertThat(after.out).containsPattern("(?m)^loadbalancers\\s+slb\\s+slb.dev/v1alpha1\\s+true\\s+LoadBalancer");
  }

  @Test
  void statusSubresourceOfTheCrdIsDiscovered() throws Exception {
    assertThat(kubectl("apply", "-f", CRD.toString(), "--validate=false").code).isZero();
    Result raw = kubectl("get", "--raw", "/apis/slb.dev/v1alpha1");
    assertThat(raw.code).as(raw.toString()).isZero();
    JsonNode list = JSON.readTree(raw.out);
    List<String> names = new ArrayList<>();
    list.path("resources").forEach(r -> names.add(r.path("name").asText()));
    assertThat(names).containsExactly("loadbalancers", "loadbalancers/status");
    assertThat(list.path("resources").get(0).path("singularName").asText()).isEqualTo("loadbalancer");
    assertThat(list.path("resources").get(0).path("verbs").toString()).contains("watch", "patch");
  }

  @Test
  void aCrdIsEstablishedOnceCreated() throws Exception {
    assertThat(kubectl("apply", "-f", CRD.toString(), "--validate=false").code).isZero();
    // The condition is met from the initial list. The watch kubectl also opens fails (watches
    // are WebSocket-only in this slice) and kubectl logs that to stderr; streaming HTTP watches
    // are a later slice, so stderr is not checked here.
    Result wait = kubectl("wait", "--for", "condition=established", "crd/loadbalancers.slb.dev", "--timeout=15s");
    assertThat(wait.code).as(wait.toString()).isZero();
    assertThat(wait.out).contains("loadbalancers.slb.dev condition met");
    Result conditions = kubectl("get", "crd", "loadbalancers.slb.dev", "-o",
        "jsonpath={.status.conditions[*].type}={.status.conditions[*].status}");
    assertThat(conditions.out).isEqualTo("NamesAccepted Established=True True");
  }

  @Test
  void createAndGetConfigMap() throws Exception {
    // kubectl 1.32 sends this body as protobuf; the server translates ConfigMap, Secret, Namespace.
    Result create = kubectl("create", "configmap", "x", "--from-literal=a=b");
    assertThat(create.code).as(create.toString()).isZero();
    assertThat(create.out).contains("configmap/x created");

    Result get = kubectl("get", "configmap", "x", "-o", "yaml");
    assertThat(get.code).as(get.toString()).isZero();
    assertThat(get.out).contains("kind: ConfigMap").contains("name: x").contains("namespace: default")
        .containsPattern("(?m)^data:\\n  a: b$");

    Result missing = kubectl("get", "configmap", "nope");
    assertThat(missing.code).isNotZero();
    assertThat(missing.err).contains("NotFound").contains("configmaps \"nope\" not found");
  }

  @Test
  void applyTheCrdAndTheSharedSampleThenGetItByShortName() throws Exception {
    assertThat(kubectl("apply", "-f", CRD.toString(), "--validate=false").code).isZero();
    Result apply = kubectl("apply", "-f", SHARED_SAMPLE.toString(), "--validate=false");
    assertThat(apply.code).as(apply.toString()).isZero();
    assertThat(apply.out).contains("loadbalancer.slb.dev/demo created");

    Result get = kubectl("get", "slb", "demo", "-o", "json");
    assertThat(get.code).as(get.toString()).isZero();
    JsonNode lb = JSON.readTree(get.out);
    assertThat(lb.path("apiVersion").asText()).isEqualTo("slb.dev/v1alpha1");
    assertThat(lb.path("kind").asText()).isEqualTo("LoadBalancer");
    assertThat(lb.path("metadata").path("name").asText()).isEqualTo("demo");
    assertThat(lb.path("spec").path("tier").asText()).isEqualTo("shared");
    assertThat(lb.path("spec").path("listeners")).hasSize(2);
  }

  @Test
  void createSecretAndNamespaceSentAsProtobuf() throws Exception {
    Result secret = kubectl("create", "secret", "generic", "s", "--from-literal=k=v");
    assertThat(secret.code).as(secret.toString()).isZero();
    // No API defaulting yet: a real server would also set type: Opaque here.
    Result data = kubectl("get", "secret", "s", "-o", "jsonpath={.data.k}");
    assertThat(data.out).isEqualTo("dg==");

    Result ns = kubectl("create", "namespace", "team-a");
    assertThat(ns.code).as(ns.toString()).isZero();
    Result get = kubectl("get", "namespace", "team-a", "-o", "jsonpath={.metadata.name}");
    assertThat(get.code).as(get.toString()).isZero();
    assertThat(get.out).isEqualTo("team-a");
  }

  @Test
  void unsupportedProtobufIsAClearErrorNotAHang() throws Exception {
    // A Service body is protobuf too, and outside the translated subset.
    Result create = kubectl("create", "service", "clusterip", "web", "--tcp=80:8080");
    assertThat(create.code).isNotZero();
    assertThat(create.err).contains("protobuf bodies are supported only for v1 ConfigMap, Secret and Namespace");
  }

  // --- kubectl plumbing ---

  private Result kubectl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", dir.resolve("cache").toString(), "--request-timeout=20s"));
    command.addAll(List.of(args));
    return run(command, 30);
  }

  private static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    Path out = Files.createTempFile("kubectl", ".out");
    Path err = Files.createTempFile("kubectl", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove("KUBECONFIG");
    Process p = pb.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
            + "s; stderr: " + Files.readString(err, StandardCharsets.UTF_8));
      }
      return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Null when a kubectl 1.27+ is on PATH, otherwise why not. */
  private static String kubectlProblem() {
    try {
      Result r = run(List.of("kubectl", "version", "--client", "-o", "json"), 20);
      if (r.code != 0) {
        return "`kubectl version --client` failed: " + r.err.strip();
      }
      JsonNode client = JSON.readTree(r.out).path("clientVersion");
      Matcher minor = Pattern.compile("^(\\d+)").matcher(client.path("minor").asText());
      if (!"1".equals(client.path("major").asText()) || !minor.find()) {
        return "cannot read the kubectl version from " + r.out.strip();
      }
      int m = Integer.parseInt(minor.group(1));
      return m >= 27 ? null : "kubectl on PATH is 1." + m + ", older than 1.27";
    } catch (IOException e) {
      return "no kubectl on PATH (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while checking kubectl";
    }
  }

  private record Result(List<String> command, int code, String out, String err) {
    @Override
    public String toString() {
      return String.join(" ", command) + " -> exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }
}
