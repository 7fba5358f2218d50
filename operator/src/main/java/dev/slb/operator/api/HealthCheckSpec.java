package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** A listener's active health check of its backends, on unless turned off. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthCheckSpec {
    /** A probe path: starts with '/', printable ASCII with no space, at most 80 characters. */
    public static final String PATH_PATTERN = "^/[!-~]{0,79}$";
    /** A Host header value: a name or address, with an optional port. */
    public static final String HOST_PATTERN = "^[A-Za-z0-9.:\\[\\]-]{1,253}$";

    public static final int MIN_INTERVAL_SECONDS = 1;
    public static final int MAX_INTERVAL_SECONDS = 50;
    public static final int MIN_TIMEOUT_SECONDS = 1;
    public static final int MAX_TIMEOUT_SECONDS = 300;
    public static final int MIN_THRESHOLD = 2;
    public static final int MAX_THRESHOLD = 10;

    @Default("true")
    @JsonPropertyDescription("Whether every proxy replica probes every backend of this listener (default true)."
            + " A backend that fails unhealthyThreshold probes in a row gets no new connections or requests until it"
            + " passes healthyThreshold in a row; its open WebSocket and TCP connections stay. When every backend is"
            + " unhealthy the listener spreads over all of them (fails open) and the status says so"
            + " (NoHealthyBackend). Turning it off or on, or changing any setting here, is a reload: no pod restarts"
            + " and no connection is cut.")
    public Boolean enabled;

    // maxLength bounds the cost of the listener rule that reads it.
    @Size(max = 4)
    @JsonPropertyDescription("HTTP (a request; the status decides), TCP (a connect) or UDP (a datagram on a connected"
            + " socket: unhealthy when the backend's host answers with an ICMP error, port unreachable, within"
            + " timeoutSeconds; silence or any answer is healthy). Default: HTTP on HTTP and HTTPS listeners (probes"
            + " are plain HTTP/1.1, as the proxy speaks to backends), TCP on TCP listeners, UDP on UDP listeners."
            + " UDP only on UDP listeners; a UDP listener may check a TCP or HTTP port of its backends instead"
            + " (with port).")
    public HealthCheckProtocol protocol;

    @Default("/")
    @Size(max = 80)
    @Pattern(PATH_PATTERN)
    @JsonPropertyDescription("HTTP: the path probed, starting with '/', at most 80 characters (default /). A backend"
            + " that answers it 404 counts as unhealthy with the default httpCodes: point it at a health endpoint.")
    public String path;

    @Size(max = 253)
    @Pattern(HOST_PATTERN)
    @JsonPropertyDescription("HTTP: the Host header of a probe (default: the backend's address and port).")
    public String host;

    @Default("HEAD")
    @JsonPropertyDescription("HTTP: HEAD (default) or GET.")
    public HealthCheckMethod method;

    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("The port probed (default: the backend's own port).")
    public Integer port;

    @Default("2")
    @Min(MIN_INTERVAL_SECONDS)
    @Max(MAX_INTERVAL_SECONDS)
    @JsonPropertyDescription("Seconds between probes of one backend by one replica, 1..50 (default 2). Each"
            + " replica probes on its own, spread with jitter: a backend sees replicas / intervalSeconds probes per"
            + " second from this listener.")
    public Integer intervalSeconds;

    @Default("5")
    @Min(MIN_TIMEOUT_SECONDS)
    @Max(MAX_TIMEOUT_SECONDS)
    @JsonPropertyDescription("Seconds a probe may take before it fails, 1..300 (default 5). A backend has at most"
            + " one probe in flight, so a slow one is probed less often, never more.")
    public Integer timeoutSeconds;

    @Default("3")
    @Min(MIN_THRESHOLD)
    @Max(MAX_THRESHOLD)
    @JsonPropertyDescription("Good probes in a row that bring an unhealthy backend back, 2..10 (default 3).")
    public Integer healthyThreshold;

    @Default("3")
    @Min(MIN_THRESHOLD)
    @Max(MAX_THRESHOLD)
    @JsonPropertyDescription("Failed probes in a row that take a backend out, 2..10 (default 3). A backend that"
            + " hangs is out within intervalSeconds x unhealthyThreshold + timeoutSeconds.")
    public Integer unhealthyThreshold;

    @Size(min = 1, max = 4)
    @JsonPropertyDescription("HTTP: the status classes that count as healthy, one or more of 2xx, 3xx, 4xx and 5xx"
            + " (default [2xx, 3xx]).")
    public List<StatusClass> httpCodes;
}
