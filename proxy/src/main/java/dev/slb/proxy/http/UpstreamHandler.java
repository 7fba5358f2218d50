package dev.slb.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upstream (backend) connection: passes what the backend says to the
 * exchange that holds the connection, and closes a pooled connection on which the backend speaks
 * out of turn.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "upstream";
    private static final Logger log = LoggerFactory.getLogger(UpstreamHandler.class);

    private final UpstreamResponseDecoder decoder;
    private UpstreamExchange exchange;

    UpstreamHandler(UpstreamResponseDecoder decoder) {
        this.decoder = decoder;
    }

    UpstreamResponseDecoder decoder() {
        return decoder;
    }

    void attach(UpstreamExchange newExchange) {
        this.exchange = newExchange;
    }

    void detach() {
        this.exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamExchange e = exchange;
        if (e == null) {
            // An idle pooled connection has nothing to say; anything it sends desynchronises it.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        e.upstreamRead(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamExchange e = exchange;
        if (e != null) {
            e.upstreamWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamExchange e = exchange;
        exchange = null;
        if (e != null) {
            e.upstreamClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("upstream {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
