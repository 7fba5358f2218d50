package dev.slb.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses an HTTP/2 stream whose {@code :path} holds a byte an HTTP/1.1 request target cannot (a
 * space, a control character) before Netty's frame-to-HTTP/1.1 conversion sees it: that conversion
 * allocates the request's body buffer and then throws on such a path without releasing it, a leak a
 * client could repeat on every stream. The stream gets the 400 an HTTP/1.1 request line with the
 * same bytes gets, from {@link HttpProxyHandler}, and what else it sends is dropped.
 */
final class Http2TargetGuard extends ChannelInboundHandlerAdapter {
    static final String NAME = "h2-target";

    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2HeadersFrame frame && frame.headers().path() != null) {
            String problem = RequestSyntax.targetBytesProblem(frame.headers().path());
            if (problem != null) {
                refused = true;
                ReferenceCountUtil.release(msg);
                HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
                head.setDecoderResult(
                        DecoderResult.failure(new ClientCodec.RefusedHeadException(Refusal.MALFORMED, problem)));
                ctx.fireChannelRead(head);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
