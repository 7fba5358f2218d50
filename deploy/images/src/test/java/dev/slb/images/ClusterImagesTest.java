package dev.slb.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slb.local.apiserver.LocalApiServer;
import dev.slb.local.containers.PodmanRun;
import dev.slb.proxy.demo.DemoBackend;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Both images as a cluster runs them, against local/'s API server, with this test as the kubelet:
 * deploy/ (rendered by kubectl kustomize) is applied, and the operator's Deployment runs from the
 * operator image; a LoadBalancer is applied, and the proxy Deployment the operator writes runs
 * from the proxy image with that pod spec as it stands, reading its ConfigMap and its TLS Secret
 * through the API. The operator
 * sees the proxy pods serve its config (Programmed), a tier change reaches the running proxy with no
 * connection dropped and no new pod, and the proxy drains on SIGTERM within the pod's grace period.
 *
 * <p>What differs from a cluster: the containers share the host's network, so the proxy gets
 * {@code --bind-address} with its pod address after the pod's own arguments, and the operator a
 * free {@code SLB_ADMIN_PORT}; the API server is plain HTTP with no authentication or
 * authorization, reached through a mounted kubeconfig instead of a service account token, so the
 * operator runs without leader election (see {@link #start()}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterImagesTest {
    private static final String NS = "default";
    private static final String LB = "web";
    private static final String KUBECONFIG_IN_CONTAINER = "/var/run/slb/kubeconfig";
    private static final Duration MESSAGE_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestingImages.Built images;
    private static Path work;
    private static LocalApiServer apiServer;
    private static KubernetesClient client;
    private static Path kubeconfig;
    private static DemoBackend backend;
    private static TestingCertificate certificate;
    private static TestingContainer operator;
    private static int operatorPort;
    private static TestingContainer proxy;
    private static HttpClient http;
    private static HttpClient https;
    private static final String PROXY_IP = TestingAddresses.pod(11);
    /** The second replica's: a guaranteed tier runs two at least, and Programmed waits for both. */
    private static final String SECOND_PROXY_IP = TestingAddresses.pod(12);

    private static final List<TestingWebSocket> held = new ArrayList<>();
    private static final TestingCleanup cleanup = new TestingCleanup();

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void start() throws Exception {
        images = TestingImages.require();
        List<HasMetadata> deploy = TestingManifests.rendered();
        work = TestingDirectories.create("slb-cluster-images");
        cleanup.add(() -> TestingDirectories.delete(work));
        apiServer = cleanup.add(new LocalApiServer().start(0));
        kubeconfig = apiServer.writeKubeconfig(work.resolve("kubeconfig"));
        // The containers' user (10001) reads it through a bind mount.
        Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));
        client = cleanup.add(new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(apiServer.url())
                        .withRequestTimeout(20_000)
                        .build())
                .build());
        for (HasMetadata object : deploy) {
            client.resource(object).create();
        }
        backend = cleanup.add(DemoBackend.start(new InetSocketAddress(TestingAddresses.backend(1), 0), "demo-backend"));
        certificate = TestingCertificate.forAddresses(List.of(PROXY_IP));
        http = TestingHttp.plain();
        https = TestingHttp.trusting(certificate);

        Deployment operatorDeployment = client.apps()
                .deployments()
                .inNamespace("slb-system")
                .withName("slb-operator")
                .get();
        // POD_NAMESPACE turns leader election on, and JOSDK first checks its permissions with a
        // SelfSubjectRulesReview, an API local/'s server does not serve (it has no authorization):
        // the operator runs here as local/bin/up runs it, with no leader election.
        operatorDeployment
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .removeIf(e -> e.getName().equals("POD_NAMESPACE"));
        try (ServerSocket free = new ServerSocket(0)) {
            operatorPort = free.getLocalPort();
        }
        operator = cleanup.add(run(
                operatorDeployment,
                images.operator().id(),
                TestingAddresses.pod(10),
                Map.of("SLB_ADMIN_PORT", String.valueOf(operatorPort)),
                List.of(),
                "operator"));
        operator.awaitLog(Pattern.compile("slb-operator started"), Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws Exception {
        cleanup.closeAll();
    }

    @Test
    @Order(1)
    void theOperatorImageServesHealthzAndReconcilesThroughTheApiServer() throws Exception {
        assertThat(TestingHttp.get(http, "http://127.0.0.1:" + operatorPort + "/healthz")
                        .statusCode())
                .isEqualTo(200);
        client.resource(secret()).create();
        client.resource(loadBalancer("slb.s1.small")).create();

        Deployment fleet = eventually(
                Duration.ofSeconds(60),
                () -> client.apps()
                        .deployments()
                        .inNamespace(NS)
                        .withName(LB + "-proxy")
                        .get());
        assertThat(fleet.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage())
                .as("the proxy image the operator is given (SLB_PROXY_IMAGE) is the one built")
                .isEqualTo(images.proxy().name());
        assertThat(client.configMaps()
                        .inNamespace(NS)
                        .withName(LB + "-proxy-config")
                        .get())
                .isNotNull();
        assertThat(eventually(Duration.ofSeconds(30), () -> condition("Accepted"))
                        .path("status")
                        .asText())
                .isEqualTo("True");
        assertThat(TestingHttp.get(http, "http://127.0.0.1:" + operatorPort + "/readyz")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    @Order(2)
    void theProxyPodTheOperatorWritesFitsTheProxyImage() throws Exception {
        PodSpec pod = fleet().getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        JsonNode config = TestingImageConfig.of(images.proxy().id());

        assertThat(container.getCommand()).as("the image's entrypoint runs").isNullOrEmpty();
        assertThat(TestingImageConfig.entrypoint(config)).containsExactly("/opt/slb-proxy/bin/slb-proxy");
        assertThat(container.getArgs()).containsExactly("--configmap", NS + "/" + LB + "-proxy-config");
        assertThat(TestingImageConfig.user(config))
                .isEqualTo(String.valueOf(pod.getSecurityContext().getRunAsUser()));
        assertThat(container.getPorts())
                .allSatisfy(p -> assertThat(p.getContainerPort())
                        .as("a non-root process binds above 1024")
                        .isGreaterThan(1024))
                .anySatisfy(p -> {
                    assertThat(p.getName()).isEqualTo("admin");
                    assertThat(TestingImageConfig.exposedPorts(config)).contains(p.getContainerPort() + "/tcp");
                });
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(TestingImageConfig.writableMounts(pod, container))
                .as("the image's working directory, where the JVM and Netty write, is a writable volume")
                .contains(TestingImageConfig.workingDir(config));
    }

    @Test
    @Order(3)
    void theProxyImageRunsThatPodReadingItsConfigThroughTheApiServer() throws Exception {
        Deployment fleet = client.apps()
                .deployments()
                .inNamespace(NS)
                .withName(LB + "-proxy")
                .get();
        proxy = cleanup.add(
                run(fleet, images.proxy().id(), PROXY_IP, Map.of(), List.of("--bind-address", PROXY_IP), "proxy"));
        TestingContainer second = cleanup.add(run(
                fleet,
                images.proxy().id(),
                SECOND_PROXY_IP,
                Map.of(),
                List.of("--bind-address", SECOND_PROXY_IP),
                "proxy-1"));

        assertThat(proxy.awaitLog(Pattern.compile("proxy up: "), Duration.ofSeconds(60)))
                .contains("transport EPOLL, TLS OPENSSL (BoringSSL")
                .contains("1 worker threads");
        assertThat(TestingHttp.get(http, "http://" + PROXY_IP + ":9901/metrics").body())
                .contains("slb_runtime_info{tls=\"openssl\",transport=\"epoll\"} 1.0");
        assertThat(TestingHttp.get(http, "http://" + PROXY_IP + ":10080/hello").body())
                .startsWith("demo-backend saw GET /hello");
        assertThat(TestingHttp.get(https, "https://" + PROXY_IP + ":10443/hello")
                        .body())
                .startsWith("demo-backend saw GET /hello");
        held.add(cleanup.add(TestingWebSocket.open(http, URI.create("ws://" + PROXY_IP + ":10080/ws"))));
        held.add(cleanup.add(TestingWebSocket.open(https, URI.create("wss://" + PROXY_IP + ":10443/ws"))));
        for (TestingWebSocket s : held) {
            assertThat(s.echo("hello", MESSAGE_TIMEOUT)).isTrue();
        }

        assertThat(second.awaitLog(Pattern.compile("proxy up: "), Duration.ofSeconds(60)))
                .contains("transport EPOLL");

        // The pods, as a kubelet reports them: the operator asks each one's admin port which config it serves.
        reportRunning(fleet, LB + "-proxy-0", PROXY_IP);
        reportRunning(fleet, LB + "-proxy-1", SECOND_PROXY_IP);
        awaitProgrammed(1);
    }

    private static void reportRunning(Deployment fleet, String name, String ip) {
        client.resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(NS)
                        .withLabels(fleet.getSpec().getTemplate().getMetadata().getLabels())
                        .endMetadata()
                        .withSpec(fleet.getSpec().getTemplate().getSpec())
                        .build())
                .create();
        Pod running = client.pods().inNamespace(NS).withName(name).get();
        running.setStatus(new PodStatusBuilder()
                .withPhase("Running")
                .withPodIP(ip)
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .build());
        client.resource(running).updateStatus();
    }

    @Test
    @Order(4)
    void aTierChangeReachesTheRunningProxyWithNoNewPodAndNoConnectionDropped() throws Exception {
        String template = checksum();
        client.genericKubernetesResources("slb.dev/v1alpha1", "LoadBalancer")
                .inNamespace(NS)
                .withName(LB)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"tier\":\"slb.s2.small\"}}");
        awaitProgrammed(2);

        ConfigMap config = client.configMaps()
                .inNamespace(NS)
                .withName(LB + "-proxy-config")
                .get();
        String version = config.getMetadata().getAnnotations().get("slb.dev/config-version");
        assertThat(TestingHttp.get(http, "http://" + PROXY_IP + ":9901/config")
                        .headers()
                        .firstValue("X-Config-Version"))
                .hasValue(version);
        assertThat(proxy.log()).contains("config version " + version + " applied");
        for (TestingWebSocket s : held) {
            s.echo("after the tier change", MESSAGE_TIMEOUT);
        }
        assertThat(held).as("connections dropped by the tier change").noneMatch(TestingWebSocket::dropped);
        assertThat(held.stream().mapToInt(TestingWebSocket::lost).sum())
                .as("messages lost")
                .isZero();
        assertThat(checksum()).as("the pod template, so no pod is replaced").isEqualTo(template);
    }

    @Test
    @Order(5)
    void theProxyDrainsOnSigtermWithinThePodsGracePeriod() throws Exception {
        for (TestingWebSocket s : held) {
            s.close();
        }
        TestingContainer.Stopped stopped = proxy.stop(Duration.ofSeconds(120));
        assertThat(stopped.exitCode()).as("exit status; log:%n%s", proxy.log()).isEqualTo(143);
        assertThat(proxy.log()).contains("draining: /readyz reports not ready").contains("drained and stopped");
    }

    /** Runs a Deployment's pod as a kubelet would, with its Secret volumes written from the API. */
    private static TestingContainer run(
            Deployment deployment,
            String image,
            String ip,
            Map<String, String> env,
            List<String> extraArgs,
            String what)
            throws Exception {
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        String name = TestingContainer.newName(what);
        Map<String, Path> volumes = new HashMap<>();
        for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            if (v.getSecret() != null) {
                volumes.put(v.getName(), secretVolume(deployment.getMetadata().getNamespace(), v, pod, what));
            }
        }
        Map<String, String> allEnv = new LinkedHashMap<>(env);
        allEnv.put("KUBECONFIG", KUBECONFIG_IN_CONTAINER);
        List<String> args = PodmanRun.arguments(
                pod,
                pod.getContainers().get(0),
                new PodmanRun.Placement(
                        name,
                        image,
                        deployment.getMetadata().getNamespace(),
                        name,
                        ip,
                        volumes,
                        List.of(new PodmanRun.Mount(kubeconfig, KUBECONFIG_IN_CONTAINER, true)),
                        allEnv,
                        List.of(),
                        extraArgs));
        return TestingContainer.start(args, work.resolve(what + ".log"));
    }

    /**
     * A Secret volume as the kubelet writes it. Once proxies read their TLS Secrets through the API
     * (as they read their ConfigMap), their pods mount none and this is not called for them.
     */
    private static Path secretVolume(String namespace, Volume v, PodSpec pod, String what) throws Exception {
        Secret secret = client.secrets()
                .inNamespace(namespace)
                .withName(v.getSecret().getSecretName())
                .get();
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (secret != null && secret.getData() != null) {
            secret.getData()
                    .forEach((k, b64) -> files.put(k, Base64.getDecoder().decode(b64)));
        }
        int mode = v.getSecret().getDefaultMode() == null ? 0644 : v.getSecret().getDefaultMode();
        Long group = pod.getSecurityContext() == null
                ? null
                : pod.getSecurityContext().getFsGroup();
        return TestingVolume.write(work.resolve(what + "-" + v.getName()), files, mode, group)
                .dir();
    }

    private static Secret secret() {
        return new SecretBuilder()
                .withNewMetadata()
                .withName(LB + "-tls")
                .withNamespace(NS)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("tls.crt", base64(certificate.certificatePem()))
                .addToData("tls.key", base64(certificate.keyPem()))
                .build();
    }

    private static GenericKubernetesResource loadBalancer(String tier) {
        String yaml = "apiVersion: slb.dev/v1alpha1\n"
                + "kind: LoadBalancer\n"
                + "metadata: {name: " + LB + ", namespace: " + NS + "}\n"
                + "spec:\n"
                + "  tier: " + tier + "\n"
                + "  listeners:\n"
                + "  - {name: web, protocol: HTTP, port: 80}\n"
                + "  - {name: secure, protocol: HTTPS, port: 443, tls: {secretName: " + LB + "-tls}}\n"
                + "  backends:\n"
                + "  - {address: " + backend.address().getHostString() + ", port: "
                + backend.address().getPort() + "}\n";
        return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    }

    /** The proxy Deployment the operator wrote, or null. */
    private static Deployment fleet() {
        return client.apps()
                .deployments()
                .inNamespace(NS)
                .withName(LB + "-proxy")
                .get();
    }

    private static String checksum() {
        return fleet().getSpec().getTemplate().getMetadata().getAnnotations().get("slb.dev/pod-template-checksum");
    }

    /** The LoadBalancer's condition of this type, or null. */
    private static JsonNode condition(String type) throws Exception {
        GenericKubernetesResource lb = client.genericKubernetesResources("slb.dev/v1alpha1", "LoadBalancer")
                .inNamespace(NS)
                .withName(LB)
                .get();
        JsonNode status = JSON.valueToTree(lb.getAdditionalProperties().get("status"));
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return null;
    }

    private static void awaitProgrammed(long generation) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode programmed = null;
        while (System.nanoTime() < deadline) {
            programmed = condition("Programmed");
            if (programmed != null
                    && programmed.path("status").asText().equals("True")
                    && programmed.path("observedGeneration").asLong() == generation) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("LoadBalancer " + LB + " not Programmed for generation " + generation + ": "
                + programmed + "\noperator log:\n" + operator.log() + "\nproxy log:\n" + proxy.log());
    }

    private static <T> T eventually(Duration timeout, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nothing within " + timeout + "; operator log:\n" + operator.log());
            }
            Thread.sleep(200);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
