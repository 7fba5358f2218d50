package dev.slb.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.local.LocalCluster;
import dev.slb.local.pods.Containers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The README's story with {@code local/bin/up --containers}: every pod (the proxies the operator
 * makes and the demo backend's) runs from its image through podman, as a kubelet runs it, and the
 * user's kubectl, HTTP, HTTPS and WebSocket work as with process pods; when local/ stops, no
 * container of the run is left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LocalContainersStoryTest {

    private static final Path REPO = TestingPodman.REPO;
    /** Away from the blocks the local/ tests and TestingAddresses pick from the same PID. */
    private static final int BLOCK = 100 + (int) ((ProcessHandle.current().pid() + 75) % 150);

    private static Path work;
    private static Path state;
    private static LocalCluster cluster;
    private static String address;

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void start() throws Exception {
        TestingImages.Built images = TestingImages.require();
        TestingManifests.rendered(); // kubectl is needed too: skips without it, fails under CI
        work = TestingDirectories.create("slb-local-containers");
        state = work.resolve("run");
        cluster = LocalCluster.start(new LocalCluster.Options(
                REPO,
                state,
                0,
                BLOCK,
                Map.of("SLB_PROXY_READINESS_GRACE_PERIOD", "1s", "SLB_PROXY_DRAIN_TIMEOUT", "3s"),
                true,
                // The build's own image: another checkout's build on this machine may move the tag.
                Map.of(images.proxy().name(), images.proxy().id())));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
            assertThat(containers()).as("containers left after local/ stopped").isEmpty();
        }
        if (work != null) {
            TestingDirectories.delete(work);
        }
    }

    @Test
    @Order(1)
    void theSharedInstanceBecomesReadyWithItsPodsAsContainers() throws Exception {
        kubectl("apply", "-f", REPO.resolve("crds/samples/shared.yaml").toString());
        kubectl("wait", "--for=condition=Ready", "slb/demo", "--timeout=150s");
        address = kubectl("get", "slb", "demo", "-o", "jsonpath={.status.addresses[0]}");
        assertThat(address).startsWith("127." + BLOCK + ".1.");
        String ids = kubectl(
                "get",
                "pods",
                "-o",
                "jsonpath={range .items[*]}{.status.containerStatuses[0].containerID}{\"\\n\"}{end}");
        assertThat(ids.lines().toList())
                .as("the demo backend's two pods and the instance's proxy pod")
                .hasSize(3)
                .allMatch(id -> id.startsWith("podman://"));
        assertThat(containers()).hasSize(3);
    }

    @Test
    @Order(2)
    void httpAndHttpsReachTheBackendPodsThroughTheProxyContainer() throws Exception {
        HttpResponse<String> http = TestingHttp.get(TestingHttp.plain(), "http://" + address + "/hello");
        assertThat(http.statusCode()).as(http.body()).isEqualTo(200);
        assertThat(http.body()).contains("saw GET /hello");
        HttpResponse<String> https = TestingHttp.get(
                HttpClient.newBuilder().sslContext(trustingDemoCa()).build(), "https://" + address + "/hello");
        assertThat(https.statusCode()).as(https.body()).isEqualTo(200);
        assertThat(https.body()).containsIgnoringCase("X-Forwarded-Proto: https");
    }

    @Test
    @Order(3)
    void raisingTheTierAddsAProxyContainerAndWebSocketEchoes() throws Exception {
        kubectl("patch", "slb", "demo", "--type", "merge", "-p", "{\"spec\":{\"tier\":\"slb.s1.small\"}}");
        String generation = kubectl("get", "slb", "demo", "-o", "jsonpath={.metadata.generation}");
        kubectl(
                "wait",
                "slb/demo",
                "--timeout=150s",
                "--for=jsonpath={.status.conditions[?(@.type==\"Programmed\")].observedGeneration}=" + generation);
        kubectl("wait", "slb/demo", "--timeout=150s", "--for=condition=Programmed");
        assertThat(containers()).as("two proxy pods and two backend pods").hasSize(4);
        HttpClient client = TestingHttp.plain();
        try (TestingWebSocket ws = TestingWebSocket.open(client, URI.create("ws://" + address + "/ws"))) {
            assertThat(ws.echo("through a proxy container", Duration.ofSeconds(5)))
                    .isTrue();
        }
    }

    @Test
    @Order(4)
    void deletingTheInstanceRemovesItsProxyContainers() throws Exception {
        kubectl("delete", "slb", "demo", "--timeout=120s");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (containers().size() > 2 && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        assertThat(containers()).as("only the demo backend's containers").hasSize(2);
    }

    /** Trusts the demo certificate local/ made for its load balancers' addresses. */
    private static SSLContext trustingDemoCa() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cluster.caCertificate())) {
            trust.setCertificateEntry(
                    "demo", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    /** The run's containers, by the label local/ gives them. */
    private static List<String> containers() throws IOException, InterruptedException {
        TestingPodman.Result ps = TestingPodman.podman(
                        Duration.ofSeconds(60),
                        "ps",
                        "--all",
                        "--quiet",
                        "--filter",
                        "label=" + Containers.LABEL + "=" + state)
                .ok();
        return ps.out().lines().filter(l -> !l.isBlank()).toList();
    }

    private static String kubectl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kubectl"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(work.resolve("kubectl.err").toFile());
        pb.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(200, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not end");
        }
        assertThat(p.exitValue())
                .as("kubectl %s: %s %s", String.join(" ", args), out, Files.readString(work.resolve("kubectl.err")))
                .isZero();
        return out;
    }
}
