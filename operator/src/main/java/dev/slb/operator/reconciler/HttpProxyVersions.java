package dev.slb.operator.reconciler;

import dev.slb.model.BackendHealthReport;
import dev.slb.model.ProxyContract;
import dev.slb.model.ReloadReport;
import dev.slb.operator.desired.ProxyConfigs;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks each ready proxy replica's admin port ({@code GET /config}) which config version it
 * serves, and then ({@code GET /backends}) how its backends are, on threads of its own; once per
 * version it serves, when that is the version the operator wrote, also ({@code GET /reloads})
 * what applying it did to the connections. A replica not on the version the operator wrote, or
 * on it but with its reload not known yet, is asked again
 * after 100 ms, then less and less often (×1.5 each time, up to every 5 s), so Programmed follows
 * a reload within moments of it; a replica on that version is asked again every 10 to 12 s, each
 * at an offset of its own. Any answer that changes what is known is announced, and the reconcile it
 * triggers reads the answers from here without waiting.
 */
public final class HttpProxyVersions implements ProxyVersions {
    public static final String VERSION_HEADER = ProxyContract.CONFIG_VERSION_HEADER;

    /** The timings; tests shorten them. */
    record Timing(Duration first, Duration max, double growth, Duration verify, Duration requestTimeout) {
        static final Timing DEFAULT = new Timing(
                Duration.ofMillis(100), Duration.ofSeconds(5), 1.5, Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    /** After this many failed asks in a row a replica nobody has asked about is forgotten (its pod is gone). */
    static final int FORGET_AFTER_FAILURES = 3;

    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyVersions.class);

    private final Timing timing;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService io;
    private final HttpClient http;
    private final Map<String, Replica> replicas = new ConcurrentHashMap<>();
    private final List<Consumer<ResourceID>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** What is known about one replica, and when to ask it next. Guarded by itself. */
    private final class Replica {
        final String key;
        ResourceID lb;
        String pod;
        URI uri;
        String expected;
        String version;
        BackendHealthReport health;
        /** What the replica reported of its reloads when it served {@link #reloadsFor}; null: not asked yet. */
        ReloadReport reloads;

        String reloadsFor;
        Duration backoff;
        ScheduledFuture<?> next;
        long nextAtNanos;
        boolean asking;
        boolean observedSinceFailure = true;
        int failures;

        Replica(String key) {
            this.key = key;
        }
    }

    public HttpProxyVersions() {
        this(Timing.DEFAULT);
    }

    HttpProxyVersions(Timing timing) {
        this.timing = Objects.requireNonNull(timing, "timing");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("slb-proxy-versions"));
        // Two threads carry every exchange: the asks are small and never block on a reconcile.
        this.io = Executors.newFixedThreadPool(2, daemon("slb-proxy-versions-http"));
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timing.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(io)
                .build();
    }

    /** {@code http://<podIP>:<admin port>/config}, or null when the pod has no IP yet. */
    public static URI adminConfigUri(Pod pod) {
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (ip == null || ip.isBlank()) {
            return null;
        }
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        return URI.create("http://" + host + ":" + ProxyConfigs.ADMIN_PORT + ProxyContract.CONFIG_PATH);
    }

    @Override
    public Map<String, String> observe(ResourceID lb, String expected, List<Target> ready) {
        Map<String, String> known = new TreeMap<>();
        Set<String> keys = ready.stream().map(t -> key(lb, t.pod())).collect(Collectors.toSet());
        for (Target target : ready) {
            Replica r = replicas.computeIfAbsent(key(lb, target.pod()), Replica::new);
            synchronized (r) {
                boolean fresh = r.uri == null || !r.uri.equals(target.configUri());
                boolean newExpectation = !Objects.equals(r.expected, expected);
                r.lb = lb;
                r.pod = target.pod();
                r.uri = target.configUri();
                r.expected = expected;
                r.observedSinceFailure = true;
                if (fresh) {
                    // A replica just ready (or moved): what it served before is not known any more.
                    r.version = null;
                    r.backoff = timing.first();
                    askWithin(r, Duration.ZERO);
                } else if (newExpectation && !Objects.equals(r.version, expected)) {
                    // A new config was just written: the replica needs a moment to load it.
                    r.backoff = timing.first();
                    askWithin(r, timing.first());
                } else if (r.next == null && !r.asking) {
                    askWithin(r, Objects.equals(r.version, expected) ? spread(r) : r.backoff);
                }
                known.put(target.pod(), r.version);
            }
        }
        replicas.values().removeIf(r -> {
            synchronized (r) {
                if (lb.equals(r.lb) && !keys.contains(r.key)) {
                    cancel(r);
                    return true;
                }
                return false;
            }
        });
        return known;
    }

