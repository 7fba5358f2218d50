package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.slb.model.Admin;
import dev.slb.model.Backend;
import dev.slb.model.ConfigCodec;
import dev.slb.model.Drain;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxyProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pods as plain processes, the way {@code local/} runs them: {@code --bind-address 127.0.0.N}
 * stands for the pod IP and {@code --root DIR} for the container's filesystem, while the config
 * is the one the operator renders (no bind address, absolute certificate paths).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PodProcessTest {
    private static final Path SECRET_MOUNT = Path.of("/etc/slb/tls/demo-tls");
    private static final Path EXAMPLE_CRT = Path.of("examples/certs/tls.crt");
    private static final Path EXAMPLE_KEY = Path.of("examples/certs/tls.key");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<TestingProxyProcess> pods = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A pod at {@code address}: its own log, the shared config file, its admin port on its own address. */
    private TestingProxyProcess pod(Path config, String address, int adminPort, String... options) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bind-address", address));
        all.addAll(List.of(options));
        TestingProxyProcess pod = TestingProxyProcess.start(
                config, dir.resolve("pod-" + address + ".log"), address, adminPort, all.toArray(String[]::new));
        open.add(pod);
        pods.add(pod);
        return pod;
    }

    private AssertionError withLogs(Throwable t) {
        StringBuilder logs = new StringBuilder(String.valueOf(t.getMessage()));
        for (TestingProxyProcess pod : pods) {
            logs.append("\n--- proxy log ---\n").append(pod.log());
        }
        return new AssertionError(logs.toString(), t);
    }

    private static Listener listener(
            String name, Protocol protocol, String bindAddress, int port, Tls tls, Backend backend) {
        return Listener.builder(name, protocol, port)
                .bindAddress(bindAddress)
                .tls(tls)
                .backends(List.of(backend))
                .build();
    }

    /** As the operator renders it: admin and listeners on all addresses. */
    private static ProxyConfig rendered(String version, int adminPort, Listener... listeners) {
        return new ProxyConfig(
                version,
                "testing",
                null,
                new Admin(null, adminPort),
                new Drain(Duration.ofMillis(200), Duration.ofSeconds(2)),
                List.of(listeners));
    }

    private static String answeredBy(String address, int port, String path) throws Exception {
        HttpResponse<String> r =
                TestingClients.getText(TestingClients.http11(), URI.create("http://" + address + ":" + port + path));
        assertThat(r.statusCode()).as("%s:%d%s", address, port, path).isEqualTo(200);
        return r.headers().firstValue("X-Backend").orElseThrow();
    }

    private static void assertRefused(String address, int port) {
        assertThatThrownBy(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(address, port), 2_000);
                    }
                })
                .as("nothing listens on %s:%d", address, port)
                .isInstanceOf(ConnectException.class);
    }

    private static boolean serves(TestingProxyProcess.AdminResponse r, String version) {
        return r.status() == 200 && r.body().contains("\"version\":\"" + version + "\"");
    }

    @Test
    void twoPodsServeTheSamePortsEachOnItsOwnAddress() throws Exception {
        TestingBackend a = TestingBackend.start("a");
        open.add(a);
        int adminPort = TestingPorts.free();
        int webPort = TestingPorts.free();
        int allPort = TestingPorts.free();
        ProxyConfig v1 = rendered(
                "pods-v1",
                adminPort,
                listener("web", Protocol.HTTP, null, webPort, null, a.backend()),
                listener("all", Protocol.HTTP, "0.0.0.0", allPort, null, a.backend()));
        Path config = Files.writeString(dir.resolve("config.yaml"), ConfigCodec.write(v1), StandardCharsets.UTF_8);

        // Each start waits for /readyz on the pod's own address and the config's admin port.
        TestingProxyProcess pod2 = pod(config, "127.0.0.2", adminPort);
        TestingProxyProcess pod3 = pod(config, "127.0.0.3", adminPort);
        try {
            for (String pod : List.of("127.0.0.2", "127.0.0.3")) {
                assertThat(answeredBy(pod, webPort, "/absent-bind-address")).isEqualTo("a");
                assertThat(answeredBy(pod, allPort, "/bind-address-0.0.0.0")).isEqualTo("a");
            }
            assertRefused("127.0.0.1", webPort);
            assertRefused("127.0.0.1", allPort);
            assertRefused("127.0.0.1", adminPort);

            // A reload is placed the same way: kept ports stay, a new one binds each pod's address.
            int extraPort = TestingPorts.free();
            ProxyConfig v2 = rendered(
                    "pods-v2",
                    adminPort,
                    v1.listeners().get(0),
                    v1.listeners().get(1),
                    listener("extra", Protocol.HTTP, null, extraPort, null, a.backend()));
            Files.writeString(config, ConfigCodec.write(v2), StandardCharsets.UTF_8);
            pod2.awaitAdmin("/config", r -> serves(r, "pods-v2"), Duration.ofSeconds(30));
            pod3.awaitAdmin("/config", r -> serves(r, "pods-v2"), Duration.ofSeconds(30));
            for (String pod : List.of("127.0.0.2", "127.0.0.3")) {
                assertThat(answeredBy(pod, extraPort, "/added")).isEqualTo("a");
                assertThat(answeredBy(pod, webPort, "/kept")).isEqualTo("a");
            }
            assertRefused("127.0.0.1", extraPort);
            assertThat(pod2.log() + pod3.log()).doesNotContain("takes a restart", "could not be applied");

            // Two processes, not one: stopping one pod leaves the other serving.
            pod2.close();
            assertRefused("127.0.0.2", webPort);
            assertThat(answeredBy("127.0.0.3", webPort, "/still")).isEqualTo("a");
        } catch (Throwable t) {
            throw withLogs(t);
        }
    }

    @Test
    void absoluteCertificatePathsAreReadUnderTheRoot() throws Exception {
        assumeFalse(
                Files.exists(SECRET_MOUNT),
                SECRET_MOUNT + " exists on this machine; the test needs it absent to"
                        + " show that the files come from --root");
        TestingBackend a = TestingBackend.start("a");
        open.add(a);
        Path root = Files.createDirectories(dir.resolve("pod-root"));
        Path secret = Files.createDirectories(root.resolve("etc/slb/tls/demo-tls"));
        Files.copy(EXAMPLE_CRT, secret.resolve("tls.crt"));
        Files.copy(EXAMPLE_KEY, secret.resolve("tls.key"));
        int adminPort = TestingPorts.free();
        int securePort = TestingPorts.free();
        Tls mounted = new Tls(
                SECRET_MOUNT.resolve("tls.crt").toString(),
                SECRET_MOUNT.resolve("tls.key").toString(),
                null);
        // The config is a mounted ConfigMap too: --config names it as the pod sees it.
        Files.createDirectories(root.resolve("etc/slb/config"));
        Files.writeString(
                root.resolve("etc/slb/config/config.yaml"),
                ConfigCodec.write(rendered(
                        "root-v1",
                        adminPort,
                        listener("secure", Protocol.HTTPS, null, securePort, mounted, a.backend()))),
                StandardCharsets.UTF_8);

        // 127.0.0.1 because that is the address the example certificate names.
        pod(Path.of("/etc/slb/config/config.yaml"), "127.0.0.1", adminPort, "--root", root.toString());
        try {
            HttpResponse<String> r = https(securePort, "/over-tls");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Backend")).contains("a");
            assertThat(servedSubject(r))
                    .isEqualTo(
                            certificate(EXAMPLE_CRT).getSubjectX500Principal().getName());

            // The certificate watcher follows the files under the root: a renewed Secret is served.
            Path aCrt = resource("/tls/a.crt");
            replace(secret.resolve("tls.key"), resource("/tls/a.key"));
            replace(secret.resolve("tls.crt"), aCrt);
            String renewed = certificate(aCrt).getSubjectX500Principal().getName();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String served;
            do {
                Thread.sleep(100);
                served = servedSubject(https(securePort, "/after-renewal"));
            } while (!served.equals(renewed) && System.nanoTime() < deadline);
            assertThat(served)
                    .as("the certificate served after the one under the root changed")
                    .isEqualTo(renewed);
        } catch (Throwable t) {
            throw withLogs(t);
        }
    }

    /** A fresh client each time, so no pooled connection or resumed session hides a new certificate. */
    private static HttpResponse<String> https(int port, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(trusting(EXAMPLE_CRT, resource("/tls/a.crt")))
                .build();
        return client.send(
                TestingClients.get(URI.create("https://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String servedSubject(HttpResponse<?> r) throws Exception {
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0])
                .getSubjectX500Principal()
                .getName();
    }

    private static SSLContext trusting(Path... certificates) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < certificates.length; i++) {
            trust.setCertificateEntry("c" + i, certificate(certificates[i]));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static Path resource(String name) throws Exception {
        return Path.of(PodProcessTest.class.getResource(name).toURI());
    }

    /** Swaps a file's content in one rename, as writers that care about readers do. */
    private static void replace(Path target, Path source) throws IOException {
        Path next = target.resolveSibling(target.getFileName() + ".next");
        Files.copy(source, next, StandardCopyOption.REPLACE_EXISTING);
        Files.move(next, target, StandardCopyOption.ATOMIC_MOVE);
    }
}
