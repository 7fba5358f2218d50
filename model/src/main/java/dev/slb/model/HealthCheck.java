package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.util.List;

/**
 * A listener's active health check: every replica probes every backend of the listener this
 * often, and takes a backend out of rotation after {@code unhealthyThreshold} failed probes in a
 * row and back after {@code healthyThreshold} good ones. A new backend counts as healthy until
 * probes say otherwise.
 *
 * @param protocol           HTTP (a request, judged by its status), TCP (a connect) or UDP (a datagram
 *                           that must not be answered by an ICMP error); the listener's kind when absent:
 *                           HTTP for HTTP and HTTPS listeners, TCP for TCP ones, UDP for UDP ones
 * @param path               HTTP: the request target (default {@code /})
 * @param host               HTTP: the Host header (default: the backend's address and port)
 * @param method             HTTP: HEAD (default) or GET
 * @param port               the port probed (default: the backend's own)
 * @param interval           time between the start of one probe and the next (default 2 s)
 * @param timeout            a probe with no answer for this long fails (default 5 s); a backend has at
 *                           most one probe in flight, so a slow one is probed less often, never more
 * @param healthyThreshold   good probes in a row that bring an unhealthy backend back (default 3)
 * @param unhealthyThreshold failed probes in a row that take a healthy backend out (default 3)
 * @param httpCodes          HTTP: the status classes that count as good, of 2xx, 3xx, 4xx and 5xx
 *                           (default 2xx and 3xx)
 */
@JsonPropertyOrder({
    "protocol",
    "path",
    "host",
    "method",
    "port",
    "interval",
    "timeout",
    "healthyThreshold",
    "unhealthyThreshold",
    "httpCodes"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthCheck(
        Kind protocol,
        String path,
        String host,
        Method method,
        Integer port,
        Duration interval,
        Duration timeout,
        Integer healthyThreshold,
        Integer unhealthyThreshold,
        List<String> httpCodes) {

    /** What a probe does. */
    public enum Kind {
        HTTP,
        TCP,
        /** A datagram on a connected socket: good unless an ICMP error (port unreachable) comes back. */
        UDP
    }

    /** The HTTP method of a probe. */
    public enum Method {
        HEAD,
        GET
    }

    public static final String DEFAULT_PATH = "/";
    public static final int MAX_PATH_LENGTH = 80;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_THRESHOLD = 3;
    public static final List<String> STATUS_CLASSES = List.of("2xx", "3xx", "4xx", "5xx");
    public static final List<String> DEFAULT_HTTP_CODES = List.of("2xx", "3xx");

    public HealthCheck {
        path = path == null ? DEFAULT_PATH : path;
        method = method == null ? Method.HEAD : method;
        interval = interval == null ? DEFAULT_INTERVAL : interval;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        healthyThreshold = healthyThreshold == null ? DEFAULT_THRESHOLD : healthyThreshold;
        unhealthyThreshold = unhealthyThreshold == null ? DEFAULT_THRESHOLD : unhealthyThreshold;
        httpCodes = httpCodes == null ? DEFAULT_HTTP_CODES : List.copyOf(httpCodes);
    }

    /** A check with every setting at its default, of the kind the listener's protocol implies. */
    public static HealthCheck defaults() {
        return new HealthCheck(null, null, null, null, null, null, null, null, null, null);
    }

    /** This check with {@code kind} as its protocol when it names none. */
    public HealthCheck withDefaultProtocol(Kind kind) {
        return protocol != null
                ? this
                : new HealthCheck(
                        kind,
                        path,
                        host,
                        method,
                        port,
                        interval,
                        timeout,
                        healthyThreshold,
                        unhealthyThreshold,
                        httpCodes);
    }

    public HealthCheck withTimings(Duration newInterval, Duration newTimeout, int healthy, int unhealthy) {
        return new HealthCheck(
                protocol, path, host, method, port, newInterval, newTimeout, healthy, unhealthy, httpCodes);
    }

    public HealthCheck withHttp(String newPath, Method newMethod, List<String> newHttpCodes) {
        return new HealthCheck(
                protocol,
                newPath,
                host,
                newMethod,
                port,
                interval,
                timeout,
                healthyThreshold,
                unhealthyThreshold,
                newHttpCodes);
    }

    /** Whether an HTTP status counts as good. */
    public boolean goodStatus(int status) {
        int hundreds = status / 100;
        return hundreds >= 2 && hundreds <= 5 && httpCodes.contains(hundreds + "xx");
    }
}
