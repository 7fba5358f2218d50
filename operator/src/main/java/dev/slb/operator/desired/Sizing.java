package dev.slb.operator.desired;

import dev.slb.model.Limits;
import dev.slb.operator.api.Tier;
import java.util.List;

/**
 * How many proxy replicas a tier runs, in which pod shape, and each replica's share of the tier's
 * limits, derived from what one replica was measured to do in {@code bench/} (figures and commands
 * in {@code bench/RESULTS.md}).
 *
 * <pre>
 *   measured on one core, as a proxy pod gets:
 *     h  = live Java heap per idle WebSocket connection (client and backend side together)
 *     cN = proxy CPU per new connection (accept, upgrade, one message, close handshake)
 *     cR = proxy CPU per HTTP keep-alive request
 *   a pod shape: 1 CPU and M GiB of memory, M in 1..4; the JVM's default heap is a quarter of it
 *   capacity of one replica of shape M:
 *     connections  C(M) = (M / 4 / 2) / h     live data kept to half the heap, so the collector has room
 *     CPU          1 core-second per second
 *   headroom k = 0.7: a replica is sold at 70% of what it can do
 *   needs, in replicas:  cpu = (tier.newConnectionsPerSecond * cN + tier.requestsPerSecond * cR) / k
 *                        mem(M) = tier.maxConnections / (C(M) * k)
 *   replicas(M) = max( ceil(cpu), ceil(mem(M)), 2 )    guaranteed tiers: two at least, for availability;
 *                 one more while a replica at its rounded-up share of the limits is sold above 70%
 *   shape: the M with the fewest replicas among those that provision their non-binding resource at
 *          most 1.5 times its need (replicas(M) / min(cpu, mem(M)) &lt;= 1.5, or held at the floor
 *          of two); the least memory among equals
 *   shared (best effort): 1 replica of 1 CPU and 1 GiB, limits unlimited
 *   per-replica limit = ceil(tier limit / replicas)   for each of the three limits
 * </pre>
 *
 * A tier change that keeps the shape changes the replica count and the limits (by reload) and
 * restarts nothing; one that changes it rolls the pods, one at a time, each draining. TLS is not in
 * the figures yet: {@code cN} is a plain connection's (the README says what TLS would change).
 *
 * <p>New connections and requests draw on the same core, so their CPU adds up rather than taking
 * the larger of the two. WebSocket messages are not a tier limit; the 30% kept back is also what
 * carries them. The kernel's memory for the sockets (two per connection) is outside the heap but
 * inside the pod's memory limit; {@code SizingTest} checks that a replica at {@code C(M)}
 * connections still fits in its pod.
 *
 * @param replicas   proxy replicas the tier runs
 * @param perReplica each replica's share of the tier's limits
 * @param shape      each replica's pod: CPU and memory, requested and limited alike
 */
public record Sizing(int replicas, Limits perReplica, PodShape shape) {
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
    /** How far a tier may provision the resource that does not bind it, in percent of its need. */
    public static final long MAX_OVERPROVISION_PERCENT = 150;

    public static final int MIN_GUARANTEED_REPLICAS = 2;

    /** The pod shapes a tier chooses from: one CPU, and 1 to 4 GiB of memory. */
    public static final List<PodShape> SHAPES =
            List.of(PodShape.ofGibibytes(1), PodShape.ofGibibytes(2), PodShape.ofGibibytes(3), PodShape.ofGibibytes(4));

    private static final long CORE_NANOS_PER_SECOND = 1_000_000_000L;

