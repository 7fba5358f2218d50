package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;

/**
 * How the proxy stops on SIGTERM: it first reports not-ready while still accepting for
 * {@code readinessGracePeriod} (endpoint removal lags in a cluster), then stops accepting, lets
 * in-flight requests finish, and after {@code timeout} closes the WebSocket connections left with
 * close code 1001.
 *
 * @param readinessGracePeriod how long to keep accepting after turning not-ready (default 5 s)
 * @param timeout              how long in-flight work may take once accepting stops (default 30 s)
 */
@JsonPropertyOrder({"readinessGracePeriod", "timeout"})
public record Drain(Duration readinessGracePeriod, Duration timeout) {
    public static final Duration DEFAULT_READINESS_GRACE_PERIOD = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Drain DEFAULT = new Drain(null, null);

    public Drain {
        readinessGracePeriod = readinessGracePeriod == null ? DEFAULT_READINESS_GRACE_PERIOD : readinessGracePeriod;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    }
}
