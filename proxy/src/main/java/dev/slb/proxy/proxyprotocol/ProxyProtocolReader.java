package dev.slb.proxy.proxyprotocol;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reads the PROXY protocol header (v1 text or v2 binary, TLVs read and ignored) an outer load
 * balancer puts ahead of a client's bytes, before anything else of the connection is read or any
 * TLS handshake runs. Once the header is in, the {@link Continuation} judges the client by the
 * address it names and builds the rest of the pipeline, which then sees the connection become
 * active; the bytes behind the header reach it untouched. A connection whose header is missing,
 * malformed or slower than the deadline is reset, and the continuation is told why.
 *
 * <p>Netty's {@link HAProxyMessageDecoder} does the parsing (both versions, a bounded header, a
 * clear error); this class adds what a listener needs around it: the deadline, the reset, and the
 * addresses kept on the channel ({@link #client}, {@link #destination}) for headers and logs.
 */
public final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {
    public static final String DECODER = "proxy-protocol-decoder";
    public static final String READER = "proxy-protocol-reader";

    private static final AttributeKey<InetSocketAddress> CLIENT = AttributeKey.valueOf("slb.proxyProtocol.client");
    private static final AttributeKey<InetSocketAddress> DESTINATION =
            AttributeKey.valueOf("slb.proxyProtocol.destination");

    /** What a listener does with a connection once its header is read, or when it cannot be. */
    public interface Continuation {
        /**
         * The header named {@code client} (the connection's own peer when the header says LOCAL or
         * UNKNOWN, as a load balancer's health check does): true to go on, after adding the rest
         * of the pipeline; false to have the connection reset.
         */
        boolean accepted(Channel channel, InetSocketAddress client);

        /** The connection had no valid header in time and is being reset; {@code why} says what was wrong. */
        void refused(Channel channel, String why);
    }

    private final Duration deadline;
    private final Continuation continuation;
    private ScheduledFuture<?> timer;
    private boolean done;
    /** Set when the connection is being reset: what the decoder still says about its bytes is moot. */
    private boolean refused;

    private ProxyProtocolReader(Duration deadline, Continuation continuation) {
        this.deadline = deadline;
        this.continuation = continuation;
    }

    /** Puts the decoder and the reader at the head of a new connection's pipeline. */
    public static void install(ChannelPipeline pipeline, Duration deadline, Continuation continuation) {
        pipeline.addLast(DECODER, new HAProxyMessageDecoder());
        pipeline.addLast(READER, new ProxyProtocolReader(deadline, continuation));
    }

    /** The client's address: the PROXY header's when the listener took one, else the connection's peer. */
    public static InetSocketAddress client(Channel channel) {
        InetSocketAddress fromHeader = channel.attr(CLIENT).get();
        return fromHeader != null ? fromHeader : (InetSocketAddress) channel.remoteAddress();
    }

    /** The address the client connected to: the PROXY header's when the listener took one, else the local end. */
    public static InetSocketAddress destination(Channel channel) {
        InetSocketAddress fromHeader = channel.attr(DESTINATION).get();
        return fromHeader != null ? fromHeader : (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Not passed on: the handlers that care are added, and told, once the header is read.
        timer = ctx.executor()
                .schedule(
                        () -> refuse(ctx, "no PROXY protocol header within " + deadline.toMillis() + " ms"),
                        deadline.toNanos(),
                        TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            done = true;
            cancelTimer();
            Channel ch = ctx.channel();
            InetSocketAddress client = null;
            if (header.command() == HAProxyCommand.PROXY
                    && header.proxiedProtocol() != HAProxyProxiedProtocol.UNKNOWN
                    && header.proxiedProtocol().addressFamily() != HAProxyProxiedProtocol.AddressFamily.AF_UNIX) {
                // Literal addresses the decoder checked: no name is ever looked up here.
                client = new InetSocketAddress(header.sourceAddress(), header.sourcePort());
                ch.attr(CLIENT).set(client);
                ch.attr(DESTINATION).set(new InetSocketAddress(header.destinationAddress(), header.destinationPort()));
            }
            if (!continuation.accepted(ch, client != null ? client : (InetSocketAddress) ch.remoteAddress())) {
                refused = true;
                reset(ch);
                return;
            }
            ctx.pipeline().remove(this);
            // The handlers just added see the connection start now; bytes behind the header follow.
            ctx.fireChannelActive();
        } finally {
            ReferenceCountUtil.release(header);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!done) {
            ctx.read();
        } else {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (refused) {
            return;
        }
        if (!done) {
            refuse(ctx, "no valid PROXY protocol header (" + cause.getMessage() + ")");
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        if (done) {
            ctx.fireChannelInactive();
        }
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        if (done) {
            return;
        }
        done = true;
        refused = true;
        cancelTimer();
        continuation.refused(ctx.channel(), why);
        reset(ctx.channel());
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** SO_LINGER 0: the close sends RST, the answer a listener gives any client it refuses, and leaves no TIME_WAIT. */
    private static void reset(Channel ch) {
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            // Not every transport takes it (EmbeddedChannel in tests): a plain close then.
        }
        ch.close();
    }
}
