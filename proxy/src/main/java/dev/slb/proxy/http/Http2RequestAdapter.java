package dev.slb.proxy.http;

import dev.slb.model.Listener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Makes an HTTP/2 stream's request look as {@link HttpProxyHandler} expects one from the HTTP/1.1
 * decoder: a head, then its body, never one "full" message (a stream whose HEADERS frame ends it
 * arrives as one); without the {@code x-http2-*} headers Netty's conversion adds; and with the
 * listener's HTTP/1.1 limits the frame codec does not apply (the target's length and bytes, the number of
 * header fields), refused as the HTTP/1.1 decoder refuses them. The header list's size is
 * bounded by the codec itself (SETTINGS_MAX_HEADER_LIST_SIZE).
 */
final class Http2RequestAdapter extends ChannelInboundHandlerAdapter {
    static final String NAME = "h2-request";

    private final int maxTargetBytes;
    private final int maxHeaders;

    Http2RequestAdapter(Listener config) {
        this.maxTargetBytes = config.maxRequestLineBytes();
        this.maxHeaders = config.maxHeaders();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request) || request.decoderResult().isFailure()) {
            // Not a head, or one refused already (Http2TargetGuard): on as it is.
            ctx.fireChannelRead(msg);
            return;
        }
        HttpRequest head =
                new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(), request.headers());
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            head.headers().remove(name.text());
        }
        ClientCodec.RefusedHeadException problem = check(head);
        boolean full = msg instanceof FullHttpRequest;
        if (problem != null) {
            ReferenceCountUtil.release(msg);
            head.setDecoderResult(DecoderResult.failure(problem));
            ctx.fireChannelRead(head);
            return;
        }
        ctx.fireChannelRead(head);
        if (full) {
            FullHttpRequest whole = (FullHttpRequest) msg;
            ctx.fireChannelRead(
                    whole.content().isReadable()
                            ? LastHttpContent.EMPTY_LAST_CONTENT.replace(
                                    whole.content().retain())
                            : LastHttpContent.EMPTY_LAST_CONTENT);
            whole.release();
        }
    }

    /** Why the head is refused, or null. */
    private ClientCodec.RefusedHeadException check(HttpRequest head) {
        if (HttpMethod.CONNECT.equals(head.method())) {
            // Extended CONNECT (RFC 8441, WebSocket over HTTP/2) is not offered, so this is plain CONNECT.
            return new ClientCodec.RefusedHeadException(Refusal.METHOD_NOT_ALLOWED, "CONNECT");
        }
        if (head.uri().length() > maxTargetBytes) {
            return new ClientCodec.RefusedHeadException(
                    Refusal.REQUEST_LINE_TOO_LONG,
                    "the :path is " + head.uri().length() + " bytes, more than " + maxTargetBytes);
        }
        if (head.headers().size() > maxHeaders) {
            return new ClientCodec.RefusedHeadException(
                    Refusal.TOO_MANY_HEADERS, head.headers().size() + " header fields, more than " + maxHeaders);
        }
        String bytes = RequestSyntax.targetBytesProblem(head.uri());
        if (bytes != null) {
            return new ClientCodec.RefusedHeadException(Refusal.MALFORMED, bytes);
        }
        String target = RequestSyntax.targetProblem(HttpMethod.OPTIONS.equals(head.method()), head.uri());
        return target == null ? null : new ClientCodec.RefusedHeadException(Refusal.MALFORMED, target);
    }
}
