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
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small backend to put behind the proxy when trying it out: every HTTP request is answered
 * with what the backend saw (method, path, headers, body), {@code /bytes/N} streams N bytes (for
 * downloads that take a while), and {@code /ws} is a WebSocket echo (the text message {@code
 * who} is answered with the backend's name instead, so a client can tell which pod it reached). {@code POST /fail} makes it
 * answer every other HTTP request 500 and {@code POST /hang} never answer them, until {@code POST
 * /recover}, so a health check can be watched acting. Run it with {@code java -cp slb-proxy.jar
 * dev.slb.proxy.demo.DemoBackend [--bind ADDRESS] [--port PORT] [--name NAME] [--shutdown-delay SECONDS]};
 * the name defaults to the environment's {@code POD_NAME}, so each pod says which one answered.
 */
public final class DemoBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoBackend.class);

    private static final int MAX_BODY = 1024 * 1024;

    /** The WebSocket text message answered with the backend's name rather than echoed. */
    public static final String WHO = "who";

    /** What {@code POST /fail}, {@code /hang} and {@code /recover} switch between. */
    enum Health {
        SERVING,
        FAILING,
        HANGING
    }

    private final EventLoopGroup group;
    private final Channel channel;
    private final AtomicReference<Health> health = new AtomicReference<>(Health.SERVING);

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
                                        new Echo(name, health));
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
        String name = System.getenv().getOrDefault("POD_NAME", "demo-backend");
        long shutdownDelaySeconds = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                // --bind-address is what local/ passes for the pod's own address (its network namespace).
                case "--bind", "--bind-address" -> bind = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--name" -> name = args[i + 1];
                case "--shutdown-delay" -> shutdownDelaySeconds = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        DemoBackend backend = start(new InetSocketAddress(bind, port), name);
        System.out.println(name + " listening on " + backend.address()
                + " (HTTP echo; WebSocket echo on /ws; POST /fail, /hang, /recover)");
        long delay = shutdownDelaySeconds;
        // A delay before closing on SIGTERM serves the requests a load balancer still sends while
        // it learns that this endpoint is terminating, as an application behind one should.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(delay * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            backend.close();
        }));
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
        private final AtomicReference<Health> health;

        Echo(String name, AtomicReference<Health> health) {
            this.name = name;
            this.health = health;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && switchesHealth(req)) {
                Health next = switch (req.uri()) {
                    case "/fail" -> Health.FAILING;
                    case "/hang" -> Health.HANGING;
                    default -> Health.SERVING;
                };
                health.set(next);
                LOG.info("{}: {} (POST {})", name, next, req.uri());
                answer(
                        ctx,
                        req,
                        HttpResponseStatus.OK,
                        name + " is now " + next.name().toLowerCase() + "\n");
            } else if (msg instanceof FullHttpRequest && health.get() == Health.HANGING) {
                LOG.debug("{}: hanging, so this request is never answered", name);
            } else if (msg instanceof FullHttpRequest req && health.get() == Health.FAILING) {
                answer(
                        ctx,
                        req,
                        HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        name + " is failing on purpose (POST /fail); POST /recover to this pod ends it\n");
            } else if (msg instanceof FullHttpRequest req && req.uri().startsWith(BYTES_PATH)) {
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
                ByteBuf head = Unpooled.copiedBuffer(sb.append('\n'), StandardCharsets.UTF_8);
                answer(
                        ctx,
                        req,
                        HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(head, req.content().retain()));
            } else if (msg instanceof TextWebSocketFrame text
                    && text.isFinalFragment()
                    && text.text().equals(WHO)) {
                ctx.writeAndFlush(new TextWebSocketFrame(name));
            } else if (msg instanceof WebSocketFrame frame && !(msg instanceof PingWebSocketFrame)) {
                ctx.writeAndFlush(frame.retain());
            }
        }

        private static boolean switchesHealth(FullHttpRequest req) {
            return req.method().name().equals("POST")
                    && (req.uri().equals("/fail")
                            || req.uri().equals("/hang")
                            || req.uri().equals("/recover"));
        }

        private static void answer(
                ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String text) {
            answer(ctx, req, status, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        }

        private static void answer(
                ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, ByteBuf body) {
            FullHttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(), status, body);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(res, res.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
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
