package dev.slb.bench;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.HdrHistogram.Histogram;

/**
 * A run with a warm-up and a measured window: operations completing inside the window are counted
 * and their latency recorded; CPU time of the watched processes is read at the window's two ends.
 * After the window no new operation starts; the run ends when every connection has closed.
 */
abstract class TimedRun extends LoadRun {
    /** Latencies up to a minute, in microseconds, three significant digits. */
    private static final long MAX_LATENCY_US = TimeUnit.MINUTES.toMicros(1);

    private final Histogram latency = new Histogram(1, MAX_LATENCY_US, 3);
    private boolean windowScheduled;
    private boolean measuring;
    /** The window has closed: connections finish what they are doing and close. */
    boolean stopping;

    private long windowStart;
    private long windowEnd;
    private Long cpuStart;
    private Long cpuEnd;
    private long ops;

    TimedRun(LoadSpec spec, EventLoop loop, ClientFrames frames, boolean spreadSources) throws SSLException {
        super(spec, loop, frames, spreadSources);
    }

    /** Starts the warm-up now; the measured window follows it. Only the first call counts. */
    void startWarmup() {
        if (windowScheduled) {
            return;
        }
        windowScheduled = true;
        loop.schedule(this::openWindow, spec.warmup().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void openWindow() {
        cpuStart = cpuMillis();
        windowStart = System.nanoTime();
        measuring = true;
        loop.schedule(this::closeWindow, spec.duration().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void closeWindow() {
        windowEnd = System.nanoTime();
        cpuEnd = cpuMillis();
        measuring = false;
        stopping = true;
        windowClosed();
        // Whatever is still in flight has had every timeout by now.
        loop.schedule(
                () -> cutAll("still running after the window closed"),
                WsConnection.REPLY_TIMEOUT_NANOS * 2 + CLOSE_GRACE_NANOS,
                TimeUnit.NANOSECONDS);
        finishIfIdle();
    }

    /** The window just closed: stop connections that are between operations. */
    abstract void windowClosed();

    /** An operation that took {@code nanos} has just completed. */
    void completed(long nanos) {
        if (measuring) {
            ops++;
            latency.recordValue(Math.max(1, Math.min(MAX_LATENCY_US, TimeUnit.NANOSECONDS.toMicros(nanos))));
        }
    }

    /** Completes the result once the window has closed and no connection is left. */
    void finishIfIdle() {
        if (!stopping || !live().isEmpty() || result.isDone()) {
            return;
        }
        boolean any = ops > 0;
        Long cpu = cpuStart == null || cpuEnd == null ? null : cpuEnd - cpuStart;
        result.complete(new LoadResult.Timed(
                spec.scenario().jsonName(),
                spec.connections(),
                spec.size(),
                ops,
                (windowEnd - windowStart) / 1e9,
                any ? latency.getValueAtPercentile(50) : null,
                any ? latency.getValueAtPercentile(99) : null,
                any ? latency.getMaxValue() : null,
                errors,
                cpu));
    }

    @Override
    long timeLimitNanos() {
        return WsConnection.OPEN_TIMEOUT_NANOS
                + spec.warmup().toNanos()
                + spec.duration().toNanos()
                + WsConnection.REPLY_TIMEOUT_NANOS * 2
                + CLOSE_GRACE_NANOS
                + TimeUnit.SECONDS.toNanos(10);
    }
}
