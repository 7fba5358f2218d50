package dev.slb.proxy.config;

import dev.slb.model.ProxyContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConfigSource} that reads key {@value #KEY} of one ConfigMap through the Kubernetes API
 * and follows it with an informer, so a change reaches the proxy in seconds without a restart.
 *
 * <p>Every request names the ConfigMap: {@code get} by name, and list and watch with the field
 * selector {@code metadata.name=NAME}, which is what a Role limited by {@code resourceNames} to
 * get, list and watch on that one ConfigMap allows.
 *
 * <p>An informer rather than a raw watch, because watches end (API server restarts, load balancer
 * idle timeouts, {@code 410 Gone} once the resource version is compacted) and an informer starts
 * them again: it re-lists after a {@code 410}, reconnects with backoff after other failures, and
 * its re-list reports a deletion or a change that happened while it was disconnected. A raw watch
 * would need all of that written again here.
 */
public final class KubernetesConfigSource implements ConfigSource {
    private static final Logger log = LoggerFactory.getLogger(KubernetesConfigSource.class);

    /** The ConfigMap key that holds the proxy config. */
    public static final String KEY = ProxyContract.CONFIG_MAP_KEY;

    /** How long {@link #close()} waits for a callback in progress. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final String namespace;
    private final String name;
    private final Object lock = new Object();

    // The last text read or delivered: what a change is measured against.
    private volatile String lastText;
    private volatile boolean closed;
    private SharedIndexInformer<ConfigMap> informer;
    private ExecutorService deliveries;
    private volatile Thread deliveryThread;

    // Delivery-thread state: a problem is logged when it starts and when it ends, not at every event.
    private String problem;

    /**
     * Reads through a client of its own, closed with this source: in a pod the in-cluster config
     * (the service account token), elsewhere {@code KUBECONFIG} or {@code ~/.kube/config}.
     */
    public KubernetesConfigSource(String namespace, String name) {
        this(new KubernetesClientBuilder().build(), true, namespace, name);
    }

    /** Reads through {@code client}, which stays open when this source is closed. */
    public KubernetesConfigSource(KubernetesClient client, String namespace, String name) {
        this(client, false, namespace, name);
    }

    KubernetesConfigSource(KubernetesClient client, boolean ownsClient, String namespace, String name) {
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.namespace = requireName(namespace, "namespace");
        this.name = requireName(name, "name");
    }

    private static String requireName(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank() || value.contains("/")) {
            throw new IllegalArgumentException(
                    "a ConfigMap " + what + " must be non-empty and without '/', not '" + value + "'");
        }
        return value;
    }

    /** Key {@value #KEY} of the ConfigMap now; fails naming the ConfigMap when it or the key is missing. */
    @Override
    public String read() throws IOException {
        ConfigMap configMap;
        try {
            configMap =
                    client.configMaps().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new IOException(cannotRead(e), e);
        }
        if (configMap == null) {
            throw new IOException(describe() + " does not exist");
        }
        String text = text(configMap);
        if (text == null) {
            throw new IOException(describe() + " has no key " + KEY);
        }
        lastText = text;
        return text;
    }

    private String cannotRead(KubernetesClientException e) {
        if (e.getCode() <= 0) {
            // No HTTP answer at all: fabric8's own message only says the operation failed.
            return "cannot read " + describe() + ": the Kubernetes API at " + client.getMasterUrl()
                    + " did not answer (" + ApiFailures.rootCause(e) + ")";
        }
        String why = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
        if (e.getCode() == 401 || e.getCode() == 403) {
            return "the proxy may not read " + describe() + " (HTTP " + e.getCode() + "): " + why
                    + "; its service account needs get, list and watch on that ConfigMap";
        }
        return "cannot read " + describe() + " (HTTP " + e.getCode() + "): " + why;
    }

    /**
     * Starts following the ConfigMap. The informer's first list counts as a change: when nothing
     * was read yet, or the text changed since {@link #read()}, it is delivered straight away.
     */
    @Override
    public void watch(Consumer<String> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(describe() + " is closed");
            }
            if (informer != null) {
                throw new IllegalStateException(describe() + " is already watched");
            }
            // The informer's own callbacks run on the client's shared executor; the proxy's reload
            // runs here instead, on one thread that is this source's alone, in event order.
            ThreadPoolExecutor executor =
                    new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "slb-config-watch");
                        t.setDaemon(true);
                        deliveryThread = t;
                        return t;
                    });
            deliveries = executor;
            informer = client.configMaps().inNamespace(namespace).withName(name).runnableInformer(0);
            // Keep trying whatever went wrong, before the first list as well as after: a proxy
            // that already serves a config must not stop following it over an API server hiccup.
            informer.exceptionHandler((started, t) -> {
                if (!closed) {
                    String why = ApiFailures.summary(t);
                    post(() -> problem("cannot be followed (" + why + "); retrying, still serving the last config"));
                }
                return !closed;
            });
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(ConfigMap configMap) {
                    post(() -> changed(configMap, onChange));
                }

                @Override
                public void onUpdate(ConfigMap previous, ConfigMap configMap) {
                    post(() -> changed(configMap, onChange));
                }

                @Override
                public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
                    post(() -> problem("was deleted; still serving the last config and waiting for it to come back"));
                }
            });
            informer.start().whenComplete((ignored, failure) -> {
                if (failure == null) {
                    log.info("following {}", describe());
                }
            });
        }
    }

    private void post(Runnable task) {
        ExecutorService executor = deliveries;
        if (closed || executor == null) {
            return;
        }
        try {
            executor.execute(() -> {
                if (!closed) {
                    task.run();
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed meanwhile: nothing more is delivered.
        }
    }

    // ---- the delivery thread -----------------------------------------------------------------

    private void changed(ConfigMap configMap, Consumer<String> onChange) {
        if (configMap.getMetadata() == null
                || !name.equals(configMap.getMetadata().getName())) {
            return;
        }
        String text = text(configMap);
        if (text == null) {
            problem("has no key " + KEY + "; still serving the last config");
            return;
        }
        if (problem != null) {
            log.info("{} can be read again", describe());
            problem = null;
        }
        if (text.equals(lastText)) {
            return;
        }
        lastText = text;
        try {
            onChange.accept(text);
        } catch (RuntimeException e) {
            // Counted as delivered all the same: offering the same text again would fail the same way.
            log.error("{}: the config change could not be handled", describe(), e);
        }
    }

    private void problem(String what) {
        if (!what.equals(problem)) {
            log.warn("{} {}", describe(), what);
            problem = what;
        }
    }

    private static String text(ConfigMap configMap) {
        Map<String, String> data = configMap.getData();
        return data == null ? null : data.get(KEY);
    }

    @Override
    public String describe() {
        return "configmap " + namespace + "/" + name;
    }

    /** Stops the informer, waits a moment for a reload in progress, and closes the client if it is ours. */
    @Override
    public void close() {
        SharedIndexInformer<ConfigMap> i;
        ExecutorService executor;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            i = informer;
            executor = deliveries;
        }
        if (i != null) {
            i.stop();
        }
        if (executor != null) {
            executor.shutdown();
            try {
                // Bounded: a callback stuck in a reload must not hold up shutdown. From the delivery
                // thread itself (a callback that closes its source) there is nothing to wait for.
                if (Thread.currentThread() != deliveryThread) {
                    executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ownsClient) {
            client.close();
        }
    }
}
