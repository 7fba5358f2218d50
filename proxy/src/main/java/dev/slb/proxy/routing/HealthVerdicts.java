package dev.slb.proxy.routing;

import java.time.Duration;
import java.util.BitSet;

/**
 * The pure rules of backend health: when a run of probe results turns a backend unhealthy or
 * healthy again, and which backends new work avoids. Modelled on HAProxy's {@code rise}/{@code fall}
 * and Envoy's panic threshold at its extreme: when every backend that could take work is out, the
 * listener fails open and spreads over all of them, since refusing everything helps no one.
 */
public final class HealthVerdicts {
    private HealthVerdicts() {}

    /**
     * A backend's standing after one more probe result: its health and the current run of results
     * that disagree with it. {@code streak} counts good probes while unhealthy and failed ones while
     * healthy; a result that agrees resets it.
     */
    public record Standing(boolean healthy, int streak) {
        /** A new backend: healthy until probes prove otherwise. */
        public static final Standing NEW = new Standing(true, 0);

        public Standing next(boolean good, int healthyThreshold, int unhealthyThreshold) {
            if (good == healthy) {
                return streak == 0 ? this : new Standing(healthy, 0);
            }
            int run = streak + 1;
            int needed = healthy ? unhealthyThreshold : healthyThreshold;
            return run >= needed ? new Standing(!healthy, 0) : new Standing(healthy, run);
        }
    }

    /**
     * Adds to {@code into} the backends that new work should avoid: those in {@code out} (unhealthy
     * or ejected), unless every backend that could take work ({@code weights[i] > 0}) is out, in
     * which case none is added. Returns true when it failed open that way.
     */
    public static boolean avoid(int[] weights, BitSet out, BitSet into) {
        boolean anyIn = false;
        boolean anyOut = false;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= 0) {
                continue;
            }
            if (out.get(i)) {
                anyOut = true;
            } else {
                anyIn = true;
            }
        }
        if (!anyOut) {
            return false;
        }
        if (!anyIn) {
            return true;
        }
        into.or(out);
        return false;
    }

    /** Connect failures, resets (and, when counted, 5xx answers) in a row that eject a backend. */
    public static final int EJECT_AFTER = 5;

    private static final Duration FIRST_EJECTION = Duration.ofSeconds(30);
    private static final Duration LONGEST_EJECTION = Duration.ofMinutes(5);

    /** How long the {@code n}th ejection of a backend (from 1) lasts: 30 s, doubling, at most 5 min. */
    public static Duration ejectionTime(int n) {
        Duration d = FIRST_EJECTION;
        for (int i = 1; i < n && d.compareTo(LONGEST_EJECTION) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(LONGEST_EJECTION) > 0 ? LONGEST_EJECTION : d;
    }

    /** Whether one more of {@code total} backends may be ejected while {@code ejected} are: never past half. */
    public static boolean mayEject(int ejected, int total) {
        return (ejected + 1) * 2 <= total;
    }
}
