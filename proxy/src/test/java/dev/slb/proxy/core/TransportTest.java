package dev.slb.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.socket.SocketChannel;
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
}
