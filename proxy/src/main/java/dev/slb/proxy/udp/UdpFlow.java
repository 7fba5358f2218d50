package dev.slb.proxy.udp;

import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.Transport;
import dev.slb.proxy.metrics.AccessLog;
import dev.slb.proxy.metrics.CloseInitiator;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.proxyprotocol.BackendProxyHeaders;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's flow on a UDP listener: its backend, the connected socket it reaches that backend through, its idle
 * timer. Memory per flow is bounded: no queue of its own (a datagram that cannot be written now is dropped and
 * counted), only what the socket's write-buffer water mark allows while the kernel's send buffer is full.
 */
final class UdpFlow implements Connections.Drainable {
    private static final Logger log = LoggerFactory.getLogger(UdpFlow.class);

    private final UdpRelay relay;
    private final ListenerRuntime runtime;
    private final int backendIndex;
    private final InetSocketAddress client;
    private final long startedNanos = System.nanoTime();
    /** The PROXY protocol v2 header ahead of every datagram to the backend, or null. */
    private ByteBuf header;

    private Channel backend;
    private boolean connected;
    /** The first datagram, while the backend socket connects (on this loop, at once in practice); or null. */
    private ByteBuf pending;

    private AtomicInteger load;
    private long lastActivityNanos = startedNanos;
    private ScheduledFuture<?> idleCheck;
    private boolean needsFlush;
    private boolean ended;
    private CloseInitiator ender;
    private long bytesIn;
    private long bytesOut;

    UdpFlow(UdpRelay relay, ListenerRuntime runtime, int backendIndex, InetSocketAddress client) {
        this.relay = relay;
        this.runtime = runtime;
        this.backendIndex = backendIndex;
        this.client = client;
    }

    InetSocketAddress client() {
        return client;
    }

    /** Opens the flow's socket to its backend, on the listener's event loop. */
    void connect() {
        runtime.metrics().udpFlowOpened();
        InetSocketAddress address = runtime.address(backendIndex);
        if (runtime.config().backendProxyProtocol() == ProxyProtocolVersion.V2) {
            header = BackendProxyHeaders.encode(BackendProxyHeaders.forDatagrams(
                    client, (InetSocketAddress) relay.socket().localAddress()));
        }
        ChannelFuture connecting = new Bootstrap()
                .group(relay.socket().eventLoop())
                .channel(relay.transport().datagramChannel())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Transport.WATER_MARK)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Transport.MAX_DATAGRAM_BYTES))
                .handler(new BackendSide())
                .connect(address);
        backend = connecting.channel();
        connecting.addListener((ChannelFuture f) -> {
            if (ended) {
                f.channel().close();
            } else if (f.isSuccess()) {
                connected = true;
                load = runtime.load(backendIndex);
                load.incrementAndGet();
                // Known by its backend from now on, so the backend's drain can end it.
                relay.connections().add(this, runtime.name(), address);
                scheduleIdleCheck(runtime.config().idleTimeout().toNanos());
                if (pending != null) {
                    ByteBuf first = pending;
                    pending = null;
                    send(first);
                    flush();
                }
            } else {
                // A UDP connect sends nothing: it fails only here (no source port or file descriptor
                // left, no route), so it says nothing about the backend and does not count against it.
                log.warn(
                        "listener {}: no socket for a UDP flow to backend {}: {}",
                        runtime.name(),
                        address,
                        f.cause().toString());
                end(CloseInitiator.BACKEND);
            }
        });
    }

    /** A datagram from the client (the flow owns {@code data} now). */
    void fromClient(ByteBuf data) {
        if (ended) {
            data.release();
            return;
        }
        lastActivityNanos = System.nanoTime();
        int size = data.readableBytes();
        bytesIn += size;
        runtime.metrics().udpReceived(size);
        if (!connected) {
            if (pending == null) {
                pending = data;
            } else {
                data.release();
                runtime.metrics().udpDropped("buffer_full");
            }
            return;
        }
        send(data);
    }

    private void send(ByteBuf data) {
        if (!backend.isWritable()) {
            data.release();
            runtime.metrics().udpDropped("buffer_full");
            return;
        }
        ByteBuf out = header == null ? data : Unpooled.wrappedBuffer(header.retainedDuplicate(), data);
        // A failed write fires exceptionCaught, where it is counted: no listener object per datagram.
        backend.write(out, backend.voidPromise());
        if (!needsFlush) {
            needsFlush = true;
            relay.written(this);
        }
    }

    void flush() {
        needsFlush = false;
        if (connected && !ended) {
            backend.flush();
        }
    }

    /** Ends the flow: its socket closed, its slot of maxConnections freed, an access-log line if the listener logs. */
    void end(CloseInitiator who) {
        if (ended) {
            return;
        }
        ended = true;
        ender = who;
        relay.ended(this);
        relay.connections().remove(this);
        runtime.metrics().udpFlowClosed();
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
        if (load != null) {
            load.decrementAndGet();
            load = null;
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (header != null) {
            header.release();
            header = null;
        }
        if (backend != null) {
            backend.close();
        }
        if (runtime.config().accessLog()) {
            runtime.metrics()
                    .log(AccessLog.Line.stream(
                            "udp",
                            Labels.backend(client),
                            runtime.name(),
                            Labels.backend(runtime.address(backendIndex)),
                            System.nanoTime() - startedNanos,
                            bytesIn,
                            bytesOut,
                            -1,
                            -1,
                            -1,
                            ender.label()));
        }
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = relay.socket().eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (ended) {
            return;
        }
        long limit = runtime.config().idleTimeout().toNanos();
        long idle = System.nanoTime() - lastActivityNanos;
        if (idle >= limit) {
            end(CloseInitiator.IDLE_TIMEOUT);
        } else {
            scheduleIdleCheck(limit - idle);
        }
    }

    @Override
    public void finishAndClose() {
        // Datagrams have no request boundary to stop at: the flow carries on until the drain window ends.
    }

    @Override
    public void closeNow() {
        relay.socket().eventLoop().execute(() -> end(CloseInitiator.DRAIN));
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    /** The backend side: answers go back to the client from the listener's socket. */
    private final class BackendSide extends ChannelInboundHandlerAdapter {
        private boolean answered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data;
            if (msg instanceof DatagramPacket packet) {
                data = packet.content();
            } else if (msg instanceof ByteBuf buf) {
                data = buf;
            } else {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (ended) {
                data.release();
                return;
            }
            lastActivityNanos = System.nanoTime();
            if (!answered) {
                // An answer clears the passive failures (ICMP unreachable) counted against the backend.
                answered = true;
                runtime.backendSucceeded(backendIndex);
            }
            int size = data.readableBytes();
            Channel socket = relay.socket();
            if (!socket.isWritable()) {
                data.release();
                runtime.metrics().udpDropped("buffer_full");
                return;
            }
            bytesOut += size;
            runtime.metrics().udpSent(size);
            socket.write(new DatagramPacket(data, client), socket.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            relay.socket().flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof PortUnreachableException
                    || String.valueOf(cause.getMessage()).contains("Connection refused")) {
                // The backend's host said nothing listens there: this flow is over, the client's next datagram
                // opens a new one (on another backend once this one is out).
                runtime.metrics().udpDropped("unreachable");
                runtime.backendFailed(backendIndex, "ICMP port unreachable");
                end(CloseInitiator.BACKEND);
                return;
            }
            runtime.metrics().udpDropped("send_failed");
            log.debug(
                    "listener {}: UDP backend {}: {}",
                    runtime.name(),
                    ctx.channel().remoteAddress(),
                    cause.toString());
        }
    }
}
