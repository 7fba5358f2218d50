package dev.slb.proxy.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A TLS echo server on 127.0.0.1 whose connections get their handler from a {@link ReloadingSslContext}
 * the way the HTTPS listener does: one {@code newHandler} per accepted channel, auto-read off.
 */
final class TestingTlsServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel server;
    /** How each server-side handshake ended: "ok" or the failure's message. */
    final BlockingQueue<String> handshakes = new LinkedBlockingQueue<>();
    /** The subject of each verified client certificate, or "none", per successful handshake. */
    final BlockingQueue<String> clients = new LinkedBlockingQueue<>();

    private TestingTlsServer(ReloadingSslContext tls) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc())).addLast("echo", new Echo());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    static TestingTlsServer start(ReloadingSslContext tls) throws InterruptedException {
        return new TestingTlsServer(tls);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The outcome of the next server-side handshake. */
    String nextHandshake() throws InterruptedException {
        String outcome = handshakes.poll(10, TimeUnit.SECONDS);
        return outcome == null ? "no handshake ended within 10 s" : outcome;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    clients.add(peer(ctx.pipeline().get(SslHandler.class)));
                    handshakes.add("ok");
                } else {
                    handshakes.add(String.valueOf(done.cause().getMessage()));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        private static String peer(SslHandler ssl) {
            try {
                return ((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName();
            } catch (SSLPeerUnverifiedException e) {
                return "none";
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.read();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
