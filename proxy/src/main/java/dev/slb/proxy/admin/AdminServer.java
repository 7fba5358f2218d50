package dev.slb.proxy.admin;

import dev.slb.model.BackendHealthReport;
import dev.slb.proxy.core.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's admin HTTP endpoint: {@code /healthz} for liveness, {@code /readyz} for readiness
 * and {@code /config} for the config version served, which the operator reads to decide whether a
 * replica is programmed.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** Requests here are a path and a few headers; anything bigger is not a probe. */
    static final int MAX_REQUEST_BYTES = 8 * 1024;
    /** Probes reconnect when they need to; a connection left open by a vanished client must not stay forever. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    /** What the endpoint reports; called on the admin event loop, so answers must be quick and never block. */
    public interface Status {
        /** False once the process should be restarted. */
        boolean live();

        /** False while draining: the replica should get no new traffic. */
        boolean ready();

        /** The config version being served. */
        String configVersion();

        /** A JSON object describing the config served, with at least {@code "version"}. */
        String configJson();

        /** Counters and gauges in the Prometheus text format (version 0.0.4). */
        String metrics();

        /** What the last config reloads did, as a JSON object (see {@code ProxyContract.RELOADS_PATH}). */
        default String reloadsJson() {
            return "{\"reloads\":[]}";
        }

        /** Each backend's health as this replica sees it. */
        default BackendHealthReport backends() {
            return new BackendHealthReport(java.util.List.of());
        }
    }

    private final Channel serverChannel;
    private final ChannelGroup connections;

    private AdminServer(Channel serverChannel, ChannelGroup connections) {
        this.serverChannel = serverChannel;
        this.connections = connections;
    }

    /**
     * Binds now and serves on {@code group} (one thread is plenty). Fails with an
     * {@link UncheckedIOException} naming the address when it cannot bind.
     */
    public static AdminServer start(EventLoopGroup group, Transport transport, InetSocketAddress bind, Status status)
            throws InterruptedException {
        Objects.requireNonNull(status, "status");
        ChannelGroup connections = new DefaultChannelGroup("slb-admin", group.next());
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline()
                                .addLast(
                                        "idle",
                                        new IdleStateHandler(0, 0, IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                                .addLast(
                                        "http",
                                        new HttpServerCodec(new HttpDecoderConfig()
                                                .setMaxInitialLineLength(4096)
                                                .setMaxHeaderSize(MAX_REQUEST_BYTES)))
                                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast("admin", new AdminHandler(status));
                    }
                })
                .bind(bind)
                .await();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            IOException io = cause instanceof IOException e ? e : new IOException(cause);
            throw new UncheckedIOException(
                    "the admin endpoint cannot listen on " + bind + ": " + cause.getMessage(), io);
        }
        AdminServer server = new AdminServer(bound.channel(), connections);
        log.info("admin endpoint listening on {}", server.boundAddress());
        return server;
    }

    /** Where the endpoint listens; the real port when it was asked to bind port 0. */
    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops listening and closes open admin connections; the event loop group stays the caller's. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
    }
}
