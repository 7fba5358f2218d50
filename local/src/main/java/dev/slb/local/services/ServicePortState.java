package dev.slb.local.services;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One Service port of a {@link ServiceProxy}: its ready endpoints, its listener, and its counts. */
final class ServicePortState {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceProxy.class);
    /** Connect failures repeat per connection while a pod dies; one line per period is enough. */
    private static final long WARN_PERIOD_NANOS = 10_000_000_000L;

    private final int port;
    // Replaced whole, never mutated: an accept reads one consistent snapshot without a lock.
    private volatile List<InetSocketAddress> ready = List.of();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicBoolean warnedNoEndpoint = new AtomicBoolean();
    private final AtomicLong lastConnectWarnNanos = new AtomicLong(System.nanoTime() - WARN_PERIOD_NANOS);
    private final AtomicLong connectWarnsHeld = new AtomicLong();
    private volatile String name;
    private volatile Channel listener;
    /** Whether each new connection to this port starts with a PROXY protocol header naming its client. */
    private volatile boolean proxyProtocol;

    ServicePortState(int port) {
        this.port = port;
        this.name = "service port " + port;
    }

    void listening(Channel channel, String name) {
        this.listener = channel;
        this.name = name;
    }

    Channel listener() {
        return listener;
    }

    String name() {
        return name;
    }

    void ready(List<InetSocketAddress> endpoints) {
        List<InetSocketAddress> copy = List.copyOf(endpoints);
        ready = copy;
        LOG.debug("{}: ready endpoints {}", name, copy);
        if (!copy.isEmpty() && warnedNoEndpoint.getAndSet(false)) {
            LOG.info("{}: {} ready endpoint(s) again; accepting connections", name, copy.size());
        }
    }

    /**
     * Where one new connection goes: the next ready endpoint in turn, then the one after it as the
     * single retry when the first refuses; empty when none is ready.
     */
    List<InetSocketAddress> pick() {
        List<InetSocketAddress> snapshot = ready;
        int size = snapshot.size();
        if (size == 0) {
            return List.of();
        }
        int first = Math.floorMod(next.getAndIncrement(), size);
        if (size == 1) {
            return List.of(snapshot.get(first));
        }
        return List.of(snapshot.get(first), snapshot.get((first + 1) % size));
    }

    void refuse() {
        refused.incrementAndGet();
        // Once per spell without endpoints: every client of a Service with no ready pod fails alike.
        if (!warnedNoEndpoint.getAndSet(true)) {
            LOG.warn(
                    "{}: no ready endpoint (no pod of this Service is ready); closing new connections until one is",
                    name);
        }
    }

    long refused() {
        return refused.get();
    }

    void connectFailed(InetSocketAddress endpoint, Throwable cause, InetSocketAddress retry) {
        long now = System.nanoTime();
        long last = lastConnectWarnNanos.get();
        if (now - last < WARN_PERIOD_NANOS || !lastConnectWarnNanos.compareAndSet(last, now)) {
            connectWarnsHeld.incrementAndGet();
            return;
        }
        long held = connectWarnsHeld.getAndSet(0);
        String then = retry == null
                ? "closing the client connection"
                : "trying " + retry.getAddress().getHostAddress() + ":" + retry.getPort();
        LOG.warn(
                "{}: cannot connect to endpoint {}:{} ({}); {}{}",
                name,
                endpoint.getAddress().getHostAddress(),
                endpoint.getPort(),
                cause.getMessage(),
                then,
                held == 0 ? "" : " (" + held + " more connect failures in the last 10s)");
    }

    int port() {
        return port;
    }

    void proxyProtocol(boolean on) {
        if (proxyProtocol != on) {
            LOG.info("{}: {}", name, on ? "new connections start with a PROXY protocol v2 header" : "no PROXY header");
        }
        proxyProtocol = on;
    }

    boolean proxyProtocol() {
        return proxyProtocol;
    }
}
