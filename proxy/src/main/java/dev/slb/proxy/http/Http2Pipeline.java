package dev.slb.proxy.http;

import dev.slb.model.Listener;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.metrics.StreamTraffic;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 side of an HTTPS client connection: Netty's frame codec with the limits and attack
 * protections set on purpose, a child channel per stream, and on each stream the same relay as an
 * HTTP/1.1 connection carrying one request ({@link HttpProxyHandler} behind
 * {@link Http2StreamFrameToHttpObjectCodec} and {@link Http2RequestAdapter}), so routing, limits,
 * headers, timeouts and back-pressure are the HTTP/1.1 ones, stream by stream.
 *
 * <p>Flow control: a stream's child channel does not auto-read, and Netty returns a stream's
 * window to the client only as its child reads, which the relay does only while the backend
 * takes the body; the other way, the child is unwritable while the stream's window (or the
 * connection) is full, and the relay then stops reading the backend.
 */
final class Http2Pipeline {
    private static final Logger log = LoggerFactory.getLogger(Http2Pipeline.class);

    static final String CODEC = "h2-codec";
    static final String MULTIPLEX = "h2-multiplex";
    static final String GUARD = "h2-guard";
    static final String IDLE = "h2-idle";

    /** The most streams a client may have open at once (RFC 9113 recommends no fewer than 100). */
    static final int MAX_CONCURRENT_STREAMS = 100;
    /**
     * Rapid reset (CVE-2023-44487): a client that resets more streams than this in {@link
     * #RST_WINDOW_SECONDS} gets GOAWAY (ENHANCE_YOUR_CALM) and the connection is closed. Netty's own
     * default; a browser resets a handful of streams when a user navigates away.
     */
    static final int MAX_RST_FRAMES_PER_WINDOW = 200;

    static final int RST_WINDOW_SECONDS = 30;
    /** SETTINGS and PING floods: control frames queued unanswered (their ACKs) before the connection is closed. */
    static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    /** Empty DATA frames in a row cost work and carry nothing: more than this closes the connection. */
    static final int MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;
    /**
     * CONTINUATION flood (CVE-2024-27316 and kin): the header list is bounded by {@code
     * maxHeaderBytes} across all CONTINUATION frames, and this many tiny ones in a row close the
     * connection.
     */
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private Http2Pipeline() {}

    /** Replaces the rest of {@code ch}'s pipeline (after TLS) with HTTP/2; {@code relay} makes each stream's proxy. */
    static void install(Channel ch, Listener config, Supplier<HttpProxyHandler> relay, Connections connections) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(config.maxHeaderBytes()))
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES_PER_WINDOW, RST_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                // A drain or reload closes with GOAWAY; streams in flight get the request timeout to finish.
                .gracefulShutdownTimeoutMillis(config.requestTimeout().toMillis())
                .build();
        ch.pipeline().addLast(CODEC, codec);
        ch.pipeline().addLast(MULTIPLEX, new Http2MultiplexHandler(new StreamInitializer(config, relay)));
        long idle = config.idleTimeout().toMillis();
        ch.pipeline().addLast(IDLE, new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
        ch.pipeline().addLast(GUARD, new ConnectionGuard(codec, connections));
        // The connection is read all the time: HTTP/2's flow control, per stream and per
        // connection, bounds what a client may send ahead, and control frames must be answered.
        ch.config().setAutoRead(true);
    }

    /** Each stream: its byte counter, HTTP/2 frames to HTTP/1.1 objects, the checks HTTP/1.1 heads get, the relay. */
    private static final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        private final Listener config;
        private final Supplier<HttpProxyHandler> relay;

        StreamInitializer(Listener config, Supplier<HttpProxyHandler> relay) {
            this.config = config;
            this.relay = relay;
        }

        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.config().setAutoRead(false);
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            ch.pipeline().addLast(StreamTraffic.NAME, new StreamTraffic());
            ch.pipeline().addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true, true));
            if (config.compressionEnabled()) {
                ch.pipeline().addLast(ResponseCompressor.NAME, new ResponseCompressor());
            }
            ch.pipeline().addLast(Http2RequestAdapter.NAME, new Http2RequestAdapter(config));
            ch.pipeline().addLast(HttpProxyHandler.NAME, relay.get());
        }
    }

    /**
     * The connection as a whole: closed when idle (no stream open for the idle timeout; each
     * stream has its own timeouts), and closed with GOAWAY when the proxy drains.
     */
    private static final class ConnectionGuard extends ChannelInboundHandlerAdapter implements Connections.Drainable {
        private final Http2FrameCodec codec;
        private final Connections connections;
        private ChannelHandlerContext ctx;

        ConnectionGuard(Http2FrameCodec codec, Connections connections) {
            this.codec = codec;
            this.connections = connections;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            connections.add(this);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connections.remove(this);
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    log.debug(
                            "client {}: idle HTTP/2 connection closed",
                            ctx.channel().remoteAddress());
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The frame codec has answered protocol errors (GOAWAY or RST_STREAM) already.
            log.debug("client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        }

        @Override
        public void finishAndClose() {
            // Through the frame codec: GOAWAY, then the streams in flight finish.
            ctx.channel().close();
        }

        @Override
        public void closeNow() {
            // Past the frame codec: no more waiting for streams.
            ctx.channel().pipeline().firstContext().close();
        }

        @Override
        public boolean isStreaming() {
            return false;
        }
    }
}
