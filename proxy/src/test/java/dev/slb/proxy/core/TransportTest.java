package dev.slb.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.Socket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** What the proxy takes from its transport without setting it per channel. */
class TransportTest {

    @Test
    void newSocketsHaveNagleOff() throws Exception {
        for (Transport t : new Transport[] {Transport.best(), Transport.NIO}) {
            SocketChannel ch = t.socketChannel().getDeclaredConstructor().newInstance();
            try {
                assertThat(ch.config().isTcpNoDelay())
                        .as("%s sockets are created with TCP_NODELAY", t)
                        .isTrue();
            } finally {
                ch.unsafe().closeForcibly();
            }
        }
    }

    @Test
    void aSocketToAnIpv4BackendIsAnIpv4Socket() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        InetSocketAddress backend = new InetSocketAddress("127.0.0.1", 8080);
        EpollSocketChannel ch = (EpollSocketChannel)
                Transport.EPOLL.socketChannelFactory(backend).newChannel();
        try {
            // An unbound socket's own address is the wildcard of its family: 0.0.0.0 for AF_INET,
            // :: for a dual-stack AF_INET6 socket (which needs IPV6_V6ONLY set per connection).
            assertThat(((Socket) ch.fd()).localAddress().getAddress()).isInstanceOf(Inet4Address.class);
        } finally {
            ch.unsafe().closeForcibly();
        }
        SocketChannel nio = Transport.NIO.socketChannelFactory(backend).newChannel();
        nio.unsafe().closeForcibly();
    }
}
