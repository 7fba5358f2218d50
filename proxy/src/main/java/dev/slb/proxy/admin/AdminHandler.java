package dev.slb.proxy.admin;

import static dev.slb.model.ProxyContract.BACKENDS_PATH;
import static dev.slb.model.ProxyContract.CONFIG_PATH;
import static dev.slb.model.ProxyContract.CONFIG_VERSION_HEADER;
import static dev.slb.model.ProxyContract.HEALTHZ_PATH;
import static dev.slb.model.ProxyContract.METRICS_PATH;
import static dev.slb.model.ProxyContract.READYZ_PATH;
import static dev.slb.model.ProxyContract.RELOADS_PATH;

import dev.slb.model.BackendHealthReport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers one admin connection's requests from an {@link AdminServer.Status}. */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final AdminServer.Status status;

    AdminHandler(AdminServer.Status status) {
        this.status = status;
    }

    private record Answer(HttpResponseStatus status, String contentType, String body, String configVersion) {
        static Answer text(HttpResponseStatus status, String body) {
            return new Answer(status, TEXT, body + "\n", null);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus bad = cause instanceof TooLongHttpLineException
                    ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException
                            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                            : HttpResponseStatus.BAD_REQUEST;
            respond(ctx, request, Answer.text(bad, "the admin endpoint could not read this request"), false);
            return;
        }
        respond(ctx, request, answer(request), HttpUtil.isKeepAlive(request));
    }

    private Answer answer(FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        boolean known = path.equals(HEALTHZ_PATH)
                || path.equals(READYZ_PATH)
                || path.equals(CONFIG_PATH)
                || path.equals(BACKENDS_PATH)
                || path.equals(METRICS_PATH)
                || path.equals(RELOADS_PATH);
        if (!known) {
            return Answer.text(
                    HttpResponseStatus.NOT_FOUND,
                    "not found: the admin endpoint serves /healthz, /readyz, /config, /backends, /metrics and /reloads");
        }
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            return Answer.text(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " is not allowed here; use GET or HEAD");
        }
        try {
            return switch (path) {
                case HEALTHZ_PATH ->
                    status.live()
                            ? Answer.text(HttpResponseStatus.OK, "ok")
                            : Answer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "stopped");
                case READYZ_PATH ->
                    status.ready()
                            ? Answer.text(HttpResponseStatus.OK, "ready")
                            : Answer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining");
                case METRICS_PATH -> new Answer(HttpResponseStatus.OK, PROMETHEUS, status.metrics(), null);
                case RELOADS_PATH ->
                    new Answer(HttpResponseStatus.OK, JSON, status.reloadsJson(), status.configVersion());
                case BACKENDS_PATH ->
                    new Answer(
                            HttpResponseStatus.OK,
                            BackendHealthReport.CONTENT_TYPE,
                            status.backends().write(),
                            status.configVersion());
                default ->
                    new Answer(
                            HttpResponseStatus.OK,
                            JSON,
                            Objects.requireNonNull(status.configJson(), "the config summary is missing"),
                            status.configVersion());
            };
        } catch (RuntimeException e) {
            // A status that throws (e.g. asked before the first config is in place) is an answer, not a dropped
            // connection.
            log.warn("admin {}: the status could not be read: {}", path, e.toString());
            return Answer.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the proxy status could not be read: " + e);
        }
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, Answer answer, boolean keepAlive) {
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        boolean head = request.method().equals(HttpMethod.HEAD);
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(), content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                // HEAD carries the length GET would send, as RFC 9110 asks.
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (answer.status().equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        if (answer.configVersion() != null) {
            response.headers().set(CONFIG_VERSION_HEADER, headerSafe(answer.configVersion()));
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!request.protocolVersion().isKeepAliveDefault()) {
            // An HTTP/1.0 client asked for keep-alive and must be told it got it.
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A version is opaque text; a control character in it must not break (or split) the response headers. */
    static String headerSafe(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("admin connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn(
                    "admin connection {}: closing after an unexpected error",
                    ctx.channel().remoteAddress(),
                    cause);
        }
        ctx.close();
    }
}
