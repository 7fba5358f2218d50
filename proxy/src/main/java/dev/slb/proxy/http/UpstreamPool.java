package dev.slb.proxy.http;

import dev.slb.proxy.core.Transport;
import dev.slb.proxy.metrics.UpstreamTraffic;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keep-alive HTTP/1.1 connections to backends, one pool per event loop: a client connection and
 * the upstream connection serving it share a thread, so nothing here is locked.
 */
final class UpstreamPool {
    /** Idle connections kept per backend and event loop; more are closed on release. */
    private static final int MAX_IDLE_PER_BACKEND = 256;

    static final String DECODER = "http-response-decoder";
    static final String ENCODER = "http-request-encoder";

    /** Opens a new connection to a backend, its pipeline built by {@link #initialize}. */
    interface Dialer {
        ChannelFuture dial(InetSocketAddress address, Duration connectTimeout);
    }

    private final Dialer dialer;
    private final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();

    UpstreamPool(EventLoop loop, Transport transport) {
        this(bootstrap(loop, transport));
    }

    UpstreamPool(Dialer dialer) {
        this.dialer = dialer;
    }

    private static Dialer bootstrap(EventLoop loop, Transport transport) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Transport.WATER_MARK)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initialize(ch.pipeline());
                    }
                });
        return (address, connectTimeout) -> bootstrap
                .clone()
                // Per connection: the socket's address family is the backend's.
                .channelFactory(transport.socketChannelFactory(address))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .connect(address);
    }

    /**
     * Builds the pipeline of a backend connection: its byte counter, response decoder, request encoder, {@link
     * UpstreamHandler}.
     */
    static void initialize(ChannelPipeline p) {
        HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(16 * 1024)
                .setMaxHeaderSize(64 * 1024)
                .setMaxChunkSize(1024 * 1024)
                .setUseRfc9112TransferEncoding(true);
        UpstreamResponseDecoder decoder = new UpstreamResponseDecoder(config);
        // Counts on no backend until UpstreamConnector hands the connection to an exchange.
        p.addLast(UpstreamTraffic.NAME, new UpstreamTraffic(null));
        p.addLast(DECODER, decoder);
        p.addLast(ENCODER, new HttpRequestEncoder());
        p.addLast(UpstreamHandler.NAME, new UpstreamHandler(decoder));
    }

    /** An idle pooled connection to {@code address}, or null when there is none. */
    Channel pooled(InetSocketAddress address) {
        ArrayDeque<Channel> q = idle.get(address);
        if (q == null) {
            return null;
        }
        Channel ch;
        while ((ch = q.pollLast()) != null) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    ChannelFuture connect(InetSocketAddress address, Duration connectTimeout) {
        return dialer.dial(address, connectTimeout);
    }

    /** Returns a connection whose exchange completed cleanly; it waits for the next one. */
    void release(Channel ch, UpstreamHandler handler, InetSocketAddress address) {
        handler.detach();
        if (handler.decoder().leftoverBytes() > 0) {
            // The backend sent more than its answer: the connection is out of step, never reuse it.
            ch.close();
            return;
        }
        ArrayDeque<Channel> q = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_BACKEND) {
            // Connections the backend closed while idle stay queued until found; drop them first.
            q.removeIf(c -> !c.isActive());
        }
        if (!ch.isActive() || q.size() >= MAX_IDLE_PER_BACKEND) {
            ch.close();
            return;
        }
        q.addLast(ch);
        // Keep a read pending so that a backend closing an idle connection is noticed at once.
        ch.read();
    }

    /** Closes the idle connections to one backend: it turned unhealthy, and a request on one would likely fail. */
    void closeIdle(InetSocketAddress backend) {
        ArrayDeque<Channel> q = idle.remove(backend);
        if (q != null) {
            q.forEach(Channel::close);
        }
    }

    /** Closes every idle connection: the proxy is stopping. */
    void closeIdle() {
        idle.values().forEach(q -> q.forEach(Channel::close));
        idle.clear();
    }
}
