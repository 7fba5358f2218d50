package dev.slb.proxy.http;

import dev.slb.model.WebSocket;
import dev.slb.proxy.routing.Redirects;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * The answers the proxy gives on its own: errors and the WebSocket gate. Each says, in plain
 * words, what happened; the {@code X-SLB-Error} header carries a stable reason for scripts.
 */
final class ProxyResponses {
    static final AsciiString X_SLB_ERROR = AsciiString.cached("x-slb-error");
    static final AsciiString X_SLB_WEBSOCKET = AsciiString.cached("x-slb-websocket");

    static final String DEFAULT_GATE_MESSAGE = "WebSocket needs a guaranteed-performance instance. "
            + "Raise the LoadBalancer's spec.tier to a guaranteed-performance tier (slb.s1.small or larger); "
            + "no other change is needed, WebSocket is then on by default.";

    private ProxyResponses() {}

    static FullHttpResponse error(
            ByteBufAllocator alloc, HttpResponseStatus status, String reason, String text, boolean close) {
        FullHttpResponse r =
                plain(alloc, status, status.code() + " " + status.reasonPhrase() + ": " + text + "\n", close);
        r.headers().set(X_SLB_ERROR, reason);
        return r;
    }

    /** The answer to a request the proxy refuses; the connection closes after it. */
    static FullHttpResponse refusal(ByteBufAllocator alloc, Refusal refusal, String decoderMessage) {
        return error(
                alloc,
                HttpResponseStatus.valueOf(refusal.status()),
                refusal.reason(),
                refusal.text(decoderMessage),
                true);
    }

    /** The answer to a WebSocket upgrade on a listener where WebSocket is off; never a 426, which would ask the client to switch. */
    static FullHttpResponse websocketDisabled(ByteBufAllocator alloc, WebSocket settings, boolean close) {
        String reason = settings.disabledReason() == null ? "WebSocketDisabled" : settings.disabledReason();
        String message = settings.disabledMessage() == null ? DEFAULT_GATE_MESSAGE : settings.disabledMessage();
        FullHttpResponse r = plain(
                alloc,
                HttpResponseStatus.FORBIDDEN,
                "403 Forbidden: WebSocket is disabled on this listener (" + reason + ").\n" + message + "\n",
                close);
        r.headers().set(X_SLB_WEBSOCKET, "disabled; reason=" + reason);
        r.headers().set(X_SLB_ERROR, reason);
        return r;
    }

    /**
     * An HTTP listener's redirect to HTTPS: 301 or 308 with the {@code Location}, or 400 when the
     * request names no host (an HTTP/1.0 request without Host) to send the client to.
     */
    static FullHttpResponse redirect(ByteBufAllocator alloc, HttpRequest request, int httpsPort, boolean close) {
        String location = Redirects.location(request.headers().get(HttpHeaderNames.HOST), request.uri(), httpsPort);
        if (location == null) {
            return error(
                    alloc,
                    HttpResponseStatus.BAD_REQUEST,
                    "MalformedRequest",
                    "this listener redirects to HTTPS, and the request has no Host header to redirect to",
                    close);
        }
        HttpResponseStatus status =
                HttpResponseStatus.valueOf(Redirects.status(request.method().name()));
        FullHttpResponse r = plain(alloc, status, "Moved to " + location + "\n", close);
        r.headers().set(HttpHeaderNames.LOCATION, location);
        return r;
    }

    /** The answer to a request that no forwarding rule matches on a listener with no default backend group. */
    static FullHttpResponse noRoute(ByteBufAllocator alloc, String listener, boolean close) {
        return error(
                alloc,
                HttpResponseStatus.NOT_FOUND,
                "NoRoute",
                "no forwarding rule of listener '" + listener + "' matches this host and path, and the listener has"
                        + " no default backend group",
                close);
    }

    /**
     * The answer to a request over this replica's requests-per-second share: 503 with
     * {@code Retry-After} in whole seconds, at least 1, since a client that retries at once only
     * adds to the load.
     */
    static FullHttpResponse overRequestRate(ByteBufAllocator alloc, Long perSecond, long delayNanos, boolean close) {
        // perSecond is read after the check; a reload in between may have removed the limit.
        String limit = perSecond == null ? "its request limit" : "its limit of " + perSecond + " requests per second";
        FullHttpResponse r = error(
                alloc,
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "RequestRateLimited",
                "this load balancer is at " + limit + " per replica; retry later, "
                        + "or raise the LoadBalancer's spec.tier for more",
                close);
        r.headers()
                .setInt(HttpHeaderNames.RETRY_AFTER, (int) Math.max(1, (delayNanos + 999_999_999L) / 1_000_000_000L));
        return r;
    }

    private static FullHttpResponse plain(
            ByteBufAllocator alloc, HttpResponseStatus status, String body, boolean close) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, alloc.buffer(bytes.length).writeBytes(bytes));
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }
}