    public Sizing {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1, not " + replicas);
        }
    }

    public static Sizing of(Tier tier) {
        if (!tier.guaranteed()) {
            return new Sizing(1, Limits.UNLIMITED, SHAPES.get(0));
        }
        PodShape shape = shapeFor(tier);
        long replicas = replicas(tier, shape);
        return new Sizing(
                Math.toIntExact(replicas),
                new Limits(
                        ceilDiv(tier.maxConnections(), replicas),
                        ceilDiv(tier.newConnectionsPerSecond(), replicas),
                        ceilDiv(tier.requestsPerSecond(), replicas)),
                shape);
    }

    /** The shape with the fewest replicas that does not over-provision past 1.5 times; else the least wasteful. */
    static PodShape shapeFor(Tier tier) {
        long cpuNanos = cpuNanosPerSecond(tier);
        PodShape best = null;
        long bestReplicas = Long.MAX_VALUE;
        PodShape leastWasteful = null;
        double leastWaste = Double.MAX_VALUE;
        for (PodShape shape : SHAPES) {
            long replicas = replicas(tier, shape);
            double waste = overprovision(cpuNanos, tier.maxConnections(), shape, replicas);
            boolean acceptable = replicas == MIN_GUARANTEED_REPLICAS || waste * 100 <= MAX_OVERPROVISION_PERCENT;
            // Strictly fewer only: among equals the first, smaller shape stays.
            if (acceptable && replicas < bestReplicas) {
                best = shape;
                bestReplicas = replicas;
            }
            if (waste < leastWaste) {
                leastWasteful = shape;
                leastWaste = waste;
            }
        }
        return best != null ? best : leastWasteful;
    }

    /**
     * Replicas that hold the tier's connections and carry its CPU, each sold at 70% of its capacity
     * at the limits it enforces, which are rounded up from the tier's.
     */
    private static long replicas(Tier tier, PodShape shape) {
        long byConnections = ceilDiv(tier.maxConnections() * 100, shape.connections() * HEADROOM_PERCENT);
        long byCpu = ceilDiv(cpuNanosPerSecond(tier) * 100, CORE_NANOS_PER_SECOND * HEADROOM_PERCENT);
        long replicas = Math.max(MIN_GUARANTEED_REPLICAS, Math.max(byConnections, byCpu));
        while (overSold(tier, shape, replicas)) {
            replicas++;
        }
        return replicas;
    }

    /** True when a replica at its rounded-up share of the limits would be sold above 70%. */
    private static boolean overSold(Tier tier, PodShape shape, long replicas) {
        long cpuNanos = ceilDiv(tier.newConnectionsPerSecond(), replicas) * CPU_NANOS_PER_NEW_CONNECTION
                + ceilDiv(tier.requestsPerSecond(), replicas) * CPU_NANOS_PER_REQUEST;
        return cpuNanos * 100 > CORE_NANOS_PER_SECOND * HEADROOM_PERCENT
                || ceilDiv(tier.maxConnections(), replicas) * 100 > shape.connections() * HEADROOM_PERCENT;
    }

    /** How many times its need the resource that does not bind is provisioned: replicas over the smaller need. */
    static double overprovision(long cpuNanosPerSecond, long connections, PodShape shape, long replicas) {
        double byCpu = cpuNanosPerSecond * 100.0 / (CORE_NANOS_PER_SECOND * HEADROOM_PERCENT);
        double byConnections = connections * 100.0 / (shape.connections() * HEADROOM_PERCENT);
        return replicas / Math.min(byCpu, byConnections);
    }

    static long cpuNanosPerSecond(Tier tier) {
        return tier.newConnectionsPerSecond() * CPU_NANOS_PER_NEW_CONNECTION
                + tier.requestsPerSecond() * CPU_NANOS_PER_REQUEST;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * A proxy pod's size: {@code cpuMillis} and {@code memoryBytes}, requested and limited alike. The
     * JVM takes a quarter of the memory for its heap by default, which is what the capacity assumes.
     */
    public record PodShape(long cpuMillis, long memoryBytes) {
        private static final long GIB = 1024L * 1024 * 1024;

        static PodShape ofGibibytes(long gib) {
            return new PodShape(1000, gib * GIB);
        }

        /** The JVM's default maximum heap in this pod: a quarter of its memory. */
        public long heapBytes() {
            return memoryBytes / 4;
        }

        /** Connections one replica holds: {@code C = (H / 2) / h}. */
        public long connections() {
            return heapBytes() / 2 / LIVE_HEAP_BYTES_PER_CONNECTION;
        }

        /** The CPU as a Kubernetes quantity: {@code 1} for a whole core, else millicores. */
        public String cpuQuantity() {
            return cpuMillis % 1000 == 0 ? Long.toString(cpuMillis / 1000) : cpuMillis + "m";
        }

        @Override
        public String toString() {
            return cpuQuantity() + " CPU and "
                    + memoryQuantity().replace("Gi", " GiB").replace("Mi", " MiB") + " of memory";
        }

        /** The memory as a Kubernetes quantity, in GiB when whole, else MiB. */
        public String memoryQuantity() {
            return memoryBytes % GIB == 0 ? memoryBytes / GIB + "Gi" : memoryBytes / (1024 * 1024) + "Mi";
        }
    }
}
