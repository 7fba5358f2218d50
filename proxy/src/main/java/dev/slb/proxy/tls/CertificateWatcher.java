package dev.slb.proxy.tls;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the certificates of a changing set of HTTPS listeners (files, or Secrets followed through
 * the API) for new content on a fixed period, and at once when asked.
 */
// Polling, not a WatchService: a mounted Secret changes by renaming the ..data symlink, not by
// writing tls.crt, and the files' modification times say nothing. Reading two small files every
// few seconds is cheap, and it is right however the files were replaced. A Secret read through the
// API comes from the informer's cache, so checking it costs no request.
public final class CertificateWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);

    /** How often the files are read when no period is given. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(2);

    private final Supplier<? extends Collection<ReloadingSslContext>> contexts;
    private final ScheduledFuture<?> task;

    private CertificateWatcher(
            ScheduledExecutorService executor,
            Duration period,
            Supplier<? extends Collection<ReloadingSslContext>> contexts) {
        this.contexts = contexts;
        long millis = Math.max(1, period.toMillis());
        this.task = executor.scheduleWithFixedDelay(this::checkQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts checking, every {@code period}, the contexts {@code contexts} returns at that moment
     * (listeners come and go with config reloads).
     */
    public static CertificateWatcher start(
            ScheduledExecutorService executor,
            Duration period,
            Supplier<? extends Collection<ReloadingSslContext>> contexts) {
        return new CertificateWatcher(executor, period, contexts);
    }

    public static CertificateWatcher start(
            ScheduledExecutorService executor, Supplier<? extends Collection<ReloadingSslContext>> contexts) {
        return start(executor, DEFAULT_PERIOD, contexts);
    }

    /** Checks every context now, on the caller's thread; returns how many took a new certificate. */
    public int checkNow() {
        int swapped = 0;
        for (ReloadingSslContext c : contexts.get()) {
            try {
                if (c.reloadIfChanged()) {
                    swapped++;
                }
            } catch (RuntimeException e) {
                // One listener's trouble must not stop the checks for the others, nor the schedule.
                log.warn("certificate check for {} failed; its previous certificate stays in use", c.describe(), e);
            }
        }
        return swapped;
    }

    private void checkQuietly() {
        try {
            checkNow();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again.
            log.warn("certificate check failed; will try again", e);
        }
    }

    /** Stops the checks; contexts keep serving the certificate they hold. */
    @Override
    public void close() {
        task.cancel(false);
    }
}
