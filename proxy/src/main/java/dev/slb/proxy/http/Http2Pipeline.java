package dev.slb.proxy.http;

import dev.slb.model.Listener;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.metrics.StreamTraffic;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
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
    /** Connections closed for misbehaving: a flood of them must not flood the log too. */
    private static final RateLimitedLog rateLimited = new RateLimitedLog(log);

    static final String CODEC = "h2-codec";
    static final String MULTIPLEX = "h2-multiplex";
    static final String GUARD = "h2-guard";

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

    /**
     * Replaces the rest of {@code ch}'s pipeline (after TLS) with HTTP/2: {@code config} is the
     * listener as the connection starts, {@code current} as it is now (after reloads), and
     * {@code relay} makes each stream's proxy.
     */
    static void install(
            Channel ch,
            Listener config,
            Supplier<Listener> current,
            Supplier<HttpProxyHandler> relay,
            Connections connections) {
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
        ch.pipeline().addLast(GUARD, new ConnectionGuard(codec, current, connections));
        // The connection is read all the time: HTTP/2's flow control, per stream and per
        // connection, bounds what a client may send ahead, and control frames must be answered.
        ch.config().setAutoRead(true);
    }

    /** Each stream: its byte counter, the target's bytes checked, HTTP/2 frames to HTTP/1.1 objects, the checks HTTP/1.1 heads get, the relay. */
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
            ch.pipeline().addLast(Http2TargetGuard.NAME, new Http2TargetGuard());
            ch.pipeline().addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true, true));
            if (config.compressionEnabled()) {
                ch.pipeline().addLast(ResponseCompressor.NAME, new ResponseCompressor());
            }
            ch.pipeline().addLast(Http2RequestAdapter.NAME, new Http2RequestAdapter(config));
            ch.pipeline().addLast(HttpProxyHandler.NAME, relay.get());
        }
    }

    /**
     * The connection as a whole, past its streams (each stream has its own timeouts): closed with
     * GOAWAY when no stream has been open for the listener's HTTP keep-alive timeout (as an idle
     * HTTP/1.1 keep-alive connection is closed), when the proxy drains, and when its listener is
     * removed by a reload; and the line in the log when the frame codec closes it for misbehaving.
     */
    private static final class ConnectionGuard extends ChannelInboundHandlerAdapter implements Connections.Drainable {
        private final Http2FrameCodec codec;
        private final Supplier<Listener> current;
        private final Connections connections;
        private ChannelHandlerContext ctx;
        private ConnectionTimer timer;
        /** The connection's start or its latest stream's end: with no stream open, how long it has been idle. */
        private long quietSinceNanos;

        private boolean closing;

        ConnectionGuard(Http2FrameCodec codec, Supplier<Listener> current, Connections connections) {
            this.codec = codec;
            this.current = current;
            this.connections = connections;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.timer = new ConnectionTimer(ctx.executor(), this::onTimer);
            quietSinceNanos = timer.now();
            timer.ensureBy(quietSinceNanos + keepAliveNanos());
            codec.connection().addListener(new Http2ConnectionAdapter() {
                @Override
                public void onStreamClosed(Http2Stream stream) {
                    // The timer acts only when no stream is open; the last stream's end counts.
                    quietSinceNanos = timer.now();
                    timer.ensureBy(quietSinceNanos + keepAliveNanos());
                }

                @Override
                public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                    if (errorCode != Http2Error.NO_ERROR.code()) {
                        misbehaved(errorCode, debugData.toString(StandardCharsets.UTF_8));
                    }
                }
            });
            connections.add(this);
            Channel server = ctx.channel().parent();
            if (server != null) {
                ListenerConnections.of(server).add(this);
                if (!server.isOpen()) {
                    // Accepted just before its listener went: the close hook may have run before this joined.
                    finishAndClose();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            timer.cancel();
            connections.remove(this);
            Channel server = ctx.channel().parent();
            if (server != null) {
                ListenerConnections.of(server).remove(this);
            }
            ctx.fireChannelInactive();
        }

        /** Read at each use, so that a reload reaches open connections, as on HTTP/1.1. */
        private long keepAliveNanos() {
            return current.get().httpKeepaliveTimeout().toNanos();
        }

        private void onTimer() {
            if (closing || !ctx.channel().isActive() || codec.connection().numActiveStreams() > 0) {
                // A stream open: its end sets the timer again.
                return;
            }
            long now = timer.now();
            long deadline = quietSinceNanos + keepAliveNanos();
            if (now - deadline >= 0) {
                log.debug(
                        "client {}: idle HTTP/2 connection closed",
                        ctx.channel().remoteAddress());
                goAway();
            } else {
                timer.ensureBy(deadline);
            }
        }

        /** One line per kind of GOAWAY error every 10 s: attacks (rapid reset, floods) and broken clients alike. */
        private void misbehaved(long errorCode, String why) {
            Http2Error error = Http2Error.valueOf(errorCode);
            String name = error == null ? "0x" + Long.toHexString(errorCode) : error.name();
            String listener = current.get().name();
            rateLimited.info(
                    "h2 " + name + " " + listener,
                    () -> "listener " + listener + ": closed the HTTP/2 connection of client "
                            + ctx.channel().remoteAddress() + " with GOAWAY " + name + ": " + why);
        }

        /**
         * GOAWAY through the frame codec (NO_ERROR, naming the last stream it took), then the
         * streams in flight finish and the connection closes; new streams the client sends after
         * it are refused (RST_STREAM REFUSED_STREAM), which tells the client it may retry them elsewhere.
         */
        private void goAway() {
            if (!closing) {
                closing = true;
                ctx.channel().close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The frame codec has answered protocol errors (GOAWAY or RST_STREAM) already.
            log.debug("client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        }

        @Override
        public void finishAndClose() {
            try {
                ctx.executor().execute(this::goAway);
            } catch (RejectedExecutionException e) {
                // The proxy is shutting its event loops down, and the connection with them.
                log.debug(
                        "client {}: not sent GOAWAY, the proxy is stopping",
                        ctx.channel().remoteAddress());
            }
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

    /**
     * The HTTP/2 connections a listener accepted, kept on its server channel: when a reload removes
     * the listener (or the proxy drains) that channel closes, and each gets GOAWAY, since an HTTP/2
     * client keeps its connection, and opens streams on it, for as long as it likes. (HTTP/1.1
     * connections of a removed listener carry on until they idle out, as they always did.)
     */
    private static final class ListenerConnections {
        private static final AttributeKey<Set<ConnectionGuard>> KEY =
                AttributeKey.valueOf(Http2Pipeline.class, "connections");

        private ListenerConnections() {}

        /** The set of {@code server}'s connections, made (with its close hook) on first use. */
        static Set<ConnectionGuard> of(Channel server) {
            Attribute<Set<ConnectionGuard>> attr = server.attr(KEY);
            Set<ConnectionGuard> set = attr.get();
            if (set == null) {
                Set<ConnectionGuard> fresh = ConcurrentHashMap.newKeySet();
                set = attr.setIfAbsent(fresh);
                if (set == null) {
                    set = fresh;
                    server.closeFuture().addListener(f -> fresh.forEach(ConnectionGuard::finishAndClose));
                }
            }
            return set;
        }
    }
}
