package dev.slb.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ConfigCodec;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java dev.slb.proxy.ProxyMain --configmap NAMESPACE/NAME} as a child process, pointed at
 * the fabric8 mock through a KUBECONFIG file as it would be at a cluster: it serves the ConfigMap,
 * follows an edit without restarting, and refuses arguments it cannot use.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KubernetesConfigSourceProcessTest {
    private static final String NAMESPACE = "default";
    private static final String NAME = "chat-proxy-config";
    private static final Duration WITHIN = Duration.ofSeconds(10);

    KubernetesClient client;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final List<TestingBackend> backends = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        backends.forEach(TestingBackend::close);
    }

    private TestingBackend backend(String name) {
        TestingBackend b = TestingBackend.start(name);
        backends.add(b);
        return b;
    }

    private void writeConfig(ProxyConfig config) {
        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withNamespace(NAMESPACE)
                        .withName(NAME)
                        .endMetadata()
                        .withData(Map.of(KubernetesConfigSource.KEY, ConfigCodec.write(config)))
                        .build())
                .createOr(existing -> existing.update());
    }

    /** A kubeconfig for the mock; its certificate is self-signed, so verification is off. */
    private Path kubeconfig() throws IOException {
        String server = client.getConfiguration().getMasterUrl().replaceAll("/+$", "");
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: proxy
                  user: {token: testing}
                contexts:
                - name: mock
                  context: {cluster: mock, user: proxy, namespace: %s}
                current-context: mock
                """.formatted(server, NAMESPACE), StandardCharsets.UTF_8);
        return file;
    }

    private Process proxyMain(String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-cp",
                cp,
                "dev.slb.proxy.ProxyMain"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("proxy.log").toFile());
        // Outside a pod: only the kubeconfig file decides where the API server is.
        pb.environment().remove("KUBERNETES_SERVICE_HOST");
        pb.environment().remove("KUBERNETES_SERVICE_PORT");
        pb.environment().put("KUBECONFIG", kubeconfig().toString());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String log() throws IOException {
        Path log = dir.resolve("proxy.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
    }

    /** The backend that answers a GET on a new connection, or null when the proxy does not answer yet. */
    private static String answeredBy(int port) {
        try (TestingConnection c = TestingConnection.open(port)) {
            TestingConnection.Response r = c.send("GET / HTTP/1.1\r\nHost: slb\r\nConnection: close\r\n\r\n")
                    .readResponse();
            return r.status() == 200 ? r.header("X-Backend") : null;
        } catch (IOException e) {
            return null;
        }
    }

    private String awaitBackend(Process p, int port, String expected, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String last = null;
        while (System.nanoTime() - deadline < 0) {
            assertThat(p.isAlive())
                    .as("the proxy is running; its log:\n%s", log())
                    .isTrue();
            last = answeredBy(port);
            if (expected.equals(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("backend " + expected + " did not answer within " + within + " (last: " + last
                + "); the proxy's log:\n" + log());
    }

    @Test
    void servesTheConfigMapAndFollowsAnEditWithoutRestarting() throws Exception {
        TestingBackend a = backend("a");
        TestingBackend b = backend("b");
        Listener web = TestingListener.http("web").backends(a.backend()).build();
        ProxyConfig v1 = TestingProxy.config("v1", web);
        writeConfig(v1);

        Process proxy = proxyMain("--configmap", NAMESPACE + "/" + NAME);
        long pid = proxy.pid();
        // Startup includes a JVM and the first list and watch.
        awaitBackend(proxy, web.port(), "a", Duration.ofSeconds(30));

        writeConfig(v1.withVersion("v2").withListeners(List.of(web.withBackends(List.of(b.backend())))));
        awaitBackend(proxy, web.port(), "b", WITHIN);

        assertThat(proxy.isAlive()).isTrue();
        assertThat(proxy.pid()).as("the same process").isEqualTo(pid);
        // The watch may be reported established just after the first event it carried: wait for both lines.
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!(log().contains("following configmap default/chat-proxy-config")
                        && log().contains("config version v2 applied (was v1)"))
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        assertThat(log())
                .contains("following configmap default/chat-proxy-config", "config version v2 applied (was v1)");
    }

    @Test
    void aMissingConfigMapStopsTheStartWithItsName() throws Exception {
        Process proxy = proxyMain("--configmap", NAMESPACE + "/absent");
        assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).as("the proxy exits").isTrue();
        assertThat(proxy.exitValue()).isNotZero();
        assertThat(log()).contains("configmap default/absent does not exist");
    }

    @Test
    void argumentsItCannotUseAreRefusedWithUsage() throws Exception {
        for (List<String> args : List.<List<String>>of(
                List.of("--configmap", "no-namespace"),
                List.of("--configmap", "default/"),
                List.of("--configmap", "a/b/c"),
                List.of("--config", "config.yaml", "--configmap", "default/x"),
                List.<String>of())) {
            Process proxy = proxyMain(args.toArray(String[]::new));
            assertThat(proxy.waitFor(30, TimeUnit.SECONDS))
                    .as("%s: the proxy exits", args)
                    .isTrue();
            assertThat(proxy.exitValue())
                    .as("%s: exit code; log:\n%s", args, log())
                    .isEqualTo(2);
            assertThat(log()).as("%s", args).contains("usage: slb-proxy --config FILE | --configmap NAMESPACE/NAME");
        }
    }
}
