package dev.slb.proxy.core;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.routing.BackendDepartures;
import dev.slb.proxy.routing.CloseSpread;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the backends a reload takes away from a listener (removed, or marked draining): they get
 * no new work at once (the new config has none for them), and their WebSocket and TCP connections
 * are closed after the listener's {@code connectionDrain}, each at a random point of the window's
 * last third, WebSocket with close code 1001 to both sides.
 */
public final class BackendDrains {
    private static final Logger log = LoggerFactory.getLogger(BackendDrains.class);

    private final Connections connections;
    private final ScheduledExecutorService scheduler;
    private final Supplier<ProxyConfig> current;

    public BackendDrains(Connections connections, ScheduledExecutorService scheduler, Supplier<ProxyConfig> current) {
        this.connections = connections;
        this.scheduler = scheduler;
        this.current = current;
    }

    /**
     * A reload went from {@code before} to {@code after}: start draining what left. Returns how many WebSocket and TCP
     * connections are on the backends that left, to be closed within their listener's connection drain.
     */
    public int reloaded(ProxyConfig before, ProxyConfig after) {
        if (before == null) {
            return 0;
        }
        int draining = 0;
        for (Listener next : after.listeners()) {
            Listener previous = before.listener(next.name()).orElse(null);
            if (previous != null) {
                for (Backend gone : BackendDepartures.leaving(previous, next)) {
                    draining += drain(next.name(), gone, next.connectionDrain());
                }
            }
        }
        return draining;
    }

    private int drain(String listener, Backend backend, Duration window) {
        InetSocketAddress address = new InetSocketAddress(backend.address(), backend.port());
        int open = connections.streamsOn(listener, address).size();
        log.info(
                "listener {}: backend {} is leaving; no new connections go to it, and its {} WebSocket/TCP connections"
                        + " close within {}",
                listener,
                address,
                open,
                window);
        schedule(() -> spread(listener, backend, address, window), CloseSpread.start(window));
        return open;
    }

    private void spread(String listener, Backend backend, InetSocketAddress address, Duration window) {
        ProxyConfig now = current.get();
        boolean back = now != null
                && now.listener(listener)
                        .map(l -> BackendDepartures.serving(l, backend.address(), backend.port()))
                        .orElse(false);
        if (back) {
            log.info("listener {}: backend {} is back; its connections stay", listener, address);
            return;
        }
        List<Connections.Drainable> streams = connections.streamsOn(listener, address);
        if (!streams.isEmpty()) {
            log.info("listener {}: closing the {} connections left on backend {}", listener, streams.size(), address);
        }
        for (Connections.Drainable stream : streams) {
            Duration at = CloseSpread.offset(window, ThreadLocalRandom.current().nextDouble());
            schedule(stream::backendGone, at);
        }
    }

    private void schedule(Runnable task, Duration delay) {
        try {
            if (delay.isZero() || delay.isNegative()) {
                scheduler.execute(task);
            } else {
                scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (RejectedExecutionException e) {
            // Stopping: the proxy's own drain closes what is left.
        }
    }
}
