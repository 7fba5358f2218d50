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
    REQUEST_LINE_TOO_LONG(414, "MalformedRequest", "the request line is longer than this listener accepts"),
    HEADERS_TOO_LARGE(431, "MalformedRequest", "the request headers are larger than this listener accepts"),
    /** Anything else the decoder could not read; the text ends with the decoder's own words. */
    MALFORMED(400, "MalformedRequest", "the request is not valid HTTP/1.1");

    private final int status;
    private final String reason;
    private final String text;

    Refusal(int status, String reason, String text) {
        this.status = status;
        this.reason = reason;
        this.text = text;
    }

    int status() {
        return status;
    }

    /** The {@code X-SLB-Error} value: stable, for scripts. */
    String reason() {
        return reason;
    }

    /** What the body says; {@code decoderMessage} is what the decoder said, if it refused the request. */
    String text(String decoderMessage) {
        return this == MALFORMED ? text + " (" + decoderMessage + ")" : text;
    }
}
