package dev.slb.proxy.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one replica knows of one backend of one listener: whether its active checks pass, whether
 * passive health has ejected it (and until when), and the last failure, for the admin port.
 * Shared by every config version that keeps the backend, so a reload forgets nothing; written by
 * the health checker and the connections that use the backend, read on every pick.
 */
public final class BackendHealth {
    private volatile boolean healthy = true;
    private volatile String lastFailure;
    private final AtomicInteger failuresInARow = new AtomicInteger();
    /** {@link System#nanoTime()} until which the backend is ejected; meaningful while {@link #ejected} is set. */
    private volatile long ejectedUntil;

    private volatile boolean ejected;
    private volatile int ejections;
    private final AtomicInteger goodProbesSinceEjection = new AtomicInteger();

    /** Whether the active checks pass (always, when the listener has none). */
    public boolean healthy() {
        return healthy;
    }

    /** Whether new work may come here: healthy and not ejected at {@code nowNanos}. */
    public boolean available(long nowNanos) {
        return healthy && !ejected(nowNanos);
    }

    public boolean ejected(long nowNanos) {
        return ejected && nowNanos - ejectedUntil < 0;
    }

    /** Records an active probe's outcome; {@code failure} is null for a good one. Returns whether the health changed. */
    public boolean record(boolean nowHealthy, String failure) {
        boolean changed = healthy != nowHealthy;
        healthy = nowHealthy;
        if (failure != null) {
            lastFailure = failure;
        } else if (nowHealthy) {
            lastFailure = null;
        }
        return changed;
    }

    /**
     * A good active probe: after {@code needed} of them in a row an ejected backend is back early
     * (active checks bring an ejected backend back).
     */
    public void probePassed(int needed) {
        if (ejected && goodProbesSinceEjection.incrementAndGet() >= needed) {
            ejected = false;
        }
    }

    public void probeFailed() {
        goodProbesSinceEjection.set(0);
    }

    /** A connect failed, the backend reset or closed before answering, or (when counted) it answered 5xx; returns the run. */
    public int failed(String why) {
        lastFailure = why;
        return failuresInARow.incrementAndGet();
    }

    /** A connection or an answer worked: the run of failures is over. */
    public void succeeded() {
        if (failuresInARow.get() != 0) {
            failuresInARow.set(0);
        }
    }

    /** Ejects the backend from {@code nowNanos} for {@code time}. */
    public void eject(long nowNanos, Duration time) {
        ejectedUntil = nowNanos + time.toNanos();
        goodProbesSinceEjection.set(0);
        failuresInARow.set(0);
        ejections++;
        ejected = true;
    }

    /** How many times it was ejected, for the next ejection's length. */
    public int ejections() {
        return ejections;
    }

    /** Why the last probe or connection failed (timeout, refused, status 500), null after a good probe. */
    public String lastFailure() {
        return lastFailure;
    }
}
