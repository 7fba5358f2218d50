package dev.slb.proxy.websocket;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the proxy's HTTP path, on one event loop: it accepts a client on 127.0.0.1,
 * connects to the backend, forwards the opening handshake as raw bytes up to each side's
 * {@code \r\n\r\n}, and on a 101 hands both channels to {@link WebSocketRelay#start}, then
 * removes itself and passes on whatever bytes came after the handshake, as the real decoders do.
 */
final class TestingWebSocketProxy implements AutoCloseable {
    private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    final BlockingQueue<WebSocketRelay> relays = new LinkedBlockingQueue<>();
    final AtomicInteger closedRelays = new AtomicInteger();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final int backendPort;
    private final WebSocketRelay.Settings settings;
    private final Channel server;

    TestingWebSocketProxy(int backendPort, WebSocketRelay.Settings settings) throws InterruptedException {
        this.backendPort = backendPort;
        this.settings = settings;
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ClientHandshake());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    WebSocketRelay awaitRelay() throws InterruptedException {
        WebSocketRelay relay = relays.poll(10, TimeUnit.SECONDS);
        if (relay == null) {
            throw new AssertionError("no WebSocket relay started within 10 s");
        }
        return relay;
    }

    void awaitClosedRelays(int n, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (closedRelays.get() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(closedRelays.get() + " of " + n + " relays closed within " + within);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Gathers bytes up to the end of an HTTP head; what follows stays for the relay. */
    private abstract static class HeadHandler extends ChannelInboundHandlerAdapter {
        private ByteBuf head;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            head = head == null ? in : ctx.alloc().compositeBuffer().addComponents(true, head, in);
            int end = ByteBufUtil.indexOf(head, head.readerIndex(), head.writerIndex(), END_OF_HEAD[0]);
            for (; end >= 0; end = ByteBufUtil.indexOf(head, end + 1, head.writerIndex(), END_OF_HEAD[0])) {
                if (end + 4 <= head.writerIndex()
                        && head.getByte(end + 1) == '\n'
                        && head.getByte(end + 2) == '\r'
                        && head.getByte(end + 3) == '\n') {
                    break;
                }
            }
            if (end < 0) {
                ctx.read();
                return;
            }
            ByteBuf complete = head.readRetainedSlice(end + 4 - head.readerIndex());
            ByteBuf rest = head;
            head = null;
            onHead(ctx, complete, rest);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (head != null) {
                head.release();
                head = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        /** {@code rest} holds the bytes after the head; the handler owns both buffers. */
        abstract void onHead(ChannelHandlerContext ctx, ByteBuf head, ByteBuf rest);
    }

    private final class ClientHandshake extends HeadHandler {
        private Channel upstream;
        private ByteBuf leftover;
        private boolean relayStarted;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            ChannelFuture connect = new Bootstrap()
                    .group(client.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .handler(new UpstreamHandshake(this, ctx))
                    .connect("127.0.0.1", backendPort);
            connect.addListener(f -> {
                if (f.isSuccess()) {
                    upstream = connect.channel();
                    upstream.closeFuture().addListener(c -> {
                        if (!relayStarted) {
                            client.close();
                        }
                    });
                    ctx.read();
                } else {
                    client.close();
                }
            });
        }

        @Override
        void onHead(ChannelHandlerContext ctx, ByteBuf head, ByteBuf rest) {
            leftover = rest;
            upstream.writeAndFlush(head);
            upstream.read();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            super.handlerRemoved(ctx);
            ByteBuf rest = leftover;
            leftover = null;
            if (rest != null) {
                // Like an HTTP decoder being removed: what it held goes on to the next handler.
                if (rest.isReadable()) {
                    ctx.fireChannelRead(rest);
                } else {
                    rest.release();
                }
            }
        }
    }

    private final class UpstreamHandshake extends HeadHandler {
        private final ClientHandshake clientSide;
        private final ChannelHandlerContext clientCtx;
        private ByteBuf leftover;

        UpstreamHandshake(ClientHandshake clientSide, ChannelHandlerContext clientCtx) {
            this.clientSide = clientSide;
            this.clientCtx = clientCtx;
        }

        @Override
        void onHead(ChannelHandlerContext ctx, ByteBuf head, ByteBuf rest) {
            boolean switching = head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101");
            Channel client = clientCtx.channel();
            client.writeAndFlush(head);
            if (!switching) {
                rest.release();
                client.close();
                ctx.close();
                return;
            }
            leftover = rest;
            clientSide.relayStarted = true;
            WebSocketRelay relay = WebSocketRelay.start(client, ctx.channel(), settings, closedRelays::incrementAndGet);
            client.pipeline().remove(clientSide);
            ctx.pipeline().remove(this);
            relays.add(relay);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            super.handlerRemoved(ctx);
            ByteBuf rest = leftover;
            leftover = null;
            if (rest != null) {
                if (rest.isReadable()) {
                    ctx.fireChannelRead(rest);
                } else {
                    rest.release();
                }
            }
        }
    }
}
