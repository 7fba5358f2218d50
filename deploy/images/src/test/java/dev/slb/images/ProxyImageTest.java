package dev.slb.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.local.containers.PodmanRun;
import dev.slb.proxy.demo.DemoBackend;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The proxy image in its standalone mode, run with the restrictions the operator puts on a proxy
 * pod (user 10001, read-only root, an emptyDir at /tmp, no capabilities, 1 CPU and 1 GiB): its
 * config file in a ConfigMap volume, its certificate in a Secret volume, both read-only. It loads
 * its native libraries, serves HTTP, ws and wss, follows a changed config without dropping a
 * connection, and drains on SIGTERM within its grace period. Without the /tmp volume it falls back
 * to NIO and JDK TLS, and says so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyImageTest {
    private static final String POD = """
            spec:
              terminationGracePeriodSeconds: 15
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                runAsGroup: 10001
                fsGroup: 10001
                seccompProfile: {type: RuntimeDefault}
              containers:
              - name: proxy
                image: slb-proxy
                args: [--config, /etc/slb/config/config.yaml]
                resources:
                  requests: {cpu: "1", memory: 1Gi}
                  limits: {cpu: "1", memory: 1Gi}
                securityContext:
                  readOnlyRootFilesystem: true
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL]}
                volumeMounts:
                - {name: tmp, mountPath: /tmp}
                - {name: config, mountPath: /etc/slb/config, readOnly: true}
                - {name: tls, mountPath: /etc/slb/tls/standalone, readOnly: true}
              volumes:
              - {name: tmp, emptyDir: {}}
              - {name: config, configMap: {name: standalone-proxy}}
              - {name: tls, secret: {secretName: standalone-tls, defaultMode: 288}}
            """;
    private static final long POD_GROUP = 10001;
    private static final Duration MESSAGE_TIMEOUT = Duration.ofSeconds(5);

    private static TestingImages.Built images;
    private static Path work;
    private static DemoBackend backend;
    private static TestingCertificate certificate;
    private static TestingVolume config;
    private static TestingVolume tls;
    private static TestingContainer proxy;
    private static HttpClient http;
    private static HttpClient https;
    private static final String IP = TestingAddresses.pod(1);
    private static final TestingCleanup cleanup = new TestingCleanup();

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void start() throws Exception {
        images = TestingImages.require();
        work = TestingDirectories.create("slb-proxy-image");
        cleanup.add(() -> TestingDirectories.delete(work));
        backend = cleanup.add(DemoBackend.start(new InetSocketAddress(TestingAddresses.backend(0), 0), "demo-backend"));
        certificate = TestingCertificate.forAddresses(List.of(IP, TestingAddresses.pod(2)));
        config = TestingVolume.write(
                work.resolve("config"), TestingVolume.text(Map.of("config.yaml", config(1))), 0644, null);
        tls = TestingVolume.write(
                work.resolve("tls"),
                TestingVolume.text(Map.of("tls.crt", certificate.certificatePem(), "tls.key", certificate.keyPem())),
                0440,
                POD_GROUP);
        http = TestingHttp.plain();
        https = TestingHttp.trusting(certificate);
        proxy = cleanup.add(run(pod(POD), IP, "standalone"));
        proxy.awaitLog(Pattern.compile("proxy up: "), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        cleanup.closeAll();
    }

    @Test
    @Order(1)
    void startsOnNativeEpollAndBoringSslAsUser10001WithTheLimitsOfItsPod() throws Exception {
        assertThat(proxy.awaitLog(Pattern.compile("proxy up: "), Duration.ofSeconds(1)))
                .contains("transport EPOLL, TLS OPENSSL (BoringSSL")
                // --cpus=1 reached the JVM: one worker thread for one CPU.
                .contains("1 worker threads");
        assertThat(TestingHttp.get(http, "http://" + IP + ":9901/metrics").body())
                .contains("slb_runtime_info{tls=\"openssl\",transport=\"epoll\"} 1.0");

        String inside = TestingPodman.podman(
                        Duration.ofSeconds(30),
                        "exec",
                        proxy.name,
                        "bash",
                        "-c",
                        "id -u; id -G; grep CapEff /proc/1/status; "
                                + "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
                                + "touch /opt/written 2>&1 || true; touch /tmp/written && echo /tmp writable")
                .ok()
                .out();
        assertThat(inside.lines().toList())
                .containsSubsequence("10001", "10001", "CapEff:\t0000000000000000", "1073741824")
                .anyMatch(l -> l.contains("/opt/written") && l.contains("Read-only file system"))
                .contains("/tmp writable");
    }

    @Test
    @Order(2)
    void servesHttpWsAndWss() throws Exception {
        HttpResponse<String> plain = TestingHttp.get(http, "http://" + IP + ":10080/hello");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).startsWith("demo-backend saw GET /hello HTTP/1.1");
        assertThat(TestingHttp.get(https, "https://" + IP + ":10443/hello").body())
                .startsWith("demo-backend saw GET /hello");

        try (TestingWebSocket ws = TestingWebSocket.open(http, URI.create("ws://" + IP + ":10080/ws"));
                TestingWebSocket wss = TestingWebSocket.open(https, URI.create("wss://" + IP + ":10443/ws"))) {
            assertThat(ws.echo("over ws", MESSAGE_TIMEOUT)).isTrue();
            assertThat(wss.echo("over wss", MESSAGE_TIMEOUT)).isTrue();
        }
    }

    @Test
    @Order(3)
    void followsAChangedConfigFileWithoutDroppingAConnection() throws Exception {
        List<TestingWebSocket> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            held.add(open(http, URI.create("ws://" + IP + ":10080/ws")));
            held.add(open(https, URI.create("wss://" + IP + ":10443/ws")));
        }
        for (TestingWebSocket s : held) {
            s.echo("before", MESSAGE_TIMEOUT);
        }

        config.update(TestingVolume.text(Map.of("config.yaml", config(2))));
        awaitVersion("standalone-2");

        for (TestingWebSocket s : held) {
            s.echo("after", MESSAGE_TIMEOUT);
        }
        assertThat(held).as("connections dropped by the reload").noneMatch(TestingWebSocket::dropped);
        assertThat(held.stream().mapToInt(TestingWebSocket::lost).sum())
                .as("messages lost across the reload")
                .isZero();
        // The listener the new version adds serves at once.
        assertThat(TestingHttp.get(http, "http://" + IP + ":10081/added").body())
                .startsWith("demo-backend saw GET /added");
        assertThat(proxy.log()).contains("config version standalone-2 applied (was standalone-1)");
        for (TestingWebSocket s : held) {
            s.close();
        }
    }

    @Test
    @Order(4)
    void drainsOnSigtermWithinTheGracePeriodClosingWebSocketsWith1001() throws Exception {
        TestingWebSocket open = open(http, URI.create("ws://" + IP + ":10080/ws"));
        assertThat(open.echo("before SIGTERM", MESSAGE_TIMEOUT)).isTrue();

        TestingContainer.Stopped stopped = proxy.stop(Duration.ofSeconds(60));

        // SIGTERM ended it (143), not the SIGKILL that follows an exhausted grace period (137).
        assertThat(stopped.exitCode()).as("exit status; log:%n%s", proxy.log()).isEqualTo(143);
        assertThat(proxy.log())
                .contains("draining: /readyz reports not ready")
                .containsPattern("draining: closing \\d+ WebSocket/TCP connections over the last third of the window")
                .contains("drained and stopped");
        assertThat(open.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
    }

    /** The check above can fail: with no writable /tmp, the same image runs on NIO and JDK TLS. */
    @Test
    @Order(5)
    void withoutItsTmpVolumeTheProxyFallsBackToNioAndJdkTlsAndSaysSo() throws Exception {
        PodSpec pod = pod(POD);
        pod.getVolumes().removeIf(v -> v.getName().equals("tmp"));
        pod.getContainers().get(0).getVolumeMounts().removeIf(m -> m.getName().equals("tmp"));
        String ip = TestingAddresses.pod(2);
        try (TestingContainer bare = run(pod, ip, "no-tmp")) {
            assertThat(bare.awaitLog(Pattern.compile("proxy up: "), Duration.ofSeconds(60)))
                    .contains("transport NIO, TLS JDK");
            assertThat(TestingHttp.get(http, "http://" + ip + ":9901/metrics").body())
                    .contains("slb_runtime_info{tls=\"jdk\",transport=\"nio\"} 1.0");
        }
    }

    /** The config: HTTP and HTTPS listeners to the demo backend; version 2 adds a listener. */
    private static String config(int version) {
        String backends = "  backends: [{address: " + backend.address().getHostString() + ", port: "
                + backend.address().getPort() + "}]\n";
        String yaml = "version: standalone-" + version + "\n"
                + "instance: standalone\n"
                + "admin: {port: 9901}\n"
                + "drain: {readinessGracePeriod: 1s, timeout: 3s}\n"
                + "listeners:\n"
                + "- name: web\n  protocol: HTTP\n  port: 10080\n" + backends
                + "- name: secure\n  protocol: HTTPS\n  port: 10443\n"
                + "  tls: {certificateFile: /etc/slb/tls/standalone/tls.crt,"
                + " privateKeyFile: /etc/slb/tls/standalone/tls.key}\n" + backends;
        return version == 1 ? yaml : yaml + "- name: added\n  protocol: HTTP\n  port: 10081\n" + backends;
    }

    private static TestingContainer run(PodSpec pod, String ip, String what) throws Exception {
        String name = TestingContainer.newName(what);
        List<String> args = PodmanRun.arguments(
                pod,
                pod.getContainers().get(0),
                new PodmanRun.Placement(
                        name,
                        images.proxy().id(),
                        "default",
                        name,
                        ip,
                        Map.of("config", config.dir(), "tls", tls.dir()),
                        List.of(),
                        Map.of(),
                        List.of(),
                        // The pod's own address: the container shares the host's network.
                        List.of("--bind-address", ip)));
        return TestingContainer.start(args, work.resolve(what + ".log"));
    }

    private static PodSpec pod(String yaml) {
        return Serialization.unmarshal(yaml, PodTemplateSpec.class).getSpec();
    }

    private static TestingWebSocket open(HttpClient client, URI uri) throws Exception {
        return cleanup.add(TestingWebSocket.open(client, uri));
    }

    private static void awaitVersion(String version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String serving = null;
        while (System.nanoTime() < deadline) {
            serving = TestingHttp.get(http, "http://" + IP + ":9901/config")
                    .headers()
                    .firstValue("X-Config-Version")
                    .orElse(null);
            if (version.equals(serving)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the proxy serves " + serving + ", not " + version + "; its log:\n" + proxy.log());
    }
}
