package dev.slb.proxy.routing;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One replica's memory of which backend each client address of a listener went to, so a client
 * keeps that backend for the persistence timeout even when the consistent hash would now send it
 * elsewhere (a backend that flapped unhealthy and back). Backends are named by address:port, so
 * the memory holds across reloads that reorder or add backends.
 *
 * <p>Bounded at {@value #MAX_ENTRIES} addresses per listener (about 10 MB at the bound): when full,
 * expired entries are swept (at most once a second) and, if none expired, a new client is not
 * remembered. It still gets the hash's pick, the same on every replica; it only loses the cover
 * against flaps. Safe to use from every event loop at once; the caller passes the time.
 */
public final class SourceAffinity {
    public static final int MAX_ENTRIES = 65_536;
    private static final long SWEEP_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    private record Entry(String backend, long lastUsedNanos) {}

    private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep = new AtomicLong(Long.MIN_VALUE);
    private final int maxEntries;

    public SourceAffinity() {
        this(MAX_ENTRIES);
    }

    /** A memory of at most {@code maxEntries} addresses (tests use a small one). */
    public SourceAffinity(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /**
     * The backend (address:port) {@code client} last went to, when that was less than
     * {@code timeout} before {@code nowNanos}; null otherwise.
     */
    public String backend(InetAddress client, long nowNanos, Duration timeout) {
        Entry e = entries.get(client);
        if (e == null || nowNanos - e.lastUsedNanos() >= timeout.toNanos()) {
            return null;
        }
        return e.backend();
    }

    /** Remembers that {@code client} went to {@code backend} at {@code nowNanos}, when there is room. */
    public void remember(InetAddress client, String backend, long nowNanos, Duration timeout) {
        if (timeout.isZero()) {
            return;
        }
        if (entries.size() >= maxEntries && !entries.containsKey(client)) {
            long last = lastSweep.get();
            if ((last == Long.MIN_VALUE || nowNanos - last >= SWEEP_EVERY_NANOS)
                    && lastSweep.compareAndSet(last, nowNanos)) {
                long limit = timeout.toNanos();
                entries.values().removeIf(e -> nowNanos - e.lastUsedNanos() >= limit);
            }
            if (entries.size() >= maxEntries) {
                return;
            }
        }
        entries.put(client, new Entry(backend, nowNanos));
    }

    /** How many addresses are remembered, expired ones included until swept. */
    public int size() {
        return entries.size();
    }
}
