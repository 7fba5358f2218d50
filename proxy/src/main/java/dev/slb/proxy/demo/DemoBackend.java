package dev.slb.proxy.demo;

import dev.slb.proxy.core.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small backend to put behind the proxy when trying it out: every HTTP request is answered
 * with what the backend saw (method, path, headers, body), {@code /bytes/N} streams N bytes (for
 * downloads that take a while), and {@code /ws} is a WebSocket echo.
 * Run it with {@code java -cp slb-proxy.jar dev.slb.proxy.demo.DemoBackend [--bind ADDRESS] [--port PORT] [--name NAME]}.
 */
public final class DemoBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoBackend.class);

    private static final int MAX_BODY = 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private DemoBackend(InetSocketAddress bind, String name) throws InterruptedException {
        Transport transport = Transport.best();
        group = transport.newGroup(1, "demo-backend");
        channel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpServerCodec(),
                                        new HttpObjectAggregator(MAX_BODY),
                                        new ChunkedWriteHandler(),
                                        new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                                .websocketPath("/ws")
                                                .allowExtensions(true)
                                                .maxFramePayloadLength(64 * 1024 * 1024)
                                                .build()),
                                        new Echo(name));
                    }
                })
                .bind(bind)
                .sync()
                .channel();
    }

    public static DemoBackend start(InetSocketAddress bind, String name) throws InterruptedException {
        return new DemoBackend(bind, name);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1";
        int port = 19000;
        String name = "demo-backend";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--name" -> name = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        DemoBackend backend = start(new InetSocketAddress(bind, port), name);
        System.out.println(name + " listening on " + backend.address() + " (HTTP echo; WebSocket echo on /ws)");
        Runtime.getRuntime().addShutdownHook(new Thread(backend::close));
        backend.channel.closeFuture().sync();
    }

    /** {@code GET /bytes/N}: N bytes of a known pattern (byte i is {@code i % 251}), streamed. */
    static final String BYTES_PATH = "/bytes/";

    private static final long MAX_DOWNLOAD = 4L * 1024 * 1024 * 1024;

    private static void download(ChannelHandlerContext ctx, FullHttpRequest req) {
        long length;
        try {
            length = Long.parseLong(req.uri().substring(BYTES_PATH.length()).replaceFirst("[?].*", ""));
        } catch (NumberFormatException e) {
            length = -1;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (length < 0 || length > MAX_DOWNLOAD) {
            FullHttpResponse bad = new DefaultFullHttpResponse(
                    req.protocolVersion(),
                    HttpResponseStatus.BAD_REQUEST,
                    Unpooled.copiedBuffer(
                            "GET /bytes/N takes N from 0 to " + MAX_DOWNLOAD + "\n", StandardCharsets.UTF_8));
            HttpUtil.setContentLength(bad, bad.content().readableBytes());
            ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        HttpResponse head = new DefaultHttpResponse(req.protocolVersion(), HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        HttpUtil.setContentLength(head, length);
        HttpUtil.setKeepAlive(head, keepAlive);
        ctx.write(head);
        // ChunkedWriteHandler writes the next chunk only when the client has taken the last one.
        var done = ctx.writeAndFlush(new HttpChunkedInput(new PatternInput(length)));
        if (!keepAlive) {
            done.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The download's bytes, made 64 KiB at a time as the client reads them. */
    private static final class PatternInput implements ChunkedInput<ByteBuf> {
        private static final int CHUNK = 64 * 1024;
        private final long length;
        private long offset;

        PatternInput(long length) {
            this.length = length;
        }

        @Override
        public boolean isEndOfInput() {
            return offset >= length;
        }

        @Override
        public void close() {}

        @Override
        @Deprecated
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(CHUNK, length - offset);
            ByteBuf chunk = allocator.buffer(n);
            for (int i = 0; i < n; i++) {
                chunk.writeByte((int) ((offset + i) % 251));
            }
            offset += n;
            return chunk;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return offset;
        }
    }

    /** Answers HTTP with a description of the request, and echoes WebSocket frames. */
    private static final class Echo extends SimpleChannelInboundHandler<Object> {
        private final String name;

        Echo(String name) {
            this.name = name;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && req.uri().startsWith(BYTES_PATH)) {
                download(ctx, req);
            } else if (msg instanceof FullHttpRequest req) {
                StringBuilder sb = new StringBuilder()
                        .append(name)
                        .append(" saw ")
                        .append(req.method())
                        .append(' ')
                        .append(req.uri())
                        .append(' ')
                        .append(req.protocolVersion())
                        .append('\n');
                for (Map.Entry<String, String> h : req.headers()) {
                    sb.append(h.getKey()).append(": ").append(h.getValue()).append('\n');
                }
                ByteBuf body = Unpooled.copiedBuffer(sb.append('\n'), StandardCharsets.UTF_8);
                FullHttpResponse res = new DefaultFullHttpResponse(
                        req.protocolVersion(),
                        HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(body, req.content().retain()));
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
                HttpUtil.setContentLength(res, res.content().readableBytes());
                boolean keepAlive = HttpUtil.isKeepAlive(req);
                HttpUtil.setKeepAlive(res, keepAlive);
                var f = ctx.writeAndFlush(res);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
            } else if (msg instanceof WebSocketFrame frame && !(msg instanceof PingWebSocketFrame)) {
                ctx.writeAndFlush(frame.retain());
            }
        }

        /**
         * A client that gives up (a reset, a broken frame) is one line, not Netty's warning with a
         * stack trace about an exception that reached the end of the pipeline.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.info(
                    "client {} went away or broke the protocol: {}",
                    ctx.channel().remoteAddress(),
                    cause.toString());
            ctx.close();
        }
    }
}
