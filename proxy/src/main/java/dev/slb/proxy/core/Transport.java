package dev.slb.proxy.core;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;

/**
 * The socket transport: native epoll when the platform offers it, NIO otherwise. Set
 * {@code -Dslb.transport=nio} to force NIO.
 *
 * <p>Both enable {@code TCP_NODELAY} on every TCP socket they create or accept (Linux), which the
 * proxy relies on: it writes whole messages and flushes them itself, so Nagle would only delay
 * them. Setting it again per channel would cost a system call per connection for nothing.
 */
public enum Transport {
    EPOLL(EpollServerSocketChannel.class, EpollSocketChannel.class, EpollDatagramChannel.class),
    NIO(NioServerSocketChannel.class, NioSocketChannel.class, NioDatagramChannel.class);

    /**
     * Write-buffer water marks for every proxied channel: a side stops being read once the other
     * side has this much queued, so a slow reader costs at most about 64 KiB per connection.
     */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    /**
     * The buffer each UDP read gets: room for the largest datagram (65,507 bytes of payload over IPv4), as Netty's
     * default of 2 KiB would cut a large one (a DNS answer with EDNS is up to 4 KiB) without a word.
     */
    public static final int MAX_DATAGRAM_BYTES = 65_536;

    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;
    private final Class<? extends DatagramChannel> datagramChannel;

    Transport(
            Class<? extends ServerChannel> serverChannel,
            Class<? extends SocketChannel> socketChannel,
            Class<? extends DatagramChannel> datagramChannel) {
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
        this.datagramChannel = datagramChannel;
    }

    /** The best transport available here. */
    public static Transport best() {
        if (!"nio".equalsIgnoreCase(System.getProperty("slb.transport")) && Epoll.isAvailable()) {
            return EPOLL;
        }
        return NIO;
    }

    /** Why epoll is not in use, for the startup log; null when it is. */
    public static String epollUnavailableReason() {
        Throwable cause = Epoll.unavailabilityCause();
        return cause == null ? null : cause.toString();
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory io = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), io);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    /** UDP sockets: a UDP listener's own, and the connected one of each of its flows. */
    public Class<? extends DatagramChannel> datagramChannel() {
        return datagramChannel;
    }

    /**
     * Makes the sockets that connect to {@code remote}, of its address family: an IPv4 backend
     * gets an IPv4 socket, where the default dual-stack IPv6 one costs an {@code IPV6_V6ONLY}
     * system call per connection. Other addresses (IPv6, unresolved) get the default.
     */
    public ChannelFactory<SocketChannel> socketChannelFactory(InetSocketAddress remote) {
        if (remote.isUnresolved() || !(remote.getAddress() instanceof Inet4Address)) {
            return this == EPOLL ? EpollSocketChannel::new : NioSocketChannel::new;
        }
        return this == EPOLL
                ? () -> new EpollSocketChannel(SocketProtocolFamily.INET)
                : () -> new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET);
    }
}
