package dev.slb.proxy.metrics;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First in a backend connection's pipeline: counts the bytes it carries each way on the backend it serves now, as they
 * are on the wire, one add per read or write. A pooled HTTP connection serves one exchange after another, of whichever
 * listener has that backend, so the backend it counts on is set each time the connection is handed to an exchange.
 */
public final class UpstreamTraffic extends ChannelDuplexHandler {
    public static final String NAME = "slb-upstream-traffic";

    /** Written and read on the connection's event loop only; null until the connection is handed to an exchange. */
    private BackendMetrics backend;

    public UpstreamTraffic(BackendMetrics backend) {
        this.backend = backend;
    }

    /** From now on {@code upstream}'s bytes count on {@code backend} (a connection without this handler: nothing). */
    public static void countOn(Channel upstream, BackendMetrics backend) {
        if (upstream.pipeline().get(NAME) instanceof UpstreamTraffic traffic) {
            traffic.backend = backend;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long n = ClientTraffic.bytes(msg);
        if (n > 0 && backend != null) {
            backend.received(n);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = ClientTraffic.bytes(msg);
        if (n > 0 && backend != null) {
            backend.sent(n);
        }
        ctx.write(msg, promise);
    }
}
