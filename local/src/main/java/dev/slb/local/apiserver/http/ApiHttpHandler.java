package dev.slb.local.apiserver.http;

import dev.slb.local.apiserver.rest.ApiRequest;
import dev.slb.local.apiserver.rest.ApiResponse;
import dev.slb.local.apiserver.rest.LocalApi;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP front: turns each HTTP request into an {@link ApiRequest} for {@link LocalApi} and writes its answer:
 * a whole response, or a chunked stream of watch events that lasts until the client leaves or
 * the watch's timeout passes. The API work runs on a worker, off the event loop, since the
 * storage blocks.
 */
final class ApiHttpHandler extends ChannelInboundHandlerAdapter {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ApiHttpHandler.class);

    private final LocalApi api;
    private final EventExecutorGroup workers;
    private final Map<String, LongAdder> requestsByAgent;
    /** One worker per connection keeps a connection's answers in the order of its requests. */
    private EventExecutor worker;

    ApiHttpHandler(LocalApi api, EventExecutorGroup workers, Map<String, LongAdder> requestsByAgent) {
        this.api = api;
        this.workers = workers;
        this.requestsByAgent = requestsByAgent;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        worker = workers.next();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FullHttpRequest request) {
                read(ctx, request);
            } else if (msg instanceof CloseWebSocketFrame close) {
                ctx.writeAndFlush(close.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE);
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void read(ChannelHandlerContext ctx, FullHttpRequest request) {
        String agent = request.headers().get(HttpHeaderNames.USER_AGENT, "");
        requestsByAgent.computeIfAbsent(agent, a -> new LongAdder()).increment();
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        ApiRequest apiRequest = new ApiRequest(
                request.method().name(),
                uri.path(),
                uri.parameters(),
                request.headers().get(HttpHeaderNames.ACCEPT),
                request.headers().get(HttpHeaderNames.CONTENT_TYPE),
                ByteBufUtil.getBytes(request.content()));
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpVersion version = request.protocolVersion();
        // The fabric8 client watches over WebSocket (one text frame per event); kubectl over HTTP.
        FullHttpRequest upgrade =
                request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                        ? new DefaultFullHttpRequest(
                                version,
                                request.method(),
                                request.uri(),
                                Unpooled.EMPTY_BUFFER,
                                request.headers().copy(),
                                EmptyHttpHeaders.INSTANCE)
                        : null;
        worker.execute(() -> answer(ctx, apiRequest, version, keepAlive, upgrade));
    }

    private void answer(
            ChannelHandlerContext ctx,
            ApiRequest request,
            HttpVersion version,
            boolean keepAlive,
            FullHttpRequest upgrade) {
        ApiResponse response = api.handle(request);
        if (upgrade != null && response instanceof ApiResponse.Watch watch) {
            webSocket(ctx, upgrade, watch);
            return;
        }
        if (response instanceof ApiResponse.Reply reply) {
            FullHttpResponse full = new DefaultFullHttpResponse(
                    version, HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
            full.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
            // As a cluster's API server: nothing here may be kept by a shared or stale cache.
            full.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
            HttpUtil.setContentLength(full, reply.body().length);
            HttpUtil.setKeepAlive(full, keepAlive);
            var written = ctx.writeAndFlush(full);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        } else if (response instanceof ApiResponse.Watch watch) {
            stream(ctx, version, watch);
        }
    }

    private void stream(ChannelHandlerContext ctx, HttpVersion version, ApiResponse.Watch watch) {
        HttpResponse head = new DefaultHttpResponse(version, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, watch.contentType());
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(head);
        AtomicBoolean ended = new AtomicBoolean();
        ApiResponse.EventSink sink = new ApiResponse.EventSink() {
            @Override
            public boolean send(byte[]... parts) {
                if (ended.get() || !ctx.channel().isActive() || tooSlow(ctx)) {
                    return false;
                }
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(parts)));
                return true;
            }

            @Override
            public void end() {
                if (ended.compareAndSet(false, true)) {
                    // The watch is over; the connection may carry the client's next request.
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            }
        };
        ctx.channel().closeFuture().addListener(f -> ended.set(true));
        follow(ctx, watch, sink);
    }

    private void webSocket(ChannelHandlerContext ctx, FullHttpRequest upgrade, ApiResponse.Watch watch) {
        String location = "ws://" + upgrade.headers().get(HttpHeaderNames.HOST, "127.0.0.1") + upgrade.uri();
        WebSocketServerHandshaker handshaker =
                new WebSocketServerHandshakerFactory(location, null, false).newHandshaker(upgrade);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        handshaker.handshake(ctx.channel(), upgrade).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            AtomicBoolean ended = new AtomicBoolean();
            ApiResponse.EventSink sink = new ApiResponse.EventSink() {
                @Override
                public boolean send(byte[]... parts) {
                    if (ended.get() || !ctx.channel().isActive() || tooSlow(ctx)) {
                        return false;
                    }
                    ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(parts)));
                    return true;
                }

                @Override
                public void end() {
                    if (ended.compareAndSet(false, true)) {
                        ctx.writeAndFlush(new CloseWebSocketFrame(1000, "watch ended"))
                                .addListener(ChannelFutureListener.CLOSE);
                    }
                }
            };
            worker.execute(() -> follow(ctx, watch, sink));
        });
    }

    /**
     * A watcher that stopped reading (its unsent events passed the high water mark) is cut off, as
     * a cluster's API server drops slow watchers; it resumes from its last resourceVersion.
     */
    private static boolean tooSlow(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            return false;
        }
        LOG.warn(
                "closing a watch from {}: it has not read {} bytes of events",
                ctx.channel().remoteAddress(),
                ctx.channel().unsafe().outboundBuffer() == null
                        ? "?"
                        : ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes());
        ctx.close();
        return true;
    }

    /** Starts the watch and stops it when the client leaves or its time is up. */
    private static void follow(ChannelHandlerContext ctx, ApiResponse.Watch watch, ApiResponse.EventSink sink) {
        Runnable cancel = watch.starter().start(sink);
        ctx.channel().closeFuture().addListener(f -> cancel.run());
        if (watch.timeout() != null) {
            ctx.channel()
                    .eventLoop()
                    .schedule(
                            () -> {
                                cancel.run();
                                sink.end();
                            },
                            watch.timeout().toMillis(),
                            TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
