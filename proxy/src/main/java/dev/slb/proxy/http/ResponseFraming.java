package dev.slb.proxy.http;

/**
 * How a response goes out to the client, decided from the request and the response heads: how its
 * body is delimited, whether the backend connection may serve another request, and which
 * {@code Connection} header tells the client whether its connection stays open.
 *
 * <p>Responses always go out as HTTP/1.1 (RFC 9110 2.5), so the framing follows the client's
 * version: HTTP/1.0 has no chunked coding (RFC 9112 7), its bodies end where the connection does,
 * and it keeps a connection only when told {@code Connection: keep-alive}. A body the backend ends
 * by closing spends the backend connection and needs a delimiter of the proxy's own.
 *
 * @param dropChunking     remove {@code Transfer-Encoding: chunked}: the body then ends with the connection
 * @param addChunking      add {@code Transfer-Encoding: chunked}: the proxy chunks what the backend ends by closing
 * @param upstreamReusable the backend connection may go back to the pool once the response is read
 * @param connection       the {@code Connection} header for the client; {@link ConnectionHeader#CLOSE} closes
 *                         the client's connection after the response
 */
record ResponseFraming(
        boolean dropChunking, boolean addChunking, boolean upstreamReusable, ConnectionHeader connection) {

    /**
     * The client's side of the exchange.
     *
     * @param http10         the client spoke HTTP/1.0
     * @param head           the request was HEAD: the response has a head only
     * @param keepAlive      the connection may carry another exchange (the client asked for it, and
     *                       neither a drain nor the client's half-close stands in the way)
     * @param bodyUnfinished the request body is still coming in: whatever the response says, the rest
     *                       of it has nowhere to go, so the connection ends with the response
     */
    record Request(boolean http10, boolean head, boolean keepAlive, boolean bodyUnfinished) {}

    /**
     * The backend's final response head (status 200 or above, not 101).
     *
     * @param status        the status code
     * @param chunked       {@code Transfer-Encoding: chunked}
     * @param contentLength a {@code Content-Length} is present
     * @param keepAlive     the backend keeps its connection open after this response
     */
    record Response(int status, boolean chunked, boolean contentLength, boolean keepAlive) {}

    /** The {@code Connection} header the client gets. */
    enum ConnectionHeader {
        /** None: HTTP/1.1 keeps the connection by default. */
        NONE,
        /** {@code keep-alive}, which an HTTP/1.0 client needs to keep its connection. */
        KEEP_ALIVE,
        /** {@code close}: the connection closes after this response. */
        CLOSE
    }

    /** The framing of a response from a backend. */
    static ResponseFraming of(Request request, Response response) {
        boolean dropChunking = false;
        boolean addChunking = false;
        boolean upstreamReusable = response.keepAlive();
        boolean close = false;
        if (request.http10() && response.chunked()) {
            dropChunking = true;
            close = true;
        } else if (!response.chunked() && !response.contentLength() && mayHaveBody(response.status(), request.head())) {
            // The backend ends this body by closing: its connection is spent, and the client needs
            // framing of its own, chunks on HTTP/1.1 or the same close on HTTP/1.0.
            upstreamReusable = false;
            if (request.http10()) {
                close = true;
            } else {
                addChunking = true;
            }
        }
        return new ResponseFraming(
                dropChunking,
                addChunking,
                upstreamReusable,
                close || !request.keepAlive() || request.bodyUnfinished()
                        ? ConnectionHeader.CLOSE
                        : request.http10() ? ConnectionHeader.KEEP_ALIVE : ConnectionHeader.NONE);
    }

    /**
     * The {@code Connection} header of an answer the proxy gives itself: it keeps the connection
     * only when both the answer and the client's side allow it.
     */
    static ConnectionHeader local(boolean answerKeepsAlive, boolean http10, boolean keepAlive) {
        if (!answerKeepsAlive || !keepAlive) {
            return ConnectionHeader.CLOSE;
        }
        return http10 ? ConnectionHeader.KEEP_ALIVE : ConnectionHeader.NONE;
    }

    /** RFC 9110 6.4.1: no body in a 204, a 304 or any answer to HEAD. */
    static boolean mayHaveBody(int status, boolean head) {
        return status != 204 && status != 304 && !head;
    }
}
