package dev.slb.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * The echo backend's one handler: answers HTTP requests with {@code ok} (whatever their method and
 * body), {@code /json} with a 16 KiB JSON document, upgrades {@code /ws} and then writes every
 * WebSocket data frame back as it came (same type, flags and payload), a pong for a ping and a
 * close for a close. Writes are flushed once per read batch.
 */
final class EchoBackendHandler extends ChannelInboundHandlerAdapter {
    static final String WS_PATH = "/ws";
    /** Where the compression scenario's uncompressed, compressible response is served. */
    static final String JSON_PATH = "/json";

    private static final byte[] OK = "ok\n".getBytes(StandardCharsets.US_ASCII);
    /** Shared by every response: written as is, never released. */
    private static final ByteBuf JSON = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(JsonDocument.bytes()));

    private static final WebSocketDecoderConfig DECODER = WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(EchoBackend.MAX_FRAME_PAYLOAD)
            .allowExtensions(false)
            .expectMaskedFrames(true)
            .allowMaskMismatch(false)
            .closeOnProtocolViolation(true)
            .build();

    // The URL only matters to pre-RFC 6455 drafts; version 13 handshakes never use it.
    private static final WebSocketServerHandshakerFactory WS =
            new WebSocketServerHandshakerFactory("ws://localhost" + WS_PATH, null, DECODER);
    private static final WebSocketServerHandshakerFactory WSS =
            new WebSocketServerHandshakerFactory("wss://localhost" + WS_PATH, null, DECODER);

    private final WebSocketServerHandshakerFactory handshakers;
    private WebSocketServerHandshaker handshaker;
    private boolean flushNeeded;

    EchoBackendHandler(boolean tls) {
        handshakers = tls ? WSS : WS;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WebSocketFrame frame) {
            frame(ctx, frame);
        } else if (msg instanceof FullHttpRequest req) {
            try {
                request(ctx, req);
            } finally {
                req.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void frame(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof PingWebSocketFrame) {
            write(ctx, new PongWebSocketFrame(frame.content()));
        } else if (frame instanceof PongWebSocketFrame) {
            frame.release();
        } else if (frame instanceof CloseWebSocketFrame close) {
            ctx.flush();
            flushNeeded = false;
            // Sends the client's close back (same code) and closes the connection once it is out.
            handshaker.close(ctx, close);
        } else {
            // Text, binary or continuation: the decoder unmasked it; the encoder writes it unmasked.
            write(ctx, frame);
        }
    }

    private void request(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            respond(ctx, req, HttpResponseStatus.BAD_REQUEST, false);
            return;
        }
        String path = path(req.uri());
        if (path.equals(JSON_PATH)) {
            json(ctx, req);
            return;
        }
        if (!path.equals(WS_PATH)) {
            respond(ctx, req, HttpResponseStatus.OK, HttpUtil.isKeepAlive(req));
            return;
        }
        if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            respond(ctx, req, HttpResponseStatus.BAD_REQUEST, false);
            return;
        }
        WebSocketServerHandshaker h = handshakers.newHandshaker(req);
        if (h == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ctx.flush(); // earlier pipelined responses go out before the handshake rearranges the pipeline
        flushNeeded = false;
        try {
            h.handshake(ctx.channel(), req);
            handshaker = h;
        } catch (WebSocketHandshakeException e) {
            respond(ctx, req, HttpResponseStatus.BAD_REQUEST, false);
        }
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, boolean keepAlive) {
        ByteBuf body =
                status == HttpResponseStatus.OK ? ctx.alloc().buffer(OK.length).writeBytes(OK) : Unpooled.EMPTY_BUFFER;
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        send(ctx, req, res, keepAlive);
    }

    private void json(ChannelHandlerContext ctx, FullHttpRequest req) {
        FullHttpResponse res =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, JSON.duplicate());
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, JsonDocument.SIZE);
        send(ctx, req, res, HttpUtil.isKeepAlive(req));
    }

    private void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse res, boolean keepAlive) {
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            flushNeeded = false;
            return;
        }
        if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        write(ctx, res);
    }

    private static String path(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    private void write(ChannelHandlerContext ctx, Object msg) {
        ctx.write(msg, ctx.voidPromise());
        flushNeeded = true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushNeeded) {
            flushNeeded = false;
            ctx.flush();
        }
        // A client that sends without reading its echoes is not read further until it catches up.
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or a protocol violation from a load client: nothing to report per connection.
        ctx.close();
    }
}
