package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * This replica's share of the instance's limits. An absent value means no limit (a shared,
 * best-effort instance). Whichever limit is reached first throttles; excess is refused, not queued.
 *
 * @param maxConnections          concurrent client connections
 * @param newConnectionsPerSecond new client connections accepted per second
 * @param requestsPerSecond       HTTP requests per second (WebSocket frames are not requests)
 */
@JsonPropertyOrder({"maxConnections", "newConnectionsPerSecond", "requestsPerSecond"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Limits(Long maxConnections, Long newConnectionsPerSecond, Long requestsPerSecond) {
    public static final Limits UNLIMITED = new Limits(null, null, null);
}
