package dev.slb.proxy.testing;

import dev.slb.model.Backend;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A TCP backend that requires a PROXY protocol header (v1 or v2) on every connection, parsed by
 * Netty's {@link HAProxyMessageDecoder}, and then echoes every byte. A connection whose first bytes
 * are not a header is closed by the decoder's error; every header parsed is kept.
 */
public final class TestingProxyProtocolBackend implements AutoCloseable {
    /** One header as the backend parsed it. */
    public record Header(
            HAProxyProtocolVersion version,
            HAProxyCommand command,
            HAProxyProxiedProtocol protocol,
            String sourceAddress,
            int sourcePort,
            String destinationAddress,
            int destinationPort) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<Header> headers = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final Channel server;
    private final String host;

    private TestingProxyProtocolBackend(String host) throws InterruptedException {
        this.host = host;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HAProxyMessageDecoder(), new Echo());
                    }
                })
                .bind(new InetSocketAddress(host, 0))
                .sync()
                .channel();
    }

    /** A backend listening on {@code host} (127.0.0.1 or ::1). */
    public static TestingProxyProtocolBackend start(String host) throws InterruptedException {
        return new TestingProxyProtocolBackend(host);
    }

    public Backend backend() {
        return new Backend(host, ((InetSocketAddress) server.localAddress()).getPort());
    }

    /** Every header parsed so far, in order. */
    public List<Header> headers() {
        return List.copyOf(headers);
    }

    /** Why connections were closed without a header (the decoder's errors). */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    /** Waits until a header matching {@code wanted} has come, or {@code wait} has passed; the match or null. */
    public Header await(java.util.function.Predicate<Header> wanted, Duration wait) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < end) {
            for (Header h : headers) {
                if (wanted.test(h)) {
                    return h;
                }
            }
            Thread.sleep(20);
        }
        return null;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HAProxyMessage m) {
                headers.add(new Header(
                        m.protocolVersion(),
                        m.command(),
                        m.proxiedProtocol(),
                        m.sourceAddress(),
                        m.sourcePort(),
                        m.destinationAddress(),
                        m.destinationPort()));
                m.release();
                return;
            }
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            refused.add(cause.toString());
            ctx.close();
        }
    }
}
