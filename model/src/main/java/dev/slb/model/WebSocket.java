package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;

/**
 * WebSocket on an HTTP or HTTPS listener. On by default; off on instances whose tier does not
 * include it, in which case {@code disabledReason} and {@code disabledMessage} say why, and the
 * proxy answers upgrade requests with them.
 *
 * @param enabled              whether upgrade requests are relayed to backends
 * @param disabledReason       a CamelCase reason when disabled, e.g. {@code RequiresGuaranteedPerformance}
 * @param disabledMessage      what a person should do to turn it on
 * @param keepalivePingInterval when set, the proxy pings the client this often, so quiet clients
 *                             are not cut by the idle timeout; absent means no proxy pings
 */
@JsonPropertyOrder({"enabled", "disabledReason", "disabledMessage", "keepalivePingInterval"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WebSocket(
        Boolean enabled, String disabledReason, String disabledMessage, Duration keepalivePingInterval) {
    public static final WebSocket ENABLED = new WebSocket(true, null, null, null);

    public WebSocket {
        enabled = enabled == null || enabled;
    }

    public static WebSocket disabled(String reason, String message) {
        return new WebSocket(false, reason, message, null);
    }

    public boolean isEnabled() {
        return enabled;
    }
}
