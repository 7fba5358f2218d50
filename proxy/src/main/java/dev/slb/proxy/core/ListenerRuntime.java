package dev.slb.proxy.core;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.proxy.routing.AccessRules;
import dev.slb.proxy.routing.BackendSelector;
import dev.slb.proxy.routing.BackendSelectors;
import dev.slb.proxy.routing.HealthVerdicts;
import dev.slb.proxy.tls.ReloadingSslContext;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener's serving state for one config version. Connections read the newest one when they
 * are accepted and, on HTTP, at each request, so a reload reaches them without touching what is
 * already in flight.
 */
public final class ListenerRuntime {
    private static final Logger log = LoggerFactory.getLogger(ListenerRuntime.class);

    private final String instance;
    private final Listener config;
    private final AccessRules accessRules;
    private final List<Backend> backends;
    private final InetSocketAddress[] addresses;
    private final AtomicInteger[] load;
    private final int[] weights;
    private final boolean takesNewConnections;
    private final ReloadingSslContext tls;
    private final BackendHealth[] health;
    // Selectors are not thread-safe by design: one per event loop keeps scheduling lock-free.
    private final ConcurrentHashMap<EventLoop, BackendSelector> selectors = new ConcurrentHashMap<>();

    public ListenerRuntime(Listener config, BackendLoad backendLoad, ReloadingSslContext tls) {
        this(null, config, backendLoad, tls, b -> new BackendHealth());
    }

    /**
     * {@code instance} names the LoadBalancer (namespace/name, null when unknown) for the SLB-ID
     * header; {@code health} gives each backend's shared health state (the same object across reloads).
     */
    public ListenerRuntime(
            String instance,
            Listener config,
            BackendLoad backendLoad,
            ReloadingSslContext tls,
            Function<Backend, BackendHealth> healthOf) {
        this.instance = instance;
        this.config = config;
        // Parsed here, on the config thread: the config was validated, so every entry reads.
        this.accessRules = AccessRules.of(config.accessControl());
        this.backends = config.backends();
        this.tls = tls;
        int n = backends.size();
        this.addresses = new InetSocketAddress[n];
        this.load = new AtomicInteger[n];
        this.weights = new int[n];
        this.health = new BackendHealth[n];
        for (int i = 0; i < n; i++) {
            Backend b = backends.get(i);
            // Resolved here, on the config thread, never on an event loop. A name that does not
            // resolve stays unresolved: connecting to it fails and the next backend is tried.
            addresses[i] = new InetSocketAddress(b.address(), b.port());
            if (addresses[i].isUnresolved()) {
                log.warn("listener {}: backend {} does not resolve; it will be skipped", config.name(), b.address());
            }
            load[i] = backendLoad.counter(addresses[i]);
            // A draining backend takes no new work, as weight 0 says; unlike weight 0, it is then closed.
            weights[i] = b.draining() ? 0 : b.weightValue();
            health[i] = healthOf.apply(b);
        }
        this.takesNewConnections = BackendSelectors.takesNewConnections(weights);
    }

    /**
     * Whether a new connection or request can go anywhere: false with no backend, or with only
     * backends at weight 0. Then there is nothing to try, and clients are told so (503 NoBackend)
     * rather than told that backends failed.
     */
    public boolean takesNewConnections() {
        return takesNewConnections;
    }

    /** Why {@link #takesNewConnections()} is false, for the client and the log. */
    public String noBackendReason() {
        return addresses.length == 0
                ? "listener '" + name() + "' has no backends"
                : "every backend of listener '" + name()
                        + "' has weight 0 or is draining, and takes no new connections";
    }

    public Listener config() {
        return config;
    }

    /** The LoadBalancer this listener belongs to, as namespace/name; null when the config does not say. */
    public String instance() {
        return instance;
    }

    /** Which client addresses this listener serves. */
    public AccessRules accessRules() {
        return accessRules;
    }

    public String name() {
        return config.name();
    }

    public int backendCount() {
        return addresses.length;
    }

    public InetSocketAddress address(int backend) {
        return addresses[backend];
    }

    /** The backend-load counter of one backend, for least-connections scheduling. */
    public AtomicInteger load(int backend) {
        return load[backend];
    }

    public BackendSelector selector(EventLoop loop) {
        BackendSelector s = selectors.get(loop);
        if (s == null) {
            s = selectors.computeIfAbsent(
                    loop,
                    l -> new HealthAwareSelector(
                            BackendSelectors.create(config.scheduler(), weights, i -> load[i].get())));
        }
        return s;
    }

    /** Backend {@code i}'s health as this replica sees it. */
    public BackendHealth health(int backend) {
        return health[backend];
    }

    /**
     * Passive health: a connect to backend {@code i} failed, it reset or closed before answering, or
     * it answered 5xx on a listener that counts those. Enough in a row eject it, unless half the
     * backends are ejected already.
     */
    public void backendFailed(int i, String why) {
        if (health[i].failed(why) < HealthVerdicts.EJECT_AFTER) {
            return;
        }
        long now = System.nanoTime();
        int ejected = 0;
        for (BackendHealth h : health) {
            if (h.ejected(now)) {
                ejected++;
            }
        }
        if (!health[i].ejected(now) && HealthVerdicts.mayEject(ejected, health.length)) {
            Duration time = HealthVerdicts.ejectionTime(health[i].ejections() + 1);
            health[i].eject(now, time);
            log.warn(
                    "listener {}: backend {} ejected for {} after {} failures in a row (last: {})",
                    name(),
                    addresses[i],
                    time,
                    HealthVerdicts.EJECT_AFTER,
                    why);
        }
    }

    /** Passive health: backend {@code i} took a connection or answered well. */
    public void backendSucceeded(int i) {
        health[i].succeeded();
    }

    /** The backends new work avoids now (unhealthy or ejected), or null when none (the common case, at no allocation). */
    private BitSet unhealthy() {
        BitSet out = null;
        long now = System.nanoTime();
        for (int i = 0; i < health.length; i++) {
            if (!health[i].available(now)) {
                if (out == null) {
                    out = new BitSet(health.length);
                }
                out.set(i);
            }
        }
        return out;
    }

    /**
     * Picks among the healthy backends, or among all when none is healthy (fail open), leaving the
     * scheduler itself to know nothing of health. One per event loop, like the selector it wraps.
     */
    private final class HealthAwareSelector implements BackendSelector {
        private final BackendSelector scheduler;
        private final BitSet scratch = new BitSet();

        HealthAwareSelector(BackendSelector scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public int next(BitSet excluded) {
            BitSet out = unhealthy();
            if (out == null) {
                return scheduler.next(excluded);
            }
            scratch.clear();
            if (excluded != null) {
                scratch.or(excluded);
            }
            HealthVerdicts.avoid(weights, out, scratch);
            return scheduler.next(scratch);
        }
    }

    /** The TLS context for HTTPS listeners, null otherwise. */
    public ReloadingSslContext tls() {
        return tls;
    }
}
