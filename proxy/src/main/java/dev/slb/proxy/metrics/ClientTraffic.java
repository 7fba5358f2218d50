package dev.slb.proxy.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ServerChannel;
import java.net.InetSocketAddress;

/**
 * First in a client connection's pipeline: counts the connection on its listener and the bytes it carries each way,
 * as they are on the wire (TLS records and HTTP framing included), one add per read or write.
 */
public final class ClientTraffic extends ChannelDuplexHandler {
    public static final String NAME = "slb-traffic";

    private final ListenerMetrics metrics;
    // This connection's own totals and start, for its access-log lines; written and read on its event loop only.
    private long received;
    private long sent;
    /** The totals when the connection's last access-log line was made: an exchange's bytes are those since. */
    private long receivedLogged;

    private long sentLogged;
    private long openedNanos;
    private String client;
    private Channel channel;

    public ClientTraffic(ListenerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        openedNanos = System.nanoTime();
        channel = ctx.channel();
    }

    /** Bytes read from the client so far. */
    public long received() {
        return received;
    }

    /** Bytes written to the client so far. */
    public long sent() {
        return sent;
    }

    /** Bytes read since the last {@link #markLogged()}: an HTTP exchange's request, read before it began. */
    public long receivedSinceLogged() {
        return received - receivedLogged;
    }

    public long sentSinceLogged() {
        return sent - sentLogged;
    }

    public void markLogged() {
        receivedLogged = received;
        sentLogged = sent;
    }

    public long openedNanos() {
        return openedNanos;
    }

    /** The client's address: the one a PROXY protocol header named, else the connection's peer. */
    public String client() {
        if (client == null && channel.remoteAddress() instanceof InetSocketAddress peer) {
            client = Labels.backend(peer);
        }
        return client;
    }

    /** The client a PROXY protocol header named. */
    public void client(InetSocketAddress address) {
        this.client = Labels.backend(address);
    }

    /** The traffic counter of {@code channel}'s connection, or null (an HTTP/2 stream's own channel has none). */
    public static ClientTraffic of(Channel channel) {
        Channel ch = channel.parent() == null || channel.parent() instanceof ServerChannel ? channel : channel.parent();
        return ch == null ? null : (ClientTraffic) ch.pipeline().get(NAME);
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
            received += n;
            metrics.received(n);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = bytes(msg);
        if (n > 0) {
            sent += n;
            metrics.sent(n);
        }
        ctx.write(msg, promise);
    }

    /** The bytes a message carries on the wire: a buffer's readable bytes, nothing for anything else. */
    static long bytes(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}
