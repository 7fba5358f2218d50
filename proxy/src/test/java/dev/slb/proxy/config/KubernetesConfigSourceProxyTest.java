package dev.slb.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ConfigCodec;
import dev.slb.model.InvalidConfigException;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.ProxyServer;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real proxy fed by a {@link KubernetesConfigSource} the way {@code ProxyMain --configmap} feeds
 * it: an edit of the ConfigMap moves traffic to a new backend within seconds, while the same
 * proxy keeps its listener and the connections it already holds.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesConfigSourceProxyTest {
    private static final String NAMESPACE = "default";
    private static final String NAME = "chat-proxy-config";
    private static final Duration WITHIN = Duration.ofSeconds(10);

    KubernetesClient client;

    private TestingBackend a;
    private TestingBackend b;
    private KubernetesConfigSource source;
    private ProxyServer server;

    @BeforeEach
    void startBackends() {
        a = TestingBackend.start("a");
        b = TestingBackend.start("b");
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        if (server != null) {
            server.close();
        }
        a.close();
        b.close();
    }

    /** What ProxyMain does with each text: parse, skip what is already served, apply. */
    private void apply(String text) {
        ProxyConfig next;
        try {
            next = ConfigCodec.parse(text);
        } catch (InvalidConfigException e) {
            return;
        }
        if (next.equals(server.config())) {
            return;
        }
        try {
            server.apply(next);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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

    private static String get(TestingConnection connection, String path) throws Exception {
        TestingConnection.Response r = connection
                .send("GET " + path + " HTTP/1.1\r\nHost: slb\r\n\r\n")
                .readResponse();
        assertThat(r.status()).isEqualTo(200);
        return r.header("X-Backend");
    }

    @Test
    void anEditedConfigMapMovesTrafficToTheNewBackendWithoutARestart() throws Exception {
        Listener web = TestingListener.http("web").backends(a.backend()).build();
        ProxyConfig v1 = TestingProxy.config("v1", web);
        writeConfig(v1);

        source = new KubernetesConfigSource(client, NAMESPACE, NAME);
        server = ProxyServer.start(ConfigCodec.parse(source.read()), TestingProxy.WORKER_THREADS);
        source.watch(this::apply);
        int port = server.listenerAddress("web").getPort();

        try (TestingConnection before = TestingConnection.open(port)) {
            assertThat(get(before, "/before")).isEqualTo("a");

            ProxyConfig v2 = v1.withVersion("v2").withListeners(List.of(web.withBackends(List.of(b.backend()))));
            writeConfig(v2);

            long deadline = System.nanoTime() + WITHIN.toNanos();
            String answeredBy = null;
            while (System.nanoTime() - deadline < 0) {
                try (TestingConnection c = TestingConnection.open(port)) {
                    answeredBy = get(c, "/after");
                }
                if ("b".equals(answeredBy)) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(answeredBy)
                    .as("a new connection is served by the new backend within " + WITHIN)
                    .isEqualTo("b");
            assertThat(server.config().version()).isEqualTo("v2");
            assertThat(server.listenerAddress("web").getPort())
                    .as("the same listener")
                    .isEqualTo(port);

            // The connection opened under v1 was never cut: it still carries requests.
            assertThat(get(before, "/still-open")).isIn("a", "b");
        }
    }
}
