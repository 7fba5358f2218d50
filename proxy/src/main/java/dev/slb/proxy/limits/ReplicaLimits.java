package dev.slb.proxy.limits;

import dev.slb.model.Limits;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * This replica's share of the tier's limits, enforced: concurrent client connections, new client
 * connections per second and HTTP requests per second, with a count of everything refused. A
 * reload swaps the limits in place; established connections are never touched, and a rate whose
 * value stays keeps its bucket, so reloading does not hand out a fresh burst.
 */
public final class ReplicaLimits {

    /** Why a new connection was refused; the name is the limit, as the config spells it. */
    public enum Refusal {
        MAX_CONNECTIONS("maxConnections"),
        NEW_CONNECTION_RATE("newConnectionsPerSecond");

        private final String limit;

        Refusal(String limit) {
            this.limit = limit;
        }

        public String limit() {
            return limit;
        }
    }

    private record Settings(Limits limits, long maxConnections, RateLimiter newConnections, RateLimiter requests) {}

    private volatile Settings settings;
    private final AtomicLong open = new AtomicLong();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refusedMaxConnections = new LongAdder();
    private final LongAdder refusedNewConnectionRate = new LongAdder();
    private final LongAdder rejectedRequests = new LongAdder();

    public ReplicaLimits(Limits limits, long nowNanos) {
        apply(limits, nowNanos);
    }

    /** Applies new limits; only new connections and new requests see them. */
    public synchronized void apply(Limits limits, long nowNanos) {
        Settings old = settings;
        settings = new Settings(
                limits,
                limits.maxConnections() == null ? Long.MAX_VALUE : limits.maxConnections(),
                rate(limits.newConnectionsPerSecond(), old == null ? null : old.newConnections(), nowNanos),
                rate(limits.requestsPerSecond(), old == null ? null : old.requests(), nowNanos));
    }

    private static RateLimiter rate(Long perSecond, RateLimiter current, long nowNanos) {
        if (perSecond == null) {
            return null;
        }
        return current != null && current.perSecond() == perSecond ? current : new RateLimiter(perSecond, nowNanos);
    }

    public Limits limits() {
        return settings.limits();
    }

    /**
     * Decides on a connection just accepted. When it is admitted it counts as open until
     * {@link #closed()}; when refused, it was never counted and the refusal is.
     *
     * @return null when admitted, else the limit that refused it
     */
    public Refusal admit(long nowNanos) {
        Settings s = settings;
        if (open.incrementAndGet() > s.maxConnections()) {
            open.decrementAndGet();
            refusedMaxConnections.increment();
            return Refusal.MAX_CONNECTIONS;
        }
        if (s.newConnections() != null && s.newConnections().tryAcquire(nowNanos) > 0) {
            open.decrementAndGet();
            refusedNewConnectionRate.increment();
            return Refusal.NEW_CONNECTION_RATE;
        }
        accepted.increment();
        return null;
    }

    /** An admitted connection closed. */
    public void closed() {
        open.decrementAndGet();
    }

    /**
     * Decides on an HTTP request (a WebSocket upgrade is one; its frames are not).
     *
     * @return 0 when it may go on, else the nanoseconds until a request would be admitted
     */
    public long requestDelay(long nowNanos) {
        RateLimiter requests = settings.requests();
        if (requests == null) {
            return 0;
        }
        long delay = requests.tryAcquire(nowNanos);
        if (delay > 0) {
            rejectedRequests.increment();
        }
        return delay;
    }

    public long open() {
        return open.get();
    }

    public long accepted() {
        return accepted.sum();
    }

    public long refused(Refusal reason) {
        return switch (reason) {
            case MAX_CONNECTIONS -> refusedMaxConnections.sum();
            case NEW_CONNECTION_RATE -> refusedNewConnectionRate.sum();
        };
    }

    public long rejectedRequests() {
        return rejectedRequests.sum();
    }
}
