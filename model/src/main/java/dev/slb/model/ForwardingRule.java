package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Sends the HTTP requests (WebSocket upgrades included) whose host and path match to a backend
 * group of the listener.
 *
 * @param host         an exact host name ({@code api.example.com}) or a wildcard ({@code *.example.com},
 *                     one or more labels before the suffix); any host when absent. Compared without
 *                     case and without the port of the Host header.
 * @param path         a path prefix that matches whole segments ({@code /v1} matches {@code /v1} and
 *                     {@code /v1/users}, not {@code /v10}); any path when absent
 * @param backendGroup the name of one of the listener's {@link BackendGroup}s
 */
@JsonPropertyOrder({"host", "path", "backendGroup"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ForwardingRule(String host, String path, String backendGroup) {
    /** The most rules one listener may have. */
    public static final int MAX_PER_LISTENER = 40;
}
