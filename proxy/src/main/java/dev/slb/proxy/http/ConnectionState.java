package dev.slb.proxy.http;

/**
 * Where a client connection of an HTTP listener is in its life; each state offers only the
 * transitions it allows.
 *
 * <pre>
 *            request head                      response out, request read, keep-alive
 *   Idle ─────────────────────► Exchanging ──────────────────────────────────────────► Idle
 *                                   │ │ └─ response out, request body still coming ──► Lingering
 *                                   │ └─── backend answered 101 ─────────────────────► Switched
 *                                   └───── response out, Connection: close ─────────┐
 *   Idle, Exchanging, Lingering ── idle timeout, error, client gone, drain ──────────┴─► Closing
 *   Lingering ── linger over, or the client's FIN ──► Closing
 * </pre>
 *
 * <p>Closing and Switched are final: a closing connection reads nothing more and answers nothing
 * more, and a switched one belongs to the WebSocket relay.
 */
sealed interface ConnectionState {
    Lingering LINGERING = new Lingering();
    Switched SWITCHED = new Switched();
    Closing CLOSING = new Closing();

    /** Any state may close. */
    default Closing toClosing() {
        return CLOSING;
    }

    /**
     * No exchange runs: the connection waits for a request head (before the first, and between
     * keep-alive exchanges), and is closed when none starts within the idle timeout.
     *
     * @param sinceNanos when the wait began, on the event loop's clock
     */
    record Idle(long sinceNanos) implements ConnectionState {
        Exchanging toExchanging(HttpExchange exchange) {
            return new Exchanging(exchange);
        }
    }

    /**
     * One exchange runs; pipelined requests wait for it to end. No exchange but this one can act
     * on the connection: a late callback of an earlier one finds it is no longer current.
     */
    record Exchanging(HttpExchange exchange) implements ConnectionState {
        Idle toIdle(long nowNanos) {
            return new Idle(nowNanos);
        }

        Lingering toLingering() {
            return LINGERING;
        }

        Switched toSwitched() {
            return SWITCHED;
        }
    }

    /**
     * The answer is out and our side of the connection shut while the client still sends a body
     * nobody reads: what it sends is read and dropped for a moment, so that closing with unread
     * input does not reset the connection before the client reads the answer (RFC 9112 9.6).
     */
    record Lingering() implements ConnectionState {}

    /** The connection is a WebSocket relay; the HTTP handler has left the pipeline. */
    record Switched() implements ConnectionState {}

    /** The connection is closed or closing: nothing more is read or answered. */
    record Closing() implements ConnectionState {}
}
