package dev.slb.proxy.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Lines that can repeat per request (a backend down, a backend timing out, clients sending what is
 * refused) at most once per period and key, with a count of what was held back: when a backend
 * fails, every request fails, and a client can send bad requests as fast as it likes; writing a
 * line for each would cost the event loops exactly when they are busiest, and fill the disk.
 */
public final class RateLimitedLog {
    private static final long PERIOD_NANOS = 10_000_000_000L;

    private final Logger log;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        volatile long startNanos;
        final AtomicLong suppressed = new AtomicLong();
    }

    public RateLimitedLog(Logger log) {
        this.log = log;
    }

    /** Logs {@code message} at WARN unless the same key was logged within the period. */
    public void warn(String key, String message) {
        warn(key, () -> message);
    }

    /** As {@link #warn(String, String)}, building the message only when it is written. */
    public void warn(String key, Supplier<String> message) {
        String text = due(key, message);
        if (text != null) {
            log.warn(text);
        }
    }

    /** As {@link #warn(String, Supplier)}, with the stack trace of {@code error} on the lines that are written. */
    public void warn(String key, Supplier<String> message, Throwable error) {
        String text = due(key, message);
        if (text != null) {
            log.warn(text, error);
        }
    }

    /** Logs {@code message} at INFO unless the same key was logged within the period. */
    public void info(String key, Supplier<String> message) {
        if (!log.isInfoEnabled()) {
            return;
        }
        String text = due(key, message);
        if (text != null) {
            log.info(text);
        }
    }

    /** The line to write now with the count of those held back, or null when the key was written within the period. */
    private String due(String key, Supplier<String> message) {
        long now = System.nanoTime();
        Window w = windows.computeIfAbsent(key, k -> {
            Window fresh = new Window();
            fresh.startNanos = now - PERIOD_NANOS;
            return fresh;
        });
        if (now - w.startNanos < PERIOD_NANOS) {
            w.suppressed.incrementAndGet();
            return null;
        }
        w.startNanos = now;
        long held = w.suppressed.getAndSet(0);
        String text = message.get();
        return held == 0 ? text : text + " (" + held + " more like it in the last 10s)";
    }
}
