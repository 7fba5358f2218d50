package dev.slb.operator.desired;

import dev.slb.model.Limits;
import dev.slb.operator.api.Tier;

/**
 * How many proxy replicas a tier runs and each replica's share of the tier's limits, derived from
 * what one replica was measured to do in {@code bench/} (figures and commands in
 * {@code bench/RESULTS.md}). Every replica has the same pod size (1 CPU, 1 GiB), so a tier only
 * sets the replica count and the limits carried in the config.
 *
 * <pre>
 *   measured on one core, as a proxy pod gets:
 *     h  = live Java heap per idle WebSocket connection (client and backend side together)
 *     cN = proxy CPU per new connection (accept, upgrade, one message, close handshake)
 *     cR = proxy CPU per HTTP keep-alive request
 *   capacity of one replica:
 *     connections  C = (H / 2) / h     H = the JVM's default heap in a 1 GiB pod (a quarter: 256 MiB);
 *                                      live data kept to half of it, so the collector has room
 *     CPU          1 core-second per second
 *   headroom k = 0.7: a replica is sold at 70% of what it can do
 *   replicas = max( ceil( tier.maxConnections / (C * k) ),
 *                   ceil( (tier.newConnectionsPerSecond * cN + tier.requestsPerSecond * cR) / k ),
 *                   2 )                          guaranteed tiers: two replicas at least, for availability
 *   replicas = 1, limits unlimited               shared (best effort)
 *   per-replica limit = ceil(tier limit / replicas)   for each of the three limits
 * </pre>
 *
 * New connections and requests draw on the same core, so their CPU adds up rather than taking
 * the larger of the two. WebSocket messages are not a tier limit; the 30% kept back is also what
 * carries them. The kernel's memory for the sockets (two per connection) is outside the heap but
 * inside the pod's memory limit; {@code SizingTest} checks that a replica at {@code C}
 * connections still fits in 1 GiB.
 *
 * @param replicas   proxy replicas the tier runs
 * @param perReplica each replica's share of the tier's limits
 */
public record Sizing(int replicas, Limits perReplica) {
    /** The proxy pod's memory limit (OperatorSettings' default). */
    public static final long POD_MEMORY_BYTES = 1024L * 1024 * 1024;
    /** The JVM's default maximum heap in that pod: a quarter of its memory. */
    public static final long HEAP_BYTES = POD_MEMORY_BYTES / 4;
    /** Measured: live heap per idle WebSocket connection, rounded up. */
    public static final long LIVE_HEAP_BYTES_PER_CONNECTION = 3_400;
    /** Measured: kernel memory (slab) per idle WebSocket connection, the proxy's two sockets, rounded up. */
    public static final long KERNEL_BYTES_PER_CONNECTION = 10_000;
    /** Measured: the proxy process's memory outside the heap's live data, warmed and idle (RSS), rounded up. */
    public static final long BASELINE_BYTES = 160L * 1024 * 1024;
    /** Measured: proxy CPU per new WebSocket connection in nanoseconds, rounded up. */
    public static final long CPU_NANOS_PER_NEW_CONNECTION = 90_000;
    /** Measured: proxy CPU per HTTP keep-alive request in nanoseconds, rounded up. */
    public static final long CPU_NANOS_PER_REQUEST = 15_000;
    /** The share of a replica's capacity that is sold, in percent (the headroom factor 0.7). */
    public static final long HEADROOM_PERCENT = 70;

    public static final int MIN_GUARANTEED_REPLICAS = 2;

    /** Connections one replica holds: {@code C = (H / 2) / h}. */
    public static final long CONNECTIONS_PER_REPLICA = HEAP_BYTES / 2 / LIVE_HEAP_BYTES_PER_CONNECTION;

    private static final long CORE_NANOS_PER_SECOND = 1_000_000_000L;

    public static Sizing of(Tier tier) {
        if (!tier.guaranteed()) {
            return new Sizing(1, Limits.UNLIMITED);
        }
        long byConnections = ceilDiv(tier.maxConnections() * 100, CONNECTIONS_PER_REPLICA * HEADROOM_PERCENT);
        long cpuNanosPerSecond = tier.newConnectionsPerSecond() * CPU_NANOS_PER_NEW_CONNECTION
                + tier.requestsPerSecond() * CPU_NANOS_PER_REQUEST;
        long byCpu = ceilDiv(cpuNanosPerSecond * 100, CORE_NANOS_PER_SECOND * HEADROOM_PERCENT);
        long replicas = Math.max(MIN_GUARANTEED_REPLICAS, Math.max(byConnections, byCpu));
        return new Sizing(
                Math.toIntExact(replicas),
                new Limits(
                        ceilDiv(tier.maxConnections(), replicas),
                        ceilDiv(tier.newConnectionsPerSecond(), replicas),
                        ceilDiv(tier.requestsPerSecond(), replicas)));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
