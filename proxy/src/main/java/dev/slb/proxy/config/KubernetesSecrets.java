package dev.slb.proxy.config;

import dev.slb.proxy.tls.SecretStore;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS Secrets of one namespace that the proxy reads through the Kubernetes API by name, each
 * followed with an informer of its own once it is first asked for, so a renewed certificate or a
 * new Secret needs no pod restart and no mounted volume.
 *
 * <p>Every request names its Secret, as the per-instance Role allows nothing else: {@code get} by
 * name for the first read, list and watch with the field selector {@code metadata.name=NAME} for
 * the informer. The informer's cache then answers every later read, so checking a certificate costs
 * no request. An informer, as for the ConfigMap, because it re-lists and re-watches on its own
 * after a {@code 410}, a dropped connection or a {@code 403} while the Role is being updated.
 */
public final class KubernetesSecrets implements SecretStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubernetesSecrets.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, Followed> followed = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** One Secret followed: its informer, and what a {@code get} returned until the informer has listed. */
    private final class Followed {
        final String name;
        final SharedIndexInformer<Secret> informer;
        volatile Secret fetched;
        // Logged when a problem starts and when it ends, not at every retry.
        volatile String problem;

        Followed(String name) {
            this.name = name;
            this.informer =
                    client.secrets().inNamespace(namespace).withName(name).runnableInformer(0);
            informer.exceptionHandler((started, t) -> {
                if (!closed) {
                    String why = ApiFailures.summary(t);
                    if (!why.equals(problem)) {
                        problem = why;
                        log.warn(
                                "{} cannot be followed ({}); retrying, the listeners on it keep their certificate",
                                describe(name),
                                why);
                    }
                }
                return !closed;
            });
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Secret secret) {
                    changed();
                }

                @Override
                public void onUpdate(Secret previous, Secret secret) {
                    if (!Objects.equals(previous.getData(), secret.getData())
                            || !Objects.equals(previous.getStringData(), secret.getStringData())) {
                        changed();
                    }
                }

                @Override
                public void onDelete(Secret secret, boolean finalStateUnknown) {
                    changed();
                }
            });
        }

        void changed() {
            if (problem != null) {
                problem = null;
                log.info("{} can be followed again", describe(name));
            }
            listeners.forEach(KubernetesSecrets::runQuietly);
        }

        Secret current() throws IOException {
            if (informer.hasSynced()) {
                return informer.getStore().getByKey(namespace + "/" + name);
            }
            Secret got = fetched;
            return got != null ? got : fetch(name);
        }
    }

    public KubernetesSecrets(KubernetesClient client, String namespace) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
    }

    @Override
    public String namespace() {
        return namespace;
    }

    /**
     * The Secret's data now, each key decoded, following it from now on. The first read of a
     * Secret is a {@code get}; later ones come from its informer's cache.
     *
     * @throws IOException naming the Secret when it does not exist or cannot be read
     */
    @Override
    public Map<String, byte[]> data(String name) throws IOException {
        if (closed) {
            throw new IOException("the proxy is stopping; " + describe(name) + " is no longer followed");
        }
        Followed f = followed.get(name);
        if (f == null) {
            Secret first = fetch(name);
            f = followed.computeIfAbsent(name, n -> {
                Followed created = new Followed(n);
                created.fetched = first;
                created.informer.start();
                log.info("following {}", describe(n));
                return created;
            });
        }
        Secret secret = f.current();
        if (secret == null) {
            throw new IOException(describe(name) + " does not exist");
        }
        return decode(secret);
    }

    /** Stops following every Secret not named here. */
    @Override
    public void retainOnly(Set<String> names) {
        for (String name : Set.copyOf(followed.keySet())) {
            if (!names.contains(name)) {
                Followed f = followed.remove(name);
                if (f != null) {
                    f.informer.stop();
                    log.info("no longer following {}: no listener uses it", describe(name));
                }
            }
        }
    }

    /** Runs {@code listener} (on the client's informer thread) whenever a followed Secret changes. */
    @Override
    public void onChange(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Whether the Secret is followed and its watch is up, so that a change to it is seen from now on. */
    public boolean watching(String name) {
        Followed f = followed.get(name);
        return f != null && f.informer.isWatching();
    }

    /** The names of the Secrets followed now. */
    public Set<String> followed() {
        return Set.copyOf(followed.keySet());
    }

    private Secret fetch(String name) throws IOException {
        try {
            return client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 401 || e.getCode() == 403) {
                throw new IOException(
                        "the proxy may not read " + describe(name) + " (HTTP " + e.getCode() + "); its service account"
                                + " needs get, list and watch on that Secret (the operator's Role for the instance"
                                + " grants them)",
                        e);
            }
            throw new IOException("cannot read " + describe(name) + ": " + ApiFailures.summary(e), e);
        }
    }

    private static Map<String, byte[]> decode(Secret secret) {
        Map<String, byte[]> data = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData()
                    .forEach((k, v) -> data.put(
                            k, v == null ? new byte[0] : Base64.getMimeDecoder().decode(v)));
        }
        // stringData is write-only on a real API server; a test server or an older one may keep it.
        if (secret.getStringData() != null) {
            secret.getStringData()
                    .forEach((k, v) ->
                            data.putIfAbsent(k, v == null ? new byte[0] : v.getBytes(StandardCharsets.UTF_8)));
        }
        return data;
    }

    private String describe(String name) {
        return "Secret " + namespace + "/" + name;
    }

    private static void runQuietly(Runnable listener) {
        try {
            listener.run();
        } catch (RuntimeException e) {
            log.warn("a Secret change could not be handled", e);
        }
    }

    /** Stops every informer; the client is the caller's. */
    @Override
    public void close() {
        closed = true;
        followed.values().forEach(f -> f.informer.stop());
        followed.clear();
    }
}
