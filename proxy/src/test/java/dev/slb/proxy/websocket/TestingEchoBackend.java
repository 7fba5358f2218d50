package dev.slb.proxy.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket echo server on 127.0.0.1 built on Netty's own WebSocket codec (fine for a test
 * backend): it echoes data frames as they come, fragments and RSV bits included, records what it
 * saw, and on the text message {@code flood N} sends N binary frames of {@link #FLOOD_FRAME} bytes.
 */
final class TestingEchoBackend implements AutoCloseable {
    static final int FLOOD_FRAME = 60_000;

    /** What the backend received, one line per frame: "Text fin", "Continuation", "Pong", "Close 1001 reason", "Binary rsv=4". */
    final Queue<String> seen = new ConcurrentLinkedQueue<>();
    /**
     * Waits until the backend has recorded {@code frame}: the proxy may finish with a connection a
     * moment before the backend's own thread has noted the last frame it got.
     */
    void awaitSeen(String frame, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!seen.contains(frame) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(seen).contains(frame);
    }

    /** Flood bytes the kernel has accepted from the backend. */
    final AtomicLong floodWritten = new AtomicLong();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    TestingEchoBackend() throws InterruptedException {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true)
                .handleCloseFrames(false)
                .dropPongFrames(false)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(32 * 1024 * 1024)
                        .allowExtensions(true)
                        // A compressed text frame is not UTF-8 on the wire.
                        .withUTF8Validator(false)
                        .build())
                .build();
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpServerCodec(),
                                        new HttpObjectAggregator(65536),
                                        new WebSocketServerProtocolHandler(config),
                                        new Echo());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        Echo() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            String kind = frame.getClass().getSimpleName().replace("WebSocketFrame", "");
            if (frame instanceof CloseWebSocketFrame close) {
                int code = close.statusCode();
                seen.add("Close " + code + " " + close.reasonText());
                close.release();
                ctx.writeAndFlush(new CloseWebSocketFrame(code, "")).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (frame instanceof PongWebSocketFrame) {
                seen.add("Pong");
                frame.release();
                return;
            }
            seen.add(kind + (frame.isFinalFragment() ? " fin" : "") + (frame.rsv() != 0 ? " rsv=" + frame.rsv() : ""));
            if (frame instanceof TextWebSocketFrame text
                    && text.isFinalFragment()
                    && text.text().startsWith("flood ")) {
                int n = Integer.parseInt(text.text().substring(6).trim());
                text.release();
                flood(ctx, n);
                return;
            }
            ctx.writeAndFlush(frame);
        }

        private void flood(ChannelHandlerContext ctx, int frames) {
            ByteBuf payload = Unpooled.wrappedBuffer(new byte[FLOOD_FRAME]);
            for (int i = 0; i < frames; i++) {
                ctx.write(new BinaryWebSocketFrame(payload.retainedDuplicate())).addListener(f -> {
                    if (f.isSuccess()) {
                        floodWritten.addAndGet(FLOOD_FRAME);
                    }
                });
            }
            ctx.flush();
            payload.release();
        }
    }
}
