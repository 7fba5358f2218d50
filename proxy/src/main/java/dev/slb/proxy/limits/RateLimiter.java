package dev.slb.proxy.limits;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits events at a steady rate with a burst of one second's worth, the generic cell rate
 * algorithm: one timestamp, the "theoretical arrival time", moved forward by one interval per
 * admitted event. Over any window of T seconds at most {@code rate * (T + 1)} events pass, and a
 * sustained load gets exactly {@code rate} per second. Safe from any thread: one CAS per event,
 * no lock and no timer. The caller passes the time ({@link System#nanoTime()}), so it is testable.
 */
public final class RateLimiter {
    private static final long SECOND = 1_000_000_000L;

    private final long perSecond;
    private final long intervalNanos;
    /** How far ahead of now the arrival time may run: one second of credit, the burst. */
    private final long burstNanos;

    private final AtomicLong arrival;

    /** @param perSecond events per second, at least 1 and at most one per nanosecond */
    public RateLimiter(long perSecond, long nowNanos) {
        if (perSecond < 1 || perSecond > SECOND) {
            throw new IllegalArgumentException("a rate is 1 to 1,000,000,000 per second, not " + perSecond);
        }
        this.perSecond = perSecond;
        this.intervalNanos = SECOND / perSecond;
        this.burstNanos = intervalNanos * perSecond;
        this.arrival = new AtomicLong(nowNanos);
    }

    public long perSecond() {
        return perSecond;
    }

    /**
     * Takes one event's worth of credit if there is some.
     *
     * @return 0 when the event is admitted, else how many nanoseconds until one would be
     */
    public long tryAcquire(long nowNanos) {
        while (true) {
            long current = arrival.get();
            // Idle time earns no credit beyond the burst: the clock restarts from now.
            long next = (current - nowNanos > 0 ? current : nowNanos) + intervalNanos;
            long ahead = next - nowNanos - burstNanos;
            if (ahead > 0) {
                return ahead;
            }
            if (arrival.compareAndSet(current, next)) {
                return 0;
            }
        }
    }
}
