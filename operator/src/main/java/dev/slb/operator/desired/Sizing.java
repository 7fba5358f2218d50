package dev.slb.operator.desired;

import dev.slb.model.Limits;
import dev.slb.operator.api.Tier;

/**
 * How many proxy replicas a tier runs and each replica's share of the tier's limits.
 *
 * <p>Provisional: the per-replica capacity below is assumed, not measured; the capacity issue
 * replaces it with figures measured in {@code bench/}. Every replica has the same pod size, so a
 * tier only sets the replica count and the limits carried in the config.
 *
 * <pre>
 *   capacity per replica  C = 100,000 connections, 25,000 new connections/s, 25,000 requests/s
 *   headroom              h = 0.7 (a replica is sold at 70% of what it can do)
 *   replicas  = max( ceil(tier.maxConnections          / (C.connections    * h)),
 *                    ceil(tier.newConnectionsPerSecond / (C.newConnections * h)),
 *                    ceil(tier.requestsPerSecond       / (C.requests       * h)),
 *                    2 )                          guaranteed tiers: two replicas at least, for availability
 *   replicas  = 1, limits unlimited               shared (best effort)
 *   per-replica limit = ceil(tier limit / replicas)   for each of the three limits
 * </pre>
 *
 * @param replicas   proxy replicas the tier runs
 * @param perReplica each replica's share of the tier's limits
 */
public record Sizing(int replicas, Limits perReplica) {
    public static final long CAPACITY_CONNECTIONS = 100_000;
    public static final long CAPACITY_NEW_CONNECTIONS_PER_SECOND = 25_000;
    public static final long CAPACITY_REQUESTS_PER_SECOND = 25_000;
    /** The share of a replica's capacity that is sold, in percent (the headroom factor 0.7). */
    public static final long HEADROOM_PERCENT = 70;
    public static final int MIN_GUARANTEED_REPLICAS = 2;

    public static Sizing of(Tier tier) {
        if (!tier.guaranteed()) {
            return new Sizing(1, Limits.UNLIMITED);
        }
        long replicas = Math.max(MIN_GUARANTEED_REPLICAS,
                Math.max(ceilDiv(tier.maxConnections(), sellable(CAPACITY_CONNECTIONS)),
                        Math.max(ceilDiv(tier.newConnectionsPerSecond(), sellable(CAPACITY_NEW_CONNECTIONS_PER_SECOND)),
                                ceilDiv(tier.requestsPerSecond(), sellable(CAPACITY_REQUESTS_PER_SECOND)))));
        return new Sizing(Math.toIntExact(replicas), new Limits(
                ceilDiv(tier.maxConnections(), replicas),
                ceilDiv(tier.newConnectionsPerSecond(), replicas),
                ceilDiv(tier.requestsPerSecond(), replicas)));
    }

    private static long sellable(long capacity) {
        return capacity * HEADROOM_PERCENT / 100;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
