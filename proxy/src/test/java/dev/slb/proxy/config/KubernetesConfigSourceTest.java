package dev.slb.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.proxy.testing.TestingPorts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link KubernetesConfigSource} against the fabric8 CRUD mock: reads, errors, and what its
 * informer delivers. Changes go through update/replace, never a JSON merge patch, which the mock
 * does not apply as RFC 7386 says.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesConfigSourceTest {
    private static final String NAMESPACE = "default";
    private static final String NAME = "chat-proxy-config";
    /** How long a delivery may take; the informer answers far sooner. */
    private static final Duration DELIVERY = Duration.ofSeconds(10);
    /** How long to wait before concluding nothing is coming. */
    private static final Duration QUIET = Duration.ofMillis(1_500);

    KubernetesClient client;
    KubernetesMockServer server;

    private final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
    private final Set<Thread> deliveryThreads = ConcurrentHashMap.newKeySet();
    private final List<KubernetesConfigSource> sources = new ArrayList<>();

    @AfterEach
    void closeSources() {
        sources.forEach(KubernetesConfigSource::close);
    }

    private KubernetesConfigSource source() {
        KubernetesConfigSource source = new KubernetesConfigSource(client, NAMESPACE, NAME);
        sources.add(source);
        return source;
    }

    /** Reads, then watches, as the proxy does. */
    private KubernetesConfigSource following(String expectedFirst) throws Exception {
        KubernetesConfigSource source = source();
        assertThat(source.read()).isEqualTo(expectedFirst);
        source.watch(text -> {
            deliveryThreads.add(Thread.currentThread());
            delivered.add(text);
        });
        return source;
    }

    private static ConfigMap configMap(Map<String, String> data) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withNamespace(NAMESPACE)
                .withName(NAME)
                .endMetadata()
                .withData(data)
                .build();
    }

    private void create(String text) {
        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(configMap(Map.of(KubernetesConfigSource.KEY, text)))
                .create();
    }

    /** A read-modify-write of the key: fabric8 sends the difference as a JSON Patch (RFC 6902), which the mock applies faithfully. */
    private void update(String text) {
        client.configMaps()
                .inNamespace(NAMESPACE)
                .withName(NAME)
                .edit(cm -> new ConfigMapBuilder(cm)
                        .addToData(KubernetesConfigSource.KEY, text)
                        .build());
    }

    private void delete() {
        client.configMaps().inNamespace(NAMESPACE).withName(NAME).delete();
        // The mock deletes at once (no finalizers); wait until a get says so.
        assertThat(client.configMaps().inNamespace(NAMESPACE).withName(NAME).get())
                .isNull();
    }

    private String next() throws InterruptedException {
        String text = delivered.poll(DELIVERY.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(text).as("a delivery within " + DELIVERY).isNotNull();
        return text;
    }

    private void assertNothingDelivered() throws InterruptedException {
        assertThat(delivered.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS))
                .as("no delivery")
                .isNull();
    }

    @Test
    void readsTheConfigKey() throws Exception {
        create("version: v1\n");
        assertThat(source().read()).isEqualTo("version: v1\n");
    }

    @Test
    void describesTheConfigMap() {
        assertThat(source().describe()).isEqualTo("configmap default/chat-proxy-config");
    }

    @Test
    void readFailsNamingAConfigMapThatDoesNotExist() {
        assertThatThrownBy(() -> source().read())
                .isInstanceOf(IOException.class)
                .hasMessage("configmap default/chat-proxy-config does not exist");
    }

    @Test
    void readFailsNamingAMissingKey() {
        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(configMap(Map.of("other.yaml", "x: 1\n")))
                .create();
        assertThatThrownBy(() -> source().read())
                .isInstanceOf(IOException.class)
                .hasMessage("configmap default/chat-proxy-config has no key config.yaml");
    }

    @Test
    void readFailsNamingAConfigMapWithNoDataAtAll() {
        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withNamespace(NAMESPACE)
                        .withName(NAME)
                        .endMetadata()
                        .build())
                .create();
        assertThatThrownBy(() -> source().read())
                .hasMessage("configmap default/chat-proxy-config has no key config.yaml");
    }

    @Test
    void readFailsSayingWhatAccessIsMissingWhenForbidden() {
        server.expect()
                .get()
                .withPath("/api/v1/namespaces/default/configmaps/chat-proxy-config")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withCode(403)
                                .withReason("Forbidden")
                                .withMessage(
                                        "configmaps \"chat-proxy-config\" is forbidden: User \"system:serviceaccount:default:proxy\""
                                                + " cannot get resource \"configmaps\" in API group \"\" in the namespace \"default\"")
                                .build())
                .always();
        assertThatThrownBy(() -> source().read())
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("the proxy may not read configmap default/chat-proxy-config (HTTP 403): ")
                .hasMessageContaining("cannot get resource")
                .hasMessageEndingWith("its service account needs get, list and watch on that ConfigMap");
    }

    @Test
    void readFailsNamingTheApiServerWhenNothingAnswers() {
        int dead = TestingPorts.dead();
        try (KubernetesClient unreachable = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl("https://127.0.0.1:" + dead)
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build()) {
            KubernetesConfigSource source = new KubernetesConfigSource(unreachable, NAMESPACE, NAME);
            assertThatThrownBy(source::read)
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith(
                            "cannot read configmap default/chat-proxy-config: the Kubernetes API at https://127.0.0.1:"
                                    + dead + "/ did not answer (");
        }
    }

    @Test
    void anUpdateIsDeliveredOnTheSourcesOwnThread() throws Exception {
        create("version: v1\n");
        following("version: v1\n");
        assertNothingDelivered();

        update("version: v2\n");
        assertThat(next()).isEqualTo("version: v2\n");
        update("version: v3\n");
        assertThat(next()).isEqualTo("version: v3\n");

        assertThat(deliveryThreads).hasSize(1);
        Thread thread = deliveryThreads.iterator().next();
        assertThat(thread).isNotSameAs(Thread.currentThread());
        assertThat(thread.getName()).isEqualTo("slb-config-watch");
    }

    @Test
    void aChangeBetweenReadAndWatchIsDeliveredWhenTheWatchStarts() throws Exception {
        create("version: v1\n");
        KubernetesConfigSource source = source();
        assertThat(source.read()).isEqualTo("version: v1\n");
        update("version: v2\n");
        source.watch(delivered::add);
        assertThat(next()).isEqualTo("version: v2\n");
        assertNothingDelivered();
    }

    @Test
    void withoutAReadTheCurrentTextIsDeliveredFirst() throws Exception {
        create("version: v1\n");
        source().watch(delivered::add);
        assertThat(next()).isEqualTo("version: v1\n");
        assertNothingDelivered();
    }

    @Test
    void theSameTextAppliedAgainIsNotDelivered() throws Exception {
        create("version: v1\n");
        following("version: v1\n");

        // A label change and a full replace with the same data: new resource versions, same config.
        client.configMaps()
                .inNamespace(NAMESPACE)
                .withName(NAME)
                .edit(cm -> new ConfigMapBuilder(cm)
                        .editMetadata()
                        .addToLabels("touched", "yes")
                        .endMetadata()
                        .build());
        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(configMap(Map.of(KubernetesConfigSource.KEY, "version: v1\n", "notes.txt", "unrelated")))
                .update();
        assertNothingDelivered();

        // Still following: the next real change arrives, and only it.
        update("version: v2\n");
        assertThat(next()).isEqualTo("version: v2\n");
        update("version: v2\n");
        assertNothingDelivered();
    }

    @Test
    void aDeletedConfigMapIsNotDeliveredAndItsReturnIs() throws Exception {
        create("version: v1\n");
        following("version: v1\n");

        delete();
        assertNothingDelivered();

        create("version: v2\n");
        assertThat(next()).isEqualTo("version: v2\n");
        assertNothingDelivered();
    }

    @Test
    void aConfigMapRecreatedWithTheSameTextDeliversNothing() throws Exception {
        create("version: v1\n");
        following("version: v1\n");

        delete();
        create("version: v1\n");
        assertNothingDelivered();

        update("version: v2\n");
        assertThat(next()).isEqualTo("version: v2\n");
    }

    @Test
    void aRemovedKeyIsNotDeliveredAndItsReturnIs() throws Exception {
        create("version: v1\n");
        following("version: v1\n");

        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(configMap(Map.of("other.yaml", "x: 1\n")))
                .update();
        assertNothingDelivered();

        update("version: v2\n");
        assertThat(next()).isEqualTo("version: v2\n");
    }

    @Test
    void otherConfigMapsInTheNamespaceAreIgnored() throws Exception {
        create("version: v1\n");
        following("version: v1\n");

        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withNamespace(NAMESPACE)
                        .withName("someone-else")
                        .endMetadata()
                        .withData(Map.of(KubernetesConfigSource.KEY, "version: other\n"))
                        .build())
                .create();
        assertNothingDelivered();
    }

    @Test
    void callbacksNeverOverlapAndTheLastTextWins() throws Exception {
        create("version: 0\n");
        KubernetesConfigSource source = source();
        source.read();
        AtomicInteger inCallback = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<String> seen = new ArrayList<>();
        source.watch(text -> {
            if (inCallback.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            try {
                Thread.sleep(50); // a slow reload, so that events queue up behind it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (seen) {
                seen.add(text);
            }
            inCallback.decrementAndGet();
            delivered.add(text);
        });
        for (int i = 1; i <= 10; i++) {
            update("version: " + i + "\n");
        }
        String last = null;
        while (!"version: 10\n".equals(last)) {
            last = next();
        }
        assertThat(overlaps).hasValue(0);
        synchronized (seen) {
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i))
                        .as("delivery %d differs from the one before", i)
                        .isNotEqualTo(seen.get(i - 1));
            }
        }
    }

    @Test
    void aCallbackThatThrowsDoesNotStopTheWatch() throws Exception {
        create("version: v1\n");
        KubernetesConfigSource source = source();
        source.read();
        source.watch(text -> {
            delivered.add(text);
            throw new IllegalStateException("a reload that fails");
        });
        update("version: v2\n");
        assertThat(next()).isEqualTo("version: v2\n");
        update("version: v3\n");
        assertThat(next()).isEqualTo("version: v3\n");
    }

    @Test
    void nothingIsDeliveredAfterCloseAndAClientPassedInStaysOpen() throws Exception {
        create("version: v1\n");
        KubernetesConfigSource source = following("version: v1\n");
        source.close();
        source.close(); // twice is harmless

        update("version: v2\n");
        assertNothingDelivered();
        assertThat(client.getHttpClient().isClosed()).isFalse();
        assertThat(client.configMaps().inNamespace(NAMESPACE).withName(NAME).get())
                .isNotNull();
        assertThatThrownBy(() -> source.watch(delivered::add)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClientOfItsOwnIsClosedWithIt() throws Exception {
        create("version: v1\n");
        KubernetesClient own = server.createClient();
        KubernetesConfigSource source = new KubernetesConfigSource(own, true, NAMESPACE, NAME);
        sources.add(source);
        assertThat(source.read()).isEqualTo("version: v1\n");
        source.watch(delivered::add);
        source.close();
        assertThat(own.getHttpClient().isClosed()).isTrue();
    }

    @Test
    void watchingTwiceIsRefused() throws Exception {
        create("version: v1\n");
        KubernetesConfigSource source = following("version: v1\n");
        assertThatThrownBy(() -> source.watch(delivered::add))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already watched");
    }

    @Test
    void namesWithASlashOrBlankAreRefused() {
        assertThatThrownBy(() -> new KubernetesConfigSource(client, "default/x", NAME))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KubernetesConfigSource(client, NAMESPACE, " "))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
