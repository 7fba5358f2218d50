package dev.slb.local.services;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one client connection of a Service port to one endpoint, byte for byte, under
 * back-pressure and with half-close passed through, as kube-proxy's NAT would; on a port the
 * Service asks it of, behind a PROXY protocol v2 header naming the client, as a cloud load
 * balancer does.
 */
final class ServiceRelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceRelayHandler.class);

    /** A relay holds at most about this much per direction in memory; the kernel holds the rest. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    /** A pod on loopback answers at once or not at all; longer would only keep the client waiting. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final ServicePortState port;
    private final ServiceProxy proxy;
    // All of this state is touched only on the client channel's event loop, which the upstream shares.
    private Channel client;
    private Channel upstream;
    private int outputsShut;

    ServiceRelayHandler(ServicePortState port, ServiceProxy proxy) {
        this.port = port;
        this.proxy = proxy;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        // The endpoints ready now decide; a later change affects only later connections.
        List<InetSocketAddress> order = port.pick();
        if (order.isEmpty()) {
            port.refuse();
            abort(client);
            return;
        }
        connect(order, 0);
        ctx.fireChannelActive();
    }

    private void connect(List<InetSocketAddress> order, int attempt) {
        InetSocketAddress endpoint = order.get(attempt);
        ChannelFuture connecting = new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .handler(new UpstreamHandler())
                .connect(endpoint);
        proxy.track(connecting.channel());
        connecting.addListener((ChannelFuture f) -> {
            if (!client.isActive()) {
                f.channel().close();
            } else if (f.isSuccess()) {
                upstream = f.channel();
                if (port.proxyProtocol()) {
                    // Ahead of the client's first byte: the same loop writes both, in this order.
                    upstream.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
                    upstream.writeAndFlush(header(client));
                }
                client.read();
                upstream.read();
            } else if (attempt + 1 < order.size()) {
                port.connectFailed(endpoint, f.cause(), order.get(attempt + 1));
                connect(order, attempt + 1);
            } else {
                port.connectFailed(endpoint, f.cause(), null);
                abort(client);
            }
        });
    }

    /** A PROXY protocol v2 header for the client's connection: who it is and what it connected to. */
    static HAProxyMessage header(Channel client) {
        InetSocketAddress source = (InetSocketAddress) client.remoteAddress();
        InetSocketAddress destination = (InetSocketAddress) client.localAddress();
        boolean ipv4 = source.getAddress() instanceof Inet4Address;
        if (ipv4 != destination.getAddress() instanceof Inet4Address) {
            // One socket has one family; were it ever otherwise, LOCAL says "use the connection's own".
            return new HAProxyMessage(
                    HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
        }
        return new HAProxyMessage(
                HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY,
                ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                source.getAddress().getHostAddress(),
                destination.getAddress().getHostAddress(),
                source.getPort(),
                destination.getPort());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        relay(msg, client, upstream);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (client.isWritable() && upstream != null) {
            upstream.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            shutdownOutputAfterFlush(upstream);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(upstream);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: client {}: {}", port.name(), ctx.channel().remoteAddress(), cause.toString());
        // A reset on one side becomes a reset on the other, as it would pass through NAT.
        abort(upstream);
        ctx.close();
    }

    /** Forwards one read; the source reads again only once the destination has taken it. */
    private void relay(Object msg, Channel from, Channel to) {
        if (to == null || !to.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        to.writeAndFlush(msg).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                abort(from);
                to.close();
            } else if (to.isWritable()) {
                from.read();
            }
            // Otherwise the destination's writability change resumes reading.
        });
    }

    private void shutdownOutputAfterFlush(Channel ch) {
        if (ch == null || !ch.isActive()) {
            return;
        }
        // Netty's shutdownOutput drops writes still queued, so let them reach the socket first.
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture flushed) -> {
            if (!flushed.isSuccess() || !ch.isActive()) {
                return;
            }
            ((DuplexChannel) ch).shutdownOutput().addListener(shut -> {
                // Both directions ended in order: nothing can flow any more, and nobody else closes.
                if (++outputsShut == 2) {
                    client.close();
                    upstream.close();
                }
            });
        });
    }

    private static void closeAfterFlush(Channel ch) {
        if (ch == null) {
            return;
        }
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    private static void abort(Channel ch) {
        if (ch == null) {
            return;
        }
        if (ch.isOpen()) {
            // Linger zero: the peer sees a reset at once rather than an orderly end of stream.
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        ch.close();
    }

    /** The endpoint side of the same relay. */
    private final class UpstreamHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relay(msg, ctx.channel(), client);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                client.read();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                shutdownOutputAfterFlush(client);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterFlush(client);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("{}: endpoint {}: {}", port.name(), ctx.channel().remoteAddress(), cause.toString());
            abort(client);
            ctx.close();
        }
    }
}
