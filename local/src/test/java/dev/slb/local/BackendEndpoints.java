package dev.slb.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The demo backend's EndpointSlice as a watch sees it, so that no state, however short, is missed:
 * each endpoint by pod name, as {@code ready=… serving=… terminating=…}.
 */
final class BackendEndpoints implements AutoCloseable {

    private static final long WAIT_SECONDS = 60;

    private final KubernetesClient client;
    private final Watch watch;
    private volatile Map<String, String> current = Map.of();
    private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();

    private BackendEndpoints(KubernetesClient client) {
        this.client = client;
        this.watch = client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace("default")
                .withLabel("kubernetes.io/service-name", DemoObjects.BACKEND)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, EndpointSlice slice) {
                        Map<String, String> now = new TreeMap<>();
                        if (action != Action.DELETED) {
                            for (Endpoint e : slice.getEndpoints()) {
                                String pod = e.getTargetRef().getName();
                                String state = "ready=" + e.getConditions().getReady() + " serving="
                                        + e.getConditions().getServing() + " terminating="
                                        + e.getConditions().getTerminating();
                                now.put(pod, state);
                                seen.computeIfAbsent(pod, k -> ConcurrentHashMap.newKeySet())
                                        .add(state);
                            }
                        }
                        current = now;
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                });
    }

    static BackendEndpoints watch(Path kubeconfig) throws IOException {
        return new BackendEndpoints(new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
                .build());
    }

    /** Waits until the slice lists exactly {@code n} endpoints, all ready; their pods' names. */
    List<String> awaitReady(int n) throws InterruptedException {
        await(
                () -> current.size() == n && current.values().stream().allMatch(s -> s.startsWith("ready=true ")),
                n + " ready endpoints");
        return List.copyOf(current.keySet());
    }

    /**
     * Forgets the states the pod's endpoint has been seen in, so that {@link #await(String, String)}
     * waits for one seen from now on: a new pod's endpoint has already been not ready once, before
     * its first readiness probe passed.
     */
    void forget(String pod) {
        seen.remove(pod);
    }

    /** Waits until the pod's endpoint has been seen in this state (since {@link #forget(String)}, if called). */
    void await(String pod, String state) throws InterruptedException {
        await(() -> seen.getOrDefault(pod, Set.of()).contains(state), pod + " " + state);
    }

    void awaitGone(String pod) throws InterruptedException {
        await(() -> !current.containsKey(pod), pod + " gone from the slice");
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean())
                .as("%s within %d s; the slice lists %s (states seen: %s)", what, WAIT_SECONDS, current, seen)
                .isTrue();
    }

    @Override
    public void close() {
        watch.close();
        client.close();
    }
}