    @Override
    public void onChange(Consumer<ResourceID> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The replicas being followed, for tests. */
    int followed() {
        return replicas.size();
    }

    /** Schedules the next ask no later than {@code delay} from now (an earlier one stays). */
    private void askWithin(Replica r, Duration delay) {
        long at = System.nanoTime() + delay.toNanos();
        if (r.asking) {
            return; // the answer under way schedules the next ask itself
        }
        if (r.next != null) {
            if (r.nextAtNanos - at <= 0) {
                return;
            }
            r.next.cancel(false);
        }
        r.nextAtNanos = at;
        try {
            r.next = scheduler.schedule(() -> ask(r), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            r.next = null; // closed
        }
    }

    private void ask(Replica r) {
        URI uri;
        synchronized (r) {
            r.next = null;
            if (closed || replicas.get(r.key) != r) {
                return;
            }
            r.asking = true;
            uri = r.uri;
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timing.requestTimeout())
                .GET()
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            String version = null;
            if (failure != null) {
                LOG.debug("proxy pod {} did not report its config version: {}", r.pod, failure.toString());
            } else if (response.statusCode() != 200) {
                LOG.debug(
                        "proxy pod {} answered HTTP {} when asked for its config version",
                        r.pod,
                        response.statusCode());
            } else {
                version = response.headers().firstValue(VERSION_HEADER).orElse(null);
            }
            if (version == null) {
                answered(r, null, null, false, null);
                return;
            }
            String served = version;
            // Backend health rides on the same visit: a second small request to the same admin port.
            HttpRequest backends = HttpRequest.newBuilder(uri.resolve(ProxyContract.BACKENDS_PATH))
                    .timeout(timing.requestTimeout())
                    .GET()
                    .build();
            http.sendAsync(backends, HttpResponse.BodyHandlers.ofString()).whenComplete((h, hf) -> {
                BackendHealthReport health = null;
                if (hf == null && h.statusCode() == 200) {
                    health = BackendHealthReport.parse(h.body());
                } else {
                    // A proxy of an earlier release has no /backends: its health is not known.
                    LOG.debug("proxy pod {} did not report its backends' health", r.pod);
                }
                BackendHealthReport known = health;
                if (!needsReloads(r, served)) {
                    answered(r, served, known, false, null);
                    return;
                }
                askReloads(r, uri).whenComplete((reloads, rf) -> answered(r, served, known, true, reloads));
            });
        });
    }

    /**
     * Whether to read the replica's reloads on this visit: it serves the version the operator wrote
     * and what applying it did is not known yet. What a reload did never changes afterwards, so each
     * replica is asked once per version (again only while its answer lacks that version).
     */
    private static boolean needsReloads(Replica r, String served) {
        synchronized (r) {
            return served.equals(r.expected) && !reloadKnown(r, served);
        }
    }

    private static boolean reloadKnown(Replica r, String version) {
        return r.reloads != null
                && version.equals(r.reloadsFor)
                && (!r.reloads.available() || r.reloads.applied(version).isPresent());
    }

