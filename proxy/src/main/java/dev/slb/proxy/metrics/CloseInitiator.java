package dev.slb.proxy.metrics;

import java.util.Locale;

/** Who ended a WebSocket connection, as {@code slb_websocket_closes_total} labels it. */
public enum CloseInitiator {
    /** The client sent a close frame first, or closed its TCP connection. */
    CLIENT,
    /** The backend sent a close frame first, or closed its TCP connection. */
    BACKEND,
    /** No message passed either way for the listener's idle timeout; the proxy sent 1001. */
    IDLE_TIMEOUT,
    /** The replica is draining, or the connection's backend left the config; the proxy sent 1001. */
    DRAIN,
    /** A limit of the proxy's ended it. No limit closes an open WebSocket today; the label is kept for when one does. */
    LIMIT;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }
}
