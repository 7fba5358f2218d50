package dev.slb.proxy.routing;

import java.time.Duration;

/**
 * When the long-lived connections left at the end of a drain window close: each at its own point
 * of the window's last third, so that clients reconnect a few at a time rather than in one herd
 * (an ALB's deregistration delay closes everything at its end; the spread is ours). Used for a
 * backend that goes away and for a replica that stops.
 */
public final class CloseSpread {
    private static final int START_NUMERATOR = 2;
    private static final int DENOMINATOR = 3;

    private CloseSpread() {}

    /** When the closes begin, from the start of the window: two thirds into it. */
    public static Duration start(Duration window) {
        return window.multipliedBy(START_NUMERATOR).dividedBy(DENOMINATOR);
    }

    /** When one connection closes, from {@link #start}, given {@code u} in [0, 1). */
    public static Duration offset(Duration window, double u) {
        long third = window.toNanos() / DENOMINATOR;
        return Duration.ofNanos((long) (third * Math.max(0, Math.min(1, u))));
    }
}
