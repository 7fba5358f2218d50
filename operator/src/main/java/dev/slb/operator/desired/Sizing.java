package dev.slb.operator.desired;

import dev.slb.model.Limits;
import dev.slb.operator.api.Tier;

/**
 * How many proxy replicas a tier runs and each replica's share of the tier's limits, derived from
 * what one replica was measured to do in {@code bench/} (see {@code bench/RESULTS.md}). Every
 * replica has the same pod size (1 CPU, 1 GiB), so a tier only sets the replica count and the
 * limits carried in the config.
 *
 * <pre>
 *   measured, one replica on one core:
 *     m  = memory per idle WebSocket connection (RSS, client and backend side together)
 *     cN = proxy CPU per new connection (accept, upgrade, one message, close handshake)
 *     cR = proxy CPU per HTTP keep-alive request
 *   capacity of one replica:
 *     connections  C = M / m       M = the memory a 1 GiB pod gives to connections
 *     CPU          1 core-second per second
 *   headroom h = 0.7: a replica is sold at 70% of what it can do
 *   replicas = max( ceil( tier.maxConnections / (C * h) ),
 *                   ceil( (tier.newConnectionsPerSecond * cN + tier.requestsPerSecond * cR) / h ),
 *                   2 )                          guaranteed tiers: two replicas at least, for availability
 *   replicas = 1, limits unlimited               shared (best effort)
 *   per-replica limit = ceil(tier limit / replicas)   for each of the three limits
 * </pre>
 *
 * New connections and requests draw on the same core, so their CPU adds up rather than taking
 * the larger of the two. WebSocket messages are not a tier limit; the 30% kept back is also what
 * carries them.
 *
 * @param replicas   proxy replicas the tier runs
 * @param perReplica each replica's share of the tier's limits
 */
public record Sizing(int replicas, Limits perReplica) {
    /** The memory a 1 GiB proxy pod gives to connections: the rest is the JVM's own, buffers in flight and kernel socket memory. */
    public static final long CONNECTION_MEMORY_BYTES = 512L * 1024 * 1024;
    /** Measured: bytes per idle WebSocket connection, both sides (bench/RESULTS.md), rounded up. */
    public static final long BYTES_PER_CONNECTION = 6_144;
    /** Measured: proxy CPU per new WebSocket connection in nanoseconds (bench/RESULTS.md), rounded up. */
    public static final long CPU_NANOS_PER_NEW_CONNECTION = 150_000;
    /** Measured: proxy CPU per HTTP keep-alive request in nanoseconds (bench/RESULTS.md), rounded up. */
    public static final long CPU_NANOS_PER_REQUEST = 15_000;
    /** The share of a replica's capacity that is sold, in percent (the headroom factor 0.7). */
    public static final long HEADROOM_PERCENT = 70;
    public static final int MIN_GUARANTEED_REPLICAS = 2;

    private static final long CORE_NANOS_PER_SECOND = 1_000_000_000L;

    /** Connections one replica holds: {@code C = M / m}. */
    public static final long CONNECTIONS_PER_REPLICA = CONNECTION_MEMORY_BYTES / BYTES_PER_CONNECTION;

    public static Sizing of(Tier tier) {
        if (!tier.guaranteed()) {
            return new Sizing(1, Limits.UNLIMITED);
        }
        long byConnections = ceilDiv(tier.maxConnections() * 100, CONNECTIONS_PER_REPLICA * HEADROOM_PERCENT);
        long cpuNanosPerSecond = tier.newConnectionsPerSecond() * CPU_NANOS_PER_NEW_CONNECTION
                + tier.requestsPerSecond() * CPU_NANOS_PER_REQUEST;
        long byCpu = ceilDiv(cpuNanosPerSecond * 100, CORE_NANOS_PER_SECOND * HEADROOM_PERCENT);
        long replicas = Math.max(MIN_GUARANTEED_REPLICAS, Math.max(byConnections, byCpu));
        return new Sizing(Math.toIntExact(replicas), new Limits(
                ceilDiv(tier.maxConnections(), replicas),
                ceilDiv(tier.newConnectionsPerSecond(), replicas),
                ceilDiv(tier.requestsPerSecond(), replicas)));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
