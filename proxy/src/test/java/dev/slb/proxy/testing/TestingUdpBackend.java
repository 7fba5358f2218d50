package dev.slb.proxy.testing;

import dev.slb.model.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP echo backend on 127.0.0.1: answers every datagram with {@code <name>|<payload>}, so a client knows which
 * backend its flow is on. With {@code proxyProtocol}, every datagram must start with a PROXY protocol v2 header,
 * parsed by Netty's {@link HAProxyMessageDecoder}; the headers are kept, and a datagram without one is counted and
 * not answered.
 */
public final class TestingUdpBackend implements AutoCloseable {
    /** One header as the backend parsed it. */
    public record Header(String protocol, String sourceAddress, int sourcePort, String destinationAddress) {}

    private final String name;
    private final boolean proxyProtocol;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel socket;
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger withoutHeader = new AtomicInteger();
    private final List<Header> headers = new CopyOnWriteArrayList<>();

    private TestingUdpBackend(String name, boolean proxyProtocol) throws InterruptedException {
        this.name = name;
        this.proxyProtocol = proxyProtocol;
        this.socket = new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536))
                .handler(new Echo())
                .bind(new InetSocketAddress(TestingPorts.LOOPBACK, 0))
                .sync()
                .channel();
    }

    public static TestingUdpBackend start(String name) throws InterruptedException {
        return new TestingUdpBackend(name, false);
    }

    /** A backend that requires a PROXY protocol v2 header in every datagram. */
    public static TestingUdpBackend expectingProxyHeaders(String name) throws InterruptedException {
        return new TestingUdpBackend(name, true);
    }

    public String name() {
        return name;
    }

    public Backend backend() {
        return new Backend(TestingPorts.LOOPBACK, port());
    }

    public int port() {
        return ((InetSocketAddress) socket.localAddress()).getPort();
    }

    /** Datagrams received, answered or not. */
    public int received() {
        return received.get();
    }

    public int withoutHeader() {
        return withoutHeader.get();
    }

    public List<Header> headers() {
        return List.copyOf(headers);
    }

    @Override
    public void close() {
        socket.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Echo extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            received.incrementAndGet();
            ByteBuf payload = packet.content();
            ByteBuf decodedPayload = null;
            if (proxyProtocol) {
                // One datagram is one whole header and its payload: a decoder per datagram reads it.
                EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
                try {
                    decoder.writeInbound(payload.retain());
                    Object first = decoder.readInbound();
                    if (!(first instanceof HAProxyMessage header)) {
                        io.netty.util.ReferenceCountUtil.release(first);
                        withoutHeader.incrementAndGet();
                        return;
                    }
                    headers.add(new Header(
                            header.proxiedProtocol().name(),
                            header.sourceAddress(),
                            header.sourcePort(),
                            header.destinationAddress()));
                    header.release();
                    decodedPayload = decoder.readInbound();
                } catch (RuntimeException e) {
                    withoutHeader.incrementAndGet();
                    return;
                } finally {
                    decoder.finishAndReleaseAll();
                }
                payload = decodedPayload == null ? Unpooled.EMPTY_BUFFER : decodedPayload;
            }
            try {
                ByteBuf answer = Unpooled.copiedBuffer(name + "|", StandardCharsets.UTF_8);
                answer = Unpooled.wrappedBuffer(answer, payload.retainedDuplicate());
                ctx.writeAndFlush(new DatagramPacket(answer, packet.sender()));
            } finally {
                if (decodedPayload != null) {
                    decodedPayload.release();
                }
            }
        }
    }
}