    /**
     * {@code GET /reloads}: the report; {@link ReloadReport#UNAVAILABLE} when the replica does not
     * serve the path (404: a proxy release before it) or answers what cannot be read; null when it
     * did not answer (asked again on a later visit).
     */
    private CompletableFuture<ReloadReport> askReloads(Replica r, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri.resolve(ProxyContract.RELOADS_PATH))
                .timeout(timing.requestTimeout())
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                LOG.debug("proxy pod {} did not report its reloads: {}", r.pod, failure.toString());
                return null;
            }
            if (response.statusCode() == 404) {
                return ReloadReport.UNAVAILABLE;
            }
            if (response.statusCode() != 200) {
                LOG.debug("proxy pod {} answered HTTP {} when asked for its reloads", r.pod, response.statusCode());
                return null;
            }
            try {
                return ReloadReport.parse(response.body());
            } catch (IllegalArgumentException e) {
                LOG.debug("proxy pod {} reported its reloads in a form not understood: {}", r.pod, e.getMessage());
                return ReloadReport.UNAVAILABLE;
            }
        });
    }

    @Override
    public Map<String, ReloadReport> reloads(ResourceID lb) {
        Map<String, ReloadReport> known = new TreeMap<>();
        for (Replica r : replicas.values()) {
            synchronized (r) {
                if (lb.equals(r.lb) && r.reloads != null && r.version != null && r.version.equals(r.reloadsFor)) {
                    known.put(r.pod, r.reloads);
                }
            }
        }
        return known;
    }

    @Override
    public Map<String, BackendHealthReport> health(ResourceID lb) {
        Map<String, BackendHealthReport> known = new TreeMap<>();
        for (Replica r : replicas.values()) {
            synchronized (r) {
                if (lb.equals(r.lb) && r.health != null) {
                    known.put(r.pod, r.health);
                }
            }
        }
        return known;
    }

    /** {@code reloadsAsked}: {@code /reloads} was asked on this visit, and {@code reloads} is its answer. */
    private void answered(
            Replica r, String version, BackendHealthReport health, boolean reloadsAsked, ReloadReport reloads) {
        ResourceID changed = null;
        synchronized (r) {
            r.asking = false;
            if (closed || replicas.get(r.key) != r) {
                return;
            }
            if (!Objects.equals(r.version, version) || !Objects.equals(r.health, health)) {
                r.version = version;
                r.health = health;
                changed = r.lb;
            }
            // Kept only once it says what applying the version did (or that it cannot say): an answer
            // without the version (read a moment before the proxy recorded it) is asked again soon.
            if (reloadsAsked
                    && reloads != null
                    && (!reloads.available() || reloads.applied(version).isPresent())
                    && !(reloads.equals(r.reloads) && version.equals(r.reloadsFor))) {
                r.reloads = reloads;
                r.reloadsFor = version;
                changed = r.lb;
            }
            if (version == null) {
                r.failures++;
                if (r.failures >= FORGET_AFTER_FAILURES && !r.observedSinceFailure) {
                    // Nobody asked about it since it stopped answering: its pod is gone with its LoadBalancer.
                    replicas.remove(r.key, r);
                    return;
                }
                r.observedSinceFailure = false;
            } else {
                r.failures = 0;
            }
            if (Objects.equals(version, r.expected) && reloadKnown(r, version)) {
                r.backoff = timing.first();
                askWithin(r, spread(r));
            } else {
                Duration wait = r.backoff;
                r.backoff = min(timing.max(), Duration.ofNanos((long) (r.backoff.toNanos() * timing.growth())));
                askWithin(r, wait);
            }
        }
        if (changed != null) {
            for (Consumer<ResourceID> listener : listeners) {
                try {
                    listener.accept(changed);
                } catch (RuntimeException e) {
                    LOG.warn("a config version change could not be announced", e);
                }
            }
        }
    }

    /**
     * The verification period plus a fifth of it at most, each replica at an offset of its own, so
     * replicas are not all asked at once and none more often than once a period.
     */
    private Duration spread(Replica r) {
        long period = timing.verify().toNanos();
        return Duration.ofNanos(period + Math.floorMod((long) r.key.hashCode(), Math.max(1, period / 5)));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void cancel(Replica r) {
        if (r.next != null) {
            r.next.cancel(false);
            r.next = null;
        }
    }

    private static String key(ResourceID lb, String pod) {
        return lb.getNamespace().orElse("") + "/" + pod;
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        io.shutdownNow();
        replicas.clear();
    }
}
