package dev.slb.proxy.routing;

import dev.slb.model.SchedulerKind;
import java.util.BitSet;
import java.util.Objects;
import java.util.function.IntUnaryOperator;

/**
 * Builds the {@link BackendSelector} for a scheduler kind.
 *
 * <p>Selectors keep mutable state (current weights, a rotation cursor) and are deliberately not
 * thread-safe: the proxy keeps one selector per listener per event loop, so picking a backend takes
 * no lock and no atomic. Each event loop therefore spreads its own connections; over all loops the
 * proportions still hold. Selectors are deterministic: no clock, no randomness.
 */
public final class BackendSelectors {

    private BackendSelectors() {}

    /**
     * A selector over {@code weights.length} backends. {@code weights[i]} is backend i's weight
     * (0 takes no new connections); {@code active.applyAsInt(i)} gives backend i's current
     * connection count and is called by {@link SchedulerKind#WLC} only. The weights are copied.
     */
    public static BackendSelector create(SchedulerKind kind, int[] weights, IntUnaryOperator active) {
        Objects.requireNonNull(kind, "kind");
        int[] w = weights.clone();
        for (int i = 0; i < w.length; i++) {
            if (w[i] < 0) {
                throw new IllegalArgumentException("backend " + i + " has a negative weight: " + w[i]);
            }
        }
        return switch (kind) {
            case WRR -> new SmoothWeightedRoundRobin(w);
            case WLC -> new WeightedLeastConnections(w, Objects.requireNonNull(active, "active"));
            case RR -> new RoundRobin(w);
        };
    }

    /** Whether any backend can take a new connection: one at least has a weight above 0. */
    public static boolean takesNewConnections(int[] weights) {
        for (int w : weights) {
            if (w > 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean eligible(int[] weights, BitSet excluded, int i) {
        return weights[i] > 0 && (excluded == null || !excluded.get(i));
    }

    /**
     * nginx's smooth weighted round robin: interleaves picks so that any window is as close to the
     * weights as it can be (5,1,1 gives a a b a c a a, not a a a a a b c). Excluded backends sit
     * the round out without gaining weight, as in nginx, so they do not burst when they return.
     */
    private static final class SmoothWeightedRoundRobin implements BackendSelector {
        private final int[] weights;
        // long: the weights are summed, and a sum of large weights need not fit an int.
        private final long[] current;

        SmoothWeightedRoundRobin(int[] weights) {
            this.weights = weights;
            this.current = new long[weights.length];
        }

        @Override
        public int next(BitSet excluded) {
            int best = -1;
            long total = 0;
            for (int i = 0; i < weights.length; i++) {
                if (!eligible(weights, excluded, i)) {
                    continue;
                }
                current[i] += weights[i];
                total += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            if (best >= 0) {
                current[best] -= total;
            }
            return best;
        }
    }

    /**
     * Weighted least connections: the backend with the fewest connections per unit of weight.
     * Equal candidates are taken in rotation, so a burst of connections that all see the same
     * counts (they rise only once a connection is made) is spread instead of piled onto one.
     */
    private static final class WeightedLeastConnections implements BackendSelector {
        private final int[] weights;
        private final IntUnaryOperator active;
        private int last = -1;

        WeightedLeastConnections(int[] weights, IntUnaryOperator active) {
            this.weights = weights;
            this.active = active;
        }

        @Override
        public int next(BitSet excluded) {
            int n = weights.length;
            int best = -1;
            long bestActive = 0;
            for (int k = 1; k <= n; k++) {
                int i = Math.floorMod(last + k, n);
                if (!eligible(weights, excluded, i)) {
                    continue;
                }
                long a = Math.max(0, active.applyAsInt(i));
                // a/w_i < bestActive/w_best without division, so no rounding decides.
                if (best < 0 || a * weights[best] < bestActive * weights[i]) {
                    best = i;
                    bestActive = a;
                }
            }
            if (best >= 0) {
                last = best;
            }
            return best;
        }
    }

    /** Plain rotation; a weight only decides whether a backend takes new connections at all. */
    private static final class RoundRobin implements BackendSelector {
        private final int[] weights;
        private int last = -1;

        RoundRobin(int[] weights) {
            this.weights = weights;
        }

        @Override
        public int next(BitSet excluded) {
            int n = weights.length;
            for (int k = 1; k <= n; k++) {
                int i = Math.floorMod(last + k, n);
                if (eligible(weights, excluded, i)) {
                    last = i;
                    return i;
                }
            }
            return -1;
        }
    }
}
