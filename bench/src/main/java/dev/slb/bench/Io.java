package dev.slb.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The bench programs' transport and TLS choice: native epoll and BoringSSL when they load, NIO and
 * the JDK's TLS otherwise. The bench keeps its own copy of this choice rather than the proxy's, so
 * that changing the proxy never changes the instrument that measures it.
 */
final class Io {
    private Io() {}

    static final boolean EPOLL = Epoll.isAvailable();

    /** One event loop thread: each bench program shares its core with another, so it stays on one. */
    static EventLoopGroup singleThreadGroup(String name) {
        IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true), io);
    }

    static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static SslProvider sslProvider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** One line for stderr, so a run that fell back to NIO or JDK TLS says so. */
    static String describe() {
        String transport = EPOLL ? "epoll" : "nio (epoll unavailable: " + Epoll.unavailabilityCause() + ")";
        String tls = OpenSsl.isAvailable()
                ? "openssl (" + OpenSsl.versionString() + ")"
                : "jdk (BoringSSL unavailable: " + OpenSsl.unavailabilityCause() + ")";
        return "transport " + transport + ", tls " + tls;
    }

    /** Stops a group without a quiet period, waiting a bounded time. */
    static void shutdown(EventLoopGroup group) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
