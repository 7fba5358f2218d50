package dev.slb.proxy.http;

/**
 * Why the proxy answers a request itself instead of forwarding it, with the status, the stable
 * {@code X-SLB-Error} reason and the plain-words text of that answer; the connection closes after it.
 */
enum Refusal {
    /** CONNECT asks for a tunnel; this is a reverse proxy. */
    METHOD_NOT_ALLOWED(405, "MethodNotAllowed", "CONNECT is not served: this is a reverse proxy, not a forward proxy"),
    /** HTTP/2 and later majors spoken as HTTP/1 text (RFC 9110 2.5: HTTP/1.2 and up are served as 1.1). */
    UNSUPPORTED_VERSION(505, "UnsupportedVersion", "this load balancer speaks HTTP/1.0 and HTTP/1.1"),
    /** RFC 9112 3.2: two Hosts would let proxy and backend disagree on the target. */
    NOT_ONE_HOST(400, "MalformedRequest", "an HTTP/1.1 request needs exactly one Host header"),
    /** A Host a backend could read otherwise than the proxy: empty, a list, a path, spaces. */
    INVALID_HOST(400, "MalformedRequest", "the Host header is not a valid host name or address, with an optional port"),
    REQUEST_LINE_TOO_LONG(414, "MalformedRequest", "the request line is longer than this listener accepts"),
    HEADERS_TOO_LARGE(431, "MalformedRequest", "the request headers are larger than this listener accepts"),
    TOO_MANY_HEADERS(431, "MalformedRequest", "the request has more header lines than this listener accepts"),
    /** RFC 9112 6.1: a coding the proxy does not know cannot be framed, nor passed on safely. */
    TRANSFER_ENCODING_NOT_IMPLEMENTED(
            501,
            "UnsupportedTransferEncoding",
            "this load balancer takes request bodies with Transfer-Encoding: chunked (alone) or Content-Length"),
    /** A request head begun and not finished within the listener's requestHeaderTimeout. */
    REQUEST_HEADER_TIMEOUT(408, "RequestHeaderTimeout", "the request head did not arrive in time"),
    /** A request body that fell behind the listener's minimum body rate. */
    REQUEST_BODY_TOO_SLOW(408, "RequestBodyTooSlow", "the request body arrived more slowly than this listener accepts"),
    /** A request body the decoder could not read (a chunk size, a chunk extension too long). */
    MALFORMED_BODY(400, "MalformedRequest", "the request body is not valid chunked coding", true),
    /**
     * A path that a listener routing by path cannot route safely: a backend could read it as a
     * path under another rule's prefix (RulePaths); the text ends with what is wrong.
     */
    UNROUTABLE_PATH(
            400,
            "AmbiguousPath",
            "this listener routes requests by path, and this path could reach a backend as a different path",
            true),
    /** Anything else in the head that is not valid; the text ends with what is wrong. */
    MALFORMED(400, "MalformedRequest", "the request is not valid HTTP/1.1", true);

    private final int status;
    private final String reason;
    private final String text;
    private final boolean detailed;

    Refusal(int status, String reason, String text) {
        this(status, reason, text, false);
    }

    Refusal(int status, String reason, String text, boolean detailed) {
        this.status = status;
        this.reason = reason;
        this.text = text;
        this.detailed = detailed;
    }

    int status() {
        return status;
    }

    /** The {@code X-SLB-Error} value: stable, for scripts. */
    String reason() {
        return reason;
    }

    /** What the body says; {@code detail} says what exactly is wrong, where the refusal takes one. */
    String text(String detail) {
        return detailed && detail != null ? text + " (" + detail + ")" : text;
    }
}
