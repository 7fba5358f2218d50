package dev.slb.proxy.health;

import dev.slb.model.Backend;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.core.BackendHealth;
import dev.slb.proxy.core.Transport;
import dev.slb.proxy.routing.HealthVerdicts.Standing;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of one replica: every backend of every listener with a check is probed on
 * its own schedule, on the I/O event loops (no thread per backend), at most one probe in flight
 * each, the first at a random point of the interval and each next one with jitter, so probes of
 * many backends spread instead of firing together. A reload keeps the state of every (listener,
 * backend) it keeps; a new backend starts healthy.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    /** How far each interval may stray either way (a tenth), so probes that met once drift apart. */
    private static final double JITTER = 0.1;

    private final EventLoopGroup loops;
    private final Transport transport;
    private final Consumer<InetSocketAddress> onUnhealthy;
    private final ConcurrentHashMap<Key, BackendHealth> states = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, Checked> checked = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** One backend of one listener. */
    record Key(String listener, String address, int port) {}

    /** What one replica reports of one checked backend. */
    public record Report(
            String listener, String address, int port, boolean healthy, String lastFailure, int ejections) {}

    /**
     * @param onUnhealthy told (on an event loop) the address of a backend that just turned unhealthy,
     *                    so its pooled keep-alive connections can be closed
     */
    public HealthChecker(EventLoopGroup loops, Transport transport, Consumer<InetSocketAddress> onUnhealthy) {
        this.loops = loops;
        this.transport = transport;
        this.onUnhealthy = onUnhealthy;
    }

    /**
     * The health states a config would use, reusing those of the backends the current one checks
     * alike. Nothing starts or stops until {@link Plan#commit()}, so a config that fails to apply
     * changes nothing.
     */
    public Plan plan(ProxyConfig next) {
        Map<Key, BackendHealth> states = new HashMap<>();
        Map<Key, Checked> wanted = new HashMap<>();
        for (Listener l : next.listeners()) {
            for (Backend b : l.allBackends()) {
                Key key = new Key(l.name(), b.address(), b.port());
                BackendHealth health = states.computeIfAbsent(key, k -> {
                    BackendHealth kept = this.states.get(k);
                    return kept != null ? kept : new BackendHealth();
                });
                if (l.healthCheck() == null) {
                    continue;
                }
                Checked current = checked.get(key);
                if (current != null
                        && current.check.equals(l.healthCheck())
                        && current.proxyHeader == l.backendProxyProtocol()) {
                    wanted.put(key, current);
                } else {
                    wanted.put(key, new Checked(key, l.healthCheck(), l.backendProxyProtocol(), health, loops.next()));
                }
            }
        }
        return new Plan(states, wanted);
    }

    /** The health states of one config, ready to be put in force. */
    public final class Plan {
        private final Map<Key, BackendHealth> states;
        private final Map<Key, Checked> wanted;

        private Plan(Map<Key, BackendHealth> states, Map<Key, Checked> wanted) {
            this.states = states;
            this.wanted = wanted;
        }

        /** Backend {@code b}'s health on listener {@code l}, the same object for as long as the listener keeps it. */
        public BackendHealth health(Listener l, Backend b) {
            return states.get(new Key(l.name(), b.address(), b.port()));
        }

        /** Starts the probes of new backends and checks, and stops those the config no longer has. */
        public void commit() {
            for (Map.Entry<Key, Checked> e : checked.entrySet()) {
                if (wanted.get(e.getKey()) != e.getValue()) {
                    e.getValue().stop();
                }
            }
            checked.keySet().retainAll(wanted.keySet());
            HealthChecker.this.states.keySet().retainAll(states.keySet());
            HealthChecker.this.states.putAll(states);
            for (Map.Entry<Key, Checked> e : wanted.entrySet()) {
                Checked before = checked.put(e.getKey(), e.getValue());
                if (before != e.getValue() && !closed) {
                    e.getValue().start();
                }
            }
        }
    }

    /** Every backend as this replica sees it now: healthy means new work may go to it (checks pass, not ejected). */
    public List<Report> report() {
        List<Report> reports = new ArrayList<>();
        long now = System.nanoTime();
        states.forEach((k, h) -> reports.add(new Report(
                k.listener(),
                k.address(),
                k.port(),
                h.available(now),
                h.ejected(now) ? "ejected: " + h.lastFailure() : h.lastFailure(),
                h.ejections())));
        reports.sort(java.util.Comparator.comparing(Report::listener)
                .thenComparing(Report::address)
                .thenComparingInt(Report::port));
        return reports;
    }

    @Override
    public void close() {
        closed = true;
        checked.values().forEach(Checked::stop);
        checked.clear();
        states.clear();
    }

    /** The probing of one backend under one check; its standing is touched on its event loop only. */
    private final class Checked {
        final Key key;
        final HealthCheck check;
        /**
         * The PROXY protocol header each probe starts with, or null: the listener's
         * backendProxyProtocol when the check targets the traffic port.
         */
        final ProxyProtocolVersion proxyHeader;

        final BackendHealth health;
        final EventLoop loop;
        final InetSocketAddress target;
        final String host;
        Standing standing;
        volatile boolean stopped;
        volatile ScheduledFuture<?> next;

        Checked(Key key, HealthCheck check, ProxyProtocolVersion proxyHeader, BackendHealth health, EventLoop loop) {
            this.key = key;
            this.check = check;
            this.health = health;
            this.loop = loop;
            int port = check.port() != null ? check.port() : key.port();
            // A check on another port than the traffic's (a management endpoint) reaches something
            // that was not told to expect the header: it gets none.
            this.proxyHeader = port == key.port() ? proxyHeader : null;
            // Resolved here, on the config thread, as the listener's own addresses are.
            this.target = new InetSocketAddress(key.address(), port);
            this.host = key.address().contains(":") ? "[" + key.address() + "]:" + port : key.address() + ":" + port;
            this.standing = new Standing(health.healthy(), 0);
        }

        void start() {
            long interval = check.interval().toNanos();
            schedule((long) (ThreadLocalRandom.current().nextDouble() * interval));
        }

        void stop() {
            stopped = true;
            ScheduledFuture<?> f = next;
            if (f != null) {
                f.cancel(false);
            }
        }

        private void schedule(long delayNanos) {
            if (stopped) {
                return;
            }
            try {
                next = loop.schedule(this::probe, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // The loops are shutting down: the proxy is stopping.
            }
        }

        private void probe() {
            if (stopped) {
                return;
            }
            long start = System.nanoTime();
            Probe.run(loop, transport, check, target, host, proxyHeader).addListener(f -> {
                String failure = (String) f.getNow();
                long took = System.nanoTime() - start;
                Standing before = standing;
                standing = before.next(failure == null, check.healthyThreshold(), check.unhealthyThreshold());
                if (stopped) {
                    return;
                }
                if (failure == null) {
                    health.probePassed(check.healthyThreshold());
                } else {
                    health.probeFailed();
                }
                if (health.record(standing.healthy(), failure)) {
                    if (standing.healthy()) {
                        log.info("listener {}: backend {} is healthy again", key.listener(), target);
                    } else {
                        log.warn(
                                "listener {}: backend {} is unhealthy ({}); no new connections or requests go to it",
                                key.listener(),
                                target,
                                failure);
                        onUnhealthy.accept(new InetSocketAddress(key.address(), key.port()));
                    }
                }
                long interval = check.interval().toNanos();
                long jitter = (long) ((ThreadLocalRandom.current().nextDouble() * 2 - 1) * JITTER * interval);
                schedule(interval - took + jitter);
            });
        }
    }
}
