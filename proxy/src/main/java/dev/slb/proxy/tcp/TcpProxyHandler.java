package dev.slb.proxy.tcp;

import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.core.ConnectAttempts;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.core.Transport;
import dev.slb.proxy.metrics.AccessLog;
import dev.slb.proxy.metrics.ClientTraffic;
import dev.slb.proxy.metrics.CloseInitiator;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.metrics.UpstreamTraffic;
import dev.slb.proxy.proxyprotocol.BackendProxyHeaders;
import dev.slb.proxy.proxyprotocol.ProxyProtocolReader;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one client connection on a TCP listener: connects to a backend (the next one when a
 * connect fails), then relays bytes both ways under back-pressure, honours half-close, and closes
 * both sides after the listener's idle timeout.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter implements Connections.Drainable {
    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);
    private static final RateLimitedLog warnings = new RateLimitedLog(log);

    private static final String PROXY_HEADER_ENCODER = "proxy-protocol-encoder";

    private final ListenerRuntime runtime;
    private final Transport transport;
    private final Connections connections;
    private final ConnectAttempts attempts = new ConnectAttempts();

    private Channel client;
    private Channel upstream;
    private AtomicInteger load;
    private boolean clientInputShut;
    private boolean upstreamInputShut;
    private long lastActivityNanos;
    private ScheduledFuture<?> idleCheck;
    /** Client bytes read before the backend connection was up (with a PROXY header), or null. */
    private List<Object> early;

    /** Who ended the connection first, for the access log. */
    private CloseInitiator ender;

    private long startedNanos;

    public TcpProxyHandler(ListenerRuntime runtime, Transport transport, Connections connections) {
        this.runtime = runtime;
        this.transport = transport;
        this.connections = connections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        startedNanos = System.nanoTime();
        connections.add(this);
        connectNext();
        ctx.fireChannelActive();
    }

    private void connectNext() {
        InetAddress source =
                runtime.persistent() ? ProxyProtocolReader.client(client).getAddress() : null;
        final int i = attempts.next(
                source != null ? runtime.persistentSelector(source) : runtime.selector(client.eventLoop()));
        if (i < 0) {
            // Said at most once per 10 s per listener: every client of a listener with nowhere to go fails alike.
            warnings.warn(
                    "no backend " + runtime.name(),
                    () -> runtime.takesNewConnections()
                            ? "listener " + runtime.name() + ": no backend accepted a connection; closing the client"
                                    + " connection"
                            : runtime.noBackendReason() + "; closing client connections");
            client.close();
            return;
        }
        InetSocketAddress address = runtime.address(i);
        long begun = System.nanoTime();
        new Bootstrap()
                .group(client.eventLoop())
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Transport.WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(
                        Integer.MAX_VALUE, runtime.config().connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(UpstreamTraffic.NAME, new UpstreamTraffic(runtime.metrics(i)))
                                .addLast(new UpstreamSide());
                    }
                })
                .connect(address)
                .addListener((ChannelFuture f) -> {
                    if (!client.isActive()) {
                        f.channel().close();
                    } else if (f.isSuccess()) {
                        runtime.metrics().upstreamConnected(System.nanoTime() - begun);
                        upstream = f.channel();
                        runtime.backendSucceeded(i);
                        if (source != null) {
                            runtime.persisted(source, i);
                        }
                        // Known by its backend from now on, so the backend's drain can close it.
                        connections.add(this, runtime.name(), address);
                        load = runtime.load(i);
                        load.incrementAndGet();
                        lastActivityNanos = System.nanoTime();
                        scheduleIdleCheck(runtime.config().idleTimeout().toNanos());
                        ProxyProtocolVersion header = runtime.config().backendProxyProtocol();
                        if (header != null) {
                            sendProxyHeader(header);
                        }
                        if (early != null) {
                            flushEarly();
                        }
                        if (clientInputShut) {
                            // The client half-closed before the backend took the connection (epoll
                            // reports that without a read): the backend must still see end of stream,
                            // and the client's side has nothing left to read (epoll refuses the read).
                            shutdownOutput(upstream, false);
                        } else {
                            client.read();
                        }
                        upstream.read();
                    } else {
                        log.warn(
                                "listener {}: backend {} failed: {}; trying the next one",
                                runtime.name(),
                                address,
                                f.cause().toString());
                        runtime.backendFailed(i, "connect failed: " + f.cause().getMessage());
                        attempts.failed(i, f.cause());
                        connectNext();
                    }
                });
    }

    /**
     * Writes the PROXY protocol header ahead of anything else on the backend connection: the client's
     * bytes are read only after this, and writes on one channel keep their order.
     */
    private void sendProxyHeader(ProxyProtocolVersion version) {
        HAProxyMessage header = BackendProxyHeaders.forConnection(
                version, ProxyProtocolReader.client(client), ProxyProtocolReader.destination(client));
        // Encoded as it is written, here on the event loop, so the encoder can go at once; last in the pipeline, so the
        // header's bytes pass the byte counter.
        upstream.pipeline().addLast(PROXY_HEADER_ENCODER, HAProxyMessageEncoder.INSTANCE);
        upstream.writeAndFlush(header).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                closeBoth();
            }
        });
        upstream.pipeline().remove(PROXY_HEADER_ENCODER);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upstream == null) {
            // Bytes that came in one read with a PROXY header the listener took: they wait for the
            // backend (the client is not read again until then, so this is at most one read).
            if (early == null) {
                early = new ArrayList<>(1);
            }
            early.add(msg);
            return;
        }
        relay(msg, client, upstream);
    }

    /** Sends the bytes that came before the backend connection was up, after any PROXY header. */
    private void flushEarly() {
        List<Object> pending = early;
        early = null;
        for (Object msg : pending) {
            lastActivityNanos = System.nanoTime();
            upstream.write(msg).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    closeBoth();
                }
            });
        }
        upstream.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (client.isWritable() && upstream != null && !upstreamInputShut) {
            upstream.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The first to stop sending (a FIN, or a full close) ended the connection.
            ended(CloseInitiator.CLIENT);
            clientInputShut = true;
            shutdownOutput(upstream, clientInputShut && upstreamInputShut);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended(CloseInitiator.CLIENT);
        connections.remove(this);
        closeBoth();
        if (runtime.config().accessLog()) {
            ClientTraffic traffic = ClientTraffic.of(client);
            runtime.metrics()
                    .log(AccessLog.Line.stream(
                            "tcp",
                            traffic == null ? String.valueOf(client.remoteAddress()) : traffic.client(),
                            runtime.name(),
                            upstream == null ? null : Labels.backend((InetSocketAddress) upstream.remoteAddress()),
                            System.nanoTime() - startedNanos,
                            traffic == null ? -1 : traffic.received(),
                            traffic == null ? -1 : traffic.sent(),
                            -1,
                            -1,
                            -1,
                            ender.label()));
        }
    }

    private void ended(CloseInitiator who) {
        if (ender == null) {
            ender = who;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("listener {}: client {}: {}", runtime.name(), ctx.channel().remoteAddress(), cause.toString());
        closeBoth();
    }

    /** Forwards one read; the source reads again only once the destination has room. */
    private void relay(Object msg, Channel from, Channel to) {
        if (to == null || !to.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf) {
            lastActivityNanos = System.nanoTime();
        }
        to.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                closeBoth();
            } else if (to.isWritable()) {
                from.read();
            }
            // Otherwise the destination's writability change resumes reading.
        });
    }

    private void shutdownOutput(Channel ch, boolean bothShut) {
        if (ch == null) {
            return;
        }
        if (bothShut) {
            // Both directions are finished: nothing more can flow.
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> closeBoth());
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (ch instanceof DuplexChannel d && ch.isActive()) {
                d.shutdownOutput();
            }
        });
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = client.eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (!client.isActive()) {
            return;
        }
        long limit = runtime.config().idleTimeout().toNanos();
        long idle = System.nanoTime() - lastActivityNanos;
        if (idle >= limit) {
            // Outright, not after a flush: a peer that stopped reading would hold a flush forever.
            log.debug("listener {}: closing idle connection from {}", runtime.name(), client.remoteAddress());
            ended(CloseInitiator.IDLE_TIMEOUT);
            closeBoth();
            client.close();
            if (upstream != null) {
                upstream.close();
            }
        } else {
            scheduleIdleCheck(limit - idle);
        }
    }

    private void closeBoth() {
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
        if (load != null) {
            load.decrementAndGet();
            load = null;
        }
        flushAndClose(client);
        flushAndClose(upstream);
    }

    private void flushAndClose(Channel ch) {
        if (ch == null || !ch.isActive()) {
            return;
        }
        var pending = ch.unsafe().outboundBuffer();
        if (pending == null || pending.totalPendingWriteBytes() == 0) {
            ch.close();
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        // A peer that never reads would keep that flush, and both sockets, forever.
        ch.eventLoop().schedule(() -> ch.close(), runtime.config().idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void finishAndClose() {
        // A byte stream has no request boundary to stop at: it carries on until the drain window ends.
    }

    @Override
    public void closeNow() {
        client.eventLoop().execute(() -> {
            ended(CloseInitiator.DRAIN);
            closeBoth();
        });
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    /** The backend side: relays to the client and reports half-close. */
    private final class UpstreamSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relay(msg, upstream, client);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && !clientInputShut) {
                client.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ended(CloseInitiator.BACKEND);
                upstreamInputShut = true;
                shutdownOutput(client, clientInputShut && upstreamInputShut);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended(CloseInitiator.BACKEND);
            closeBoth();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug(
                    "listener {}: backend {}: {}", runtime.name(), ctx.channel().remoteAddress(), cause.toString());
            closeBoth();
        }
    }
}
