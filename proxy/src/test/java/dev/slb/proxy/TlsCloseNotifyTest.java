package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An HTTPS connection the proxy closes ends with a TLS close_notify before the TCP FIN, also when the
 * proxy refuses the request and lingers to read what the client still sends. Without it, clients on
 * OpenSSL 3 (curl among them) report "unexpected eof while reading" after a complete answer.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TlsCloseNotifyTest {
    private static final Path CERTS = Path.of("examples/certs");

    private TestingBackend backend;
    private TestingProxy proxy;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aRefusedRequestsAnswerEndsWithCloseNotify() throws Exception {
        // No backend listens: 502, Connection: close, and the lingering close of a refused request.
        proxy = TestingProxy.start(secure(new Backend(TestingPorts.LOOPBACK, TestingPorts.dead(), 100)));

        Ending end = exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(end.answer()).startsWith("HTTP/1.1 502 ").contains("connection: close");
        assertThat(end.closeNotify())
                .as("a close_notify arrived before the connection ended")
                .isTrue();
    }

    @Test
    void anAnswerThatClosesTheConnectionEndsWithCloseNotify() throws Exception {
        backend = TestingBackend.start("web");
        proxy = TestingProxy.start(secure(backend.backend()));

        Ending end = exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(end.answer()).startsWith("HTTP/1.1 200 ");
        assertThat(end.closeNotify())
                .as("a close_notify arrived before the connection ended")
                .isTrue();
    }

    private Listener secure(Backend to) {
        Tls tls = new Tls(
                CERTS.resolve("tls.crt").toAbsolutePath().toString(),
                CERTS.resolve("tls.key").toAbsolutePath().toString(),
                TlsPolicy.TLS_CIPHER_POLICY_1_2);
        return Listener.builder("secure", Protocol.HTTPS, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .tls(tls)
                .backends(List.of(to))
                .build();
    }

    /** What arrived, and whether the server's close_notify came before the end of the stream. */
    private record Ending(String answer, boolean closeNotify) {}

    /** Sends {@code request} over TLS and waits until the proxy ends the connection. */
    private Ending exchange(String request) throws Exception {
        SslContext client = SslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();
        StringBuilder answer = new StringBuilder();
        boolean[] closeNotify = {false};
        CompletableFuture<Ending> ended = new CompletableFuture<>();
        Channel ch = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline()
                                .addLast(client.newHandler(c.alloc(), TestingPorts.LOOPBACK, proxy.port("secure")))
                                .addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ByteBuf in = (ByteBuf) msg;
                                        answer.append(in.toString(StandardCharsets.ISO_8859_1));
                                        in.release();
                                    }

                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof SslCloseCompletionEvent done && done.isSuccess()) {
                                            closeNotify[0] = true;
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        ended.complete(new Ending(answer.toString(), closeNotify[0]));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(TestingPorts.LOOPBACK, proxy.port("secure"))
                .sync()
                .channel();
        ch.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        return ended.get(20, TimeUnit.SECONDS);
    }
}
