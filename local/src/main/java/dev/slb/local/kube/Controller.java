package dev.slb.local.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller as a cluster runs one: it follows the API's watch streams through informers (shared
 * with the other controllers), and every change queues one level-triggered sync of all it manages,
 * on a thread of its own; changes that arrive while a sync is queued share it.
 */
public abstract class Controller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    protected final KubernetesClient client;
    private final String name;
    private final ScheduledExecutorService loop;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** The last failure message of each step, so a step that keeps failing is logged once. */
    private final Map<String, String> failures = new HashMap<>();

    protected Controller(String name, KubernetesClient client) {
        this.name = name;
        this.client = client;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Syncs now, on every change the informers see, and every {@code resync} when it is not null
     * (for what no watch reports: probes, processes, ports to retry).
     */
    public final void start(Duration resync, SharedIndexInformer<?>... informers) {
        for (SharedIndexInformer<?> informer : informers) {
            follow(informer);
        }
        if (resync != null) {
            loop.scheduleWithFixedDelay(this::requestSync, 0, resync.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            requestSync();
        }
    }

    private <T> void follow(SharedIndexInformer<T> informer) {
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T object) {
                requestSync();
            }

            @Override
            public void onUpdate(T before, T after) {
                requestSync();
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                requestSync();
            }
        });
    }

    /** Queues a sync unless one is queued already. */
    public final void requestSync() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            loop.execute(() -> {
                queued.set(false);
                guarded(name, this::sync);
            });
        } catch (RejectedExecutionException stopped) {
            // closed: nothing to sync any more
        }
    }

    /** Brings what it manages in line with the informers' caches; runs on the controller's thread. */
    protected abstract void sync() throws Exception;

    /** A step that may fail without holding up the others; each distinct failure is logged once. */
    protected final void guarded(String what, Step step) {
        try {
            step.run();
            failures.remove(what);
        } catch (Exception e) {
            String message = e.toString();
            if (!message.equals(failures.put(what, message))) {
                LOG.warn("{}: {}: {}", name, what, message, e);
            } else {
                LOG.debug("{}: {} still fails: {}", name, what, message);
            }
        }
    }

    /** One step of a sync. */
    @FunctionalInterface
    protected interface Step {
        void run() throws Exception;
    }

    /** Runs {@code work} on the controller's thread and waits for its result. */
    protected final <T> T onLoop(Callable<T> work) {
        return CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return work.call();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        loop)
                .join();
    }

    /** The controller's thread, for callbacks that must run where syncs run. */
    protected final ScheduledExecutorService loop() {
        return loop;
    }

    /** Stops syncing; a subclass that holds resources releases them first, on its thread. */
    @Override
    public void close() {
        loop.shutdown();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code namespace/name}, as informers key objects. */
    public static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }
}
