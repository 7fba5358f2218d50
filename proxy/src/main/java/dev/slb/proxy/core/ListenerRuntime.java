package dev.slb.proxy.core;

import dev.slb.model.Backend;
import dev.slb.model.BackendGroup;
import dev.slb.model.Listener;
import dev.slb.proxy.metrics.BackendMetrics;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.metrics.ListenerMetrics;
import dev.slb.proxy.metrics.ProxyMetrics;
import dev.slb.proxy.routing.AccessRules;
import dev.slb.proxy.routing.BackendSelector;
import dev.slb.proxy.routing.BackendSelectors;
import dev.slb.proxy.routing.HealthVerdicts;
import dev.slb.proxy.routing.Maglev;
import dev.slb.proxy.routing.Routes;
import dev.slb.proxy.routing.SourceAffinity;
import dev.slb.proxy.routing.StickyTags;
import dev.slb.proxy.tls.ReloadingSslContext;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    /** The instance's own address for SLB-IP, or null while the config does not know it. */
    private final String instanceAddress;

    private final Listener config;
    private final AccessRules accessRules;
    /** The peers whose PROXY header is believed: everyone unless the listener names them. */
    private final AccessRules proxyProtocolPeers;

    private final List<Backend> backends;
    private final InetSocketAddress[] addresses;
    private final AtomicInteger[] load;
    private final int[] weights;
    private final boolean takesNewConnections;
    private final ReloadingSslContext tls;
    private final BackendHealth[] health;
    private final ListenerMetrics metrics;
    private final BackendMetrics[] backendMetrics;
    // Selectors are not thread-safe by design: one per event loop keeps scheduling lock-free.
    private final ConcurrentHashMap<EventLoop, BackendSelector> selectors = new ConcurrentHashMap<>();
    /** Each backend's sticky-session tag, or null when the listener keeps no sessions. */
    private final String[] stickyTags;
    /** The backend group this unit serves, or null for the listener's own backends (its default group). */
    private final String group;
    /** The listener's forwarding rules, or null when it has none (then every request stays here). */
    private final Routes routes;
    /** One unit per backend group, in the config's order: the same scheduling, health and load as the listener's own. */
    private final ListenerRuntime[] groups;
    /** Source-address persistence: this replica's memory of client picks, or null when the listener keeps none. */
    private final SourceAffinity affinity;
    /** Each backend as address:port, the name the hash table and the affinity memory know it by. */
    private final String[] backendKeys;
    /** The hash table over the backends new connections may take now, rebuilt when that set changes. */
    private volatile HashTable hashTable;

    private record HashTable(BitSet avoided, Maglev maglev) {}

    /** The backend group this unit serves, or null for the listener's own backends (its default group). */
    public String group() {
        return group;
    }

    public ListenerRuntime(Listener config, BackendLoad backendLoad, ReloadingSslContext tls) {
        this(null, config, backendLoad, tls, b -> new BackendHealth(), new ProxyMetrics());
    }

    /**
     * {@code instance} names the LoadBalancer (namespace/name, null when unknown) for the SLB-ID
     * header; {@code health} gives each backend's shared health state (the same object across reloads), and
     * {@code metrics} the listener's and each backend's counters (the same objects across reloads too).
     */
    public ListenerRuntime(
            String instance,
            Listener config,
            BackendLoad backendLoad,
            ReloadingSslContext tls,
            Function<Backend, BackendHealth> healthOf,
            ProxyMetrics metrics) {
        this(
                instance,
                null,
                config,
                backendLoad,
                tls,
                healthOf,
                config.persistence() == null ? null : new SourceAffinity(),
                metrics);
    }

    /**
     * As above, with {@code instanceAddress} the instance's own address for the SLB-IP header (null
     * while the config does not know it: SLB-IP then names the address the client connected to), and
     * {@code affinity} the listener's memory of client picks for source-address persistence (the same
     * object across reloads; null when the listener has no persistence).
     */
    public ListenerRuntime(
            String instance,
            String instanceAddress,
            Listener config,
            BackendLoad backendLoad,
            ReloadingSslContext tls,
            Function<Backend, BackendHealth> healthOf,
            SourceAffinity affinity,
            ProxyMetrics metrics) {
        this(instance, instanceAddress, config, null, backendLoad, tls, healthOf, affinity, metrics);
    }

    private ListenerRuntime(
            String instance,
            String instanceAddress,
            Listener config,
            String group,
            BackendLoad backendLoad,
            ReloadingSslContext tls,
            Function<Backend, BackendHealth> healthOf,
            SourceAffinity affinity,
            ProxyMetrics metrics) {
        this.instance = instance;
        this.instanceAddress = instanceAddress;
        this.config = config;
        this.group = group;
        // Parsed here, on the config thread: the config was validated, so every entry reads.
        this.accessRules = AccessRules.of(config.accessControl());
        this.proxyProtocolPeers = AccessRules.allowOnly(config.proxyProtocolTrustedCidrs());
        this.backends = config.backends();
        this.tls = tls;
        int n = backends.size();
        this.addresses = new InetSocketAddress[n];
        this.load = new AtomicInteger[n];
        this.weights = new int[n];
        this.health = new BackendHealth[n];
        this.backendKeys = new String[n];
        this.metrics = metrics.listener(config.name());
        this.backendMetrics = new BackendMetrics[n];
        for (int i = 0; i < n; i++) {
            Backend b = backends.get(i);
            backendKeys[i] = b.address() + ":" + b.port();
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
            backendMetrics[i] = metrics.backend(config.name(), Labels.backend(b.address(), b.port()));
        }
        this.takesNewConnections = BackendSelectors.takesNewConnections(weights);
        this.stickyTags = config.stickySession() == null ? null : new String[n];
        for (int i = 0; stickyTags != null && i < n; i++) {
            stickyTags[i] = StickyTags.tag(
                    config.stickySession().key(),
                    backends.get(i).address(),
                    backends.get(i).port());
        }
        List<BackendGroup> groupConfigs =
                group == null && config.protocol() != null && config.protocol().isHttp()
                        ? config.backendGroups()
                        : List.of();
        this.groups = new ListenerRuntime[groupConfigs.size()];
        Map<String, Integer> index = new HashMap<>();
        for (int g = 0; g < groups.length; g++) {
            BackendGroup bg = groupConfigs.get(g);
            // The same listener (name, timeouts, health check, drain) over the group's backends and
            // scheduler: health is kept per (listener, backend), so a backend in two groups is one backend.
            Listener view = config.toBuilder()
                    .backends(bg.backends())
                    .scheduler(bg.scheduler())
                    .backendGroups(null)
                    .rules(null)
                    .noDefaultGroup(false)
                    .build();
            groups[g] = new ListenerRuntime(
                    instance, instanceAddress, view, bg.name(), backendLoad, null, healthOf, null, metrics);
            index.put(bg.name(), g);
        }
        this.routes = config.rules().isEmpty() || groups.length == 0 ? null : Routes.of(config.rules(), index);
        this.affinity = config.persistence() == null ? null : Objects.requireNonNull(affinity, "affinity");
        // Built here, on the config thread, for the usual case of every backend healthy.
        this.hashTable = affinity == null ? null : new HashTable(null, Maglev.build(backendKeys, weights, null));
    }

    /** True when new connections go by the client's source address (persistence) rather than by the scheduler. */
    public boolean persistent() {
        return affinity != null;
    }

    /**
     * The selector for a new connection from {@code client} on a persistent listener: the backend
     * this replica remembers for it (within the timeout, when that backend can take work now), else
     * the consistent hash's pick over the healthy backends, which every replica makes alike.
     */
    public BackendSelector persistentSelector(InetAddress client) {
        return excluded -> persistentPick(client, excluded);
    }

    private int persistentPick(InetAddress client, BitSet excluded) {
        long now = System.nanoTime();
        String kept = affinity.backend(client, now, config.persistence().timeout());
        if (kept != null) {
            for (int i = 0; i < backendKeys.length; i++) {
                if (backendKeys[i].equals(kept)) {
                    if (weights[i] > 0 && health[i].available(now) && (excluded == null || !excluded.get(i))) {
                        return i;
                    }
                    break;
                }
            }
        }
        return hashTable().maglev().lookup(Maglev.clientHash(client.getAddress()), excluded);
    }

    /** A new connection from {@code client} on a persistent listener went to {@code backend}: remembered. */
    public void persisted(InetAddress client, int backend) {
        affinity.remember(
                client,
                backendKeys[backend],
                System.nanoTime(),
                config.persistence().timeout());
    }

    private HashTable hashTable() {
        BitSet out = unhealthy();
        BitSet avoided = null;
        if (out != null) {
            avoided = new BitSet(weights.length);
            // Failing open as the scheduler does: with every backend out, the table spans them all.
            if (HealthVerdicts.avoid(weights, out, avoided) || avoided.isEmpty()) {
                avoided = null;
            }
        }
        HashTable current = hashTable;
        if (Objects.equals(current.avoided(), avoided)) {
            return current;
        }
        // A health change: rebuilt by the first connection that sees it (a few milliseconds), then shared.
        HashTable rebuilt = new HashTable(avoided, Maglev.build(backendKeys, weights, avoided));
        hashTable = rebuilt;
        return rebuilt;
    }

    /** True when requests are routed by rules; false (the common case) when every request stays on this listener. */
    public boolean hasRules() {
        return routes != null;
    }

    /**
     * Where a request goes by the listener's rules: a backend group's unit, or this listener (its
     * default group; when {@code config().noDefaultGroup()}, the request is answered 404), or null
     * for a path that cannot be routed safely ({@link #routeProblem} says why; the answer is 400).
     */
    public ListenerRuntime route(String hostHeader, String target) {
        if (routes == null) {
            return this;
        }
        int g = routes.route(hostHeader, target);
        return g == Routes.REFUSED ? null : g == Routes.NO_MATCH ? this : groups[g];
    }

    /** Why {@link #route} answered null for this request, in words for the client. */
    public String routeProblem(String hostHeader, String target) {
        return routes == null ? null : routes.problem(hostHeader, target);
    }

    /** Backend {@code i}'s sticky-session tag; only on a listener with a sticky session. */
    public String stickyTag(int backend) {
        return stickyTags[backend];
    }

    /**
     * The backend a sticky-session tag names, when it can take new work now (in the config, weight
     * above 0, not draining, healthy and not ejected); -1 otherwise, and the request is scheduled
     * anew and the cookie set again.
     */
    public int stickyBackend(String tag) {
        if (stickyTags == null || tag == null) {
            return -1;
        }
        long now = System.nanoTime();
        for (int i = 0; i < stickyTags.length; i++) {
            if (stickyTags[i].equals(tag)) {
                return weights[i] > 0 && health[i].available(now) ? i : -1;
            }
        }
        return -1;
    }

    /** True when this is a listener whose requests matched no rule and that has no default group: they get 404. */
    public boolean routesNowhere() {
        return group == null && config.noDefaultGroup();
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
        String of = group == null
                ? "listener '" + name() + "'"
                : "backend group '" + group + "' of listener '" + name() + "'";
        return addresses.length == 0
                ? of + " has no backends"
                : "every backend of " + of + " has weight 0 or is draining, and takes no new connections";
    }

    public Listener config() {
        return config;
    }

    /** The LoadBalancer this listener belongs to, as namespace/name; null when the config does not say. */
    public String instance() {
        return instance;
    }

    /** The instance's own address, for SLB-IP; null while the config does not know it. */
    public String instanceAddress() {
        return instanceAddress;
    }

    /** Which client addresses this listener serves. */
    public AccessRules accessRules() {
        return accessRules;
    }

    /** With proxyProtocol: the peers (outer load balancers) whose header this listener believes. */
    public AccessRules proxyProtocolPeers() {
        return proxyProtocolPeers;
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

    /** The listener's metrics (a backend group's unit shares its listener's). */
    public ListenerMetrics metrics() {
        return metrics;
    }

    /** Backend {@code i}'s metrics. */
    public BackendMetrics metrics(int backend) {
        return backendMetrics[backend];
    }

    /** Backend {@code i} answered a request with {@code status}: counted on the listener and on the backend. */
    public void answered(int backend, int status) {
        metrics.responded(status);
        backendMetrics[backend].responded(status);
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
