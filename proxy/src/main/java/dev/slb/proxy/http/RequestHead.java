package dev.slb.proxy.http;

import dev.slb.model.Listener;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * A client's request head as the proxy reads it: the one place where heads are parsed (the codec,
 * its settings and the byte-level {@link RequestSyntax} it applies first), checked (what the
 * decoder and the proxy refuse) and read for what the exchange needs.
 *
 * @param request   the decoded head, rewritten for the backend before it is sent
 * @param refusal   why the proxy answers it itself, or null when it goes to a backend
 * @param http10    HTTP/1.0: no chunked coding, no 1xx, keep-alive only when asked for
 * @param keepAlive the client wants the connection kept open after the response
 * @param hasBody   a body follows the head (chunked, or a Content-Length above 0)
 * @param websocket a WebSocket opening handshake
 */
record RequestHead(
        HttpRequest request, Refusal refusal, boolean http10, boolean keepAlive, boolean hasBody, boolean websocket) {

    /** What stands for a head the decoder could not read: the proxy answers it, and nothing of it goes on. */
    static final RequestHead UNREADABLE = new RequestHead(null, null, false, false, false, false);

    /**
     * The codec for one listener's client connections, with the listener's limits on heads. A
     * chunk-size line, chunk extensions included, is held to the request-line limit (400 beyond).
     */
    static ClientCodec codec(Listener config) {
        return new ClientCodec(
                new HttpDecoderConfig()
                        .setMaxInitialLineLength(config.maxRequestLineBytes())
                        .setMaxHeaderSize(config.maxHeaderBytes())
                        .setMaxChunkSize(1024 * 1024)
                        // Content-Length beside Transfer-Encoding is refused (400) instead of silently
                        // dropping one of them: the classic request-smuggling gap between proxy and backend.
                        .setUseRfc9112TransferEncoding(true),
                config.maxHeaders());
    }

    /** Reads a head the decoder accepted. */
    static RequestHead read(HttpRequest request) {
        return new RequestHead(
                request,
                refusal(request),
                request.protocolVersion().equals(HttpVersion.HTTP_1_0),
                HttpUtil.isKeepAlive(request),
                HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0,
                HeaderRules.isWebSocketUpgrade(request));
    }

    /**
     * Why a head cannot be forwarded as it is, or null when it can: RFC 9112 3.2 wants exactly one
     * Host on HTTP/1.1 (two would let proxy and backend disagree on the target), and a valid one
     * (as must be the host of an absolute target, which replaces it); only HTTP/1.0 and 1.1 are
     * spoken here; the target has a form this method takes ({@link RequestSyntax#targetProblem}).
     */
    private static Refusal refusal(HttpRequest request) {
        if (request.method().equals(HttpMethod.CONNECT)) {
            return Refusal.METHOD_NOT_ALLOWED;
        }
        HttpVersion v = request.protocolVersion();
        // RFC 9110 2.5: a higher minor version of HTTP/1 is served as HTTP/1.1.
        if (v.majorVersion() != 1) {
            return Refusal.UNSUPPORTED_VERSION;
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null
                ? v.minorVersion() >= 1
                : request.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
            return Refusal.NOT_ONE_HOST;
        }
        if (host != null && !RequestSyntax.validHost(host)) {
            return Refusal.INVALID_HOST;
        }
        if (RequestSyntax.targetProblem(request.method().equals(HttpMethod.OPTIONS), request.uri()) != null) {
            return Refusal.MALFORMED;
        }
        return null;
    }

    /** What exactly is wrong with a head {@link #refusal()} refuses, for the answer's text; null when nothing more is to say. */
    String problem() {
        if (refusal == Refusal.MALFORMED && request != null) {
            return RequestSyntax.targetProblem(request.method().equals(HttpMethod.OPTIONS), request.uri());
        }
        return null;
    }

    /** Why the decoder (or the syntax check before it) refused a head, as the client is told. */
    static Refusal refusal(Throwable decoderFailure) {
        if (decoderFailure instanceof ClientCodec.RefusedHeadException refused) {
            return refused.refusal();
        }
        if (decoderFailure instanceof TooLongHttpLineException) {
            return Refusal.REQUEST_LINE_TOO_LONG;
        }
        if (decoderFailure instanceof TooLongHttpHeaderException) {
            return Refusal.HEADERS_TOO_LARGE;
        }
        return Refusal.MALFORMED;
    }

    HttpMethod method() {
        return request.method();
    }
}
