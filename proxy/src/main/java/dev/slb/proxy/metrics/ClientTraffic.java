package dev.slb.proxy.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First in a client connection's pipeline: counts the connection on its listener and the bytes it carries each way,
 * as they are on the wire (TLS records and HTTP framing included), one add per read or write.
 */
public final class ClientTraffic extends ChannelDuplexHandler {
    public static final String NAME = "slb-traffic";

    private final ListenerMetrics metrics;

    public ClientTraffic(ListenerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long n = bytes(msg);
        if (n > 0) {
            metrics.received(n);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = bytes(msg);
        if (n > 0) {
            metrics.sent(n);
        }
        ctx.write(msg, promise);
    }

    private static long bytes(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}
