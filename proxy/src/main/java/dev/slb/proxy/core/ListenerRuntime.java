package dev.slb.proxy.core;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.proxy.routing.BackendSelector;
import dev.slb.proxy.routing.BackendSelectors;
import dev.slb.proxy.tls.ReloadingSslContext;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener's serving state for one config version. Connections read the newest one when they
 * are accepted and, on HTTP, at each request, so a reload reaches them without touching what is
 * already in flight.
 */
public final class ListenerRuntime {
    private static final Logger log = LoggerFactory.getLogger(ListenerRuntime.class);

    private final Listener config;
    private final List<Backend> backends;
    private final InetSocketAddress[] addresses;
    private final AtomicInteger[] load;
    private final int[] weights;
    private final boolean takesNewConnections;
    private final ReloadingSslContext tls;
    // Selectors are not thread-safe by design: one per event loop keeps scheduling lock-free.
    private final ConcurrentHashMap<EventLoop, BackendSelector> selectors = new ConcurrentHashMap<>();

    public ListenerRuntime(Listener config, BackendLoad backendLoad, ReloadingSslContext tls) {
        this.config = config;
        this.backends = config.backends();
        this.tls = tls;
        int n = backends.size();
        this.addresses = new InetSocketAddress[n];
        this.load = new AtomicInteger[n];
        this.weights = new int[n];
        for (int i = 0; i < n; i++) {
            Backend b = backends.get(i);
            // Resolved here, on the config thread, never on an event loop. A name that does not
            // resolve stays unresolved: connecting to it fails and the next backend is tried.
            addresses[i] = new InetSocketAddress(b.address(), b.port());
            if (addresses[i].isUnresolved()) {
                log.warn("listener {}: backend {} does not resolve; it will be skipped", config.name(), b.address());
            }
            load[i] = backendLoad.counter(addresses[i]);
            weights[i] = b.weightValue();
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
                : "every backend of listener '" + name() + "' has weight 0 and takes no new connections";
    }

    public Listener config() {
        return config;
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
                    loop, l -> BackendSelectors.create(config.scheduler(), weights, i -> load[i].get()));
        }
        return s;
    }

    /** The TLS context for HTTPS listeners, null otherwise. */
    public ReloadingSslContext tls() {
        return tls;
    }
}
