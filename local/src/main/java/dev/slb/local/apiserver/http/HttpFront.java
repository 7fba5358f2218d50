package dev.slb.local.apiserver.http;

import dev.slb.local.apiserver.rest.LocalApi;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The API server's HTTP listener on loopback: one event loop for the sockets, a few workers for
 * the API (whose writes wait for the store's lock), and a bookmark for every watch that asks.
 */
public final class HttpFront implements AutoCloseable {

    /** Bodies larger than this are refused, as a cluster refuses objects over etcd's limit. */
    static final int MAX_BODY_BYTES = 3 * 1024 * 1024 + 512 * 1024;
    /** Unsent watch events a client may have pending before its watch is closed. */
    static final int WATCH_BACKLOG_BYTES = 16 << 20;
    /** How often watches that allow bookmarks get one; a cluster sends them about once a minute. */
    static final Duration BOOKMARK_INTERVAL = Duration.ofSeconds(30);

    private final EventLoopGroup loop;
    private final EventExecutorGroup workers;
    private final Channel channel;

    private HttpFront(EventLoopGroup loop, EventExecutorGroup workers, Channel channel) {
        this.loop = loop;
        this.workers = workers;
        this.channel = channel;
    }

    /** Listens on 127.0.0.1, on {@code port} (0 for any free port), counting requests by User-Agent in {@code requestsByAgent}. */
    public static HttpFront start(LocalApi api, int port, Map<String, LongAdder> requestsByAgent) throws IOException {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventExecutorGroup workers = new DefaultEventExecutorGroup(4);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                // A watcher more than this behind is cut off (ApiHttpHandler); replies are not affected.
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, WATCH_BACKLOG_BYTES))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("continue", new HttpServerExpectContinueHandler())
                                .addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast("api", new ApiHttpHandler(api, workers, requestsByAgent));
                    }
                });
        HttpFront front;
        try {
            front = new HttpFront(
                    loop,
                    workers,
                    bootstrap
                            .bind(InetAddress.getLoopbackAddress(), port)
                            .sync()
                            .channel());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            new HttpFront(loop, workers, null).close();
            throw new IOException("interrupted while binding", e);
        } catch (Exception e) {
            // Netty rethrows a bind failure (a checked exception) undeclared.
            new HttpFront(loop, workers, null).close();
            throw new IOException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        long every = BOOKMARK_INTERVAL.toMillis();
        workers.scheduleAtFixedRate(api::sendBookmarks, every, every, TimeUnit.MILLISECONDS);
        return front;
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
