package dev.slb.proxy.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one timer of a client connection, on its event loop's clock: moved earlier when a nearer
 * deadline comes up, never later. Whatever runs when it fires checks the time that passed and
 * sets it again if need be, so requests only note the time instead of rescheduling at each step.
 */
final class ConnectionTimer {
    private final EventExecutor loop;
    private final Runnable task;
    private final Runnable fire = this::fire;
    private ScheduledFuture<?> scheduled;
    private long deadlineNanos;

    ConnectionTimer(EventExecutor loop, Runnable task) {
        this.loop = loop;
        this.task = task;
    }

    /** The event loop's clock: System.nanoTime() less a constant in production, hand-driven under EmbeddedChannel. */
    long now() {
        return loop.ticker().nanoTime();
    }

    /** Makes sure the timer fires no later than {@code deadline}; a later timer is left alone. */
    void ensureBy(long deadline) {
        if (scheduled != null) {
            if (deadlineNanos <= deadline) {
                return;
            }
            scheduled.cancel(false);
        }
        deadlineNanos = deadline;
        scheduled = loop.schedule(fire, Math.max(0, deadline - now()), TimeUnit.NANOSECONDS);
    }

    void cancel() {
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }

    private void fire() {
        scheduled = null;
        task.run();
    }
}
