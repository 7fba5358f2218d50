package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
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
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 attacks of recent years, sent as raw frames over real TLS (no client codec to
 * soften them): each must end with the connection closed after a bounded amount of work.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2AttacksTest {
    private static final int GOAWAY = 0x7;
    private static final int ENHANCE_YOUR_CALM = 0xb;
    /** Far beyond the proxy's allowance of resets per window. */
    private static final int ATTEMPTS = 5_000;

    private TestingBackend backend;
    private TestingProxy proxy;
    private EventLoopGroup group;

    @AfterEach
    void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** One HTTPS listener (HTTP/2 on) in front of one backend. */
    private void startProxy() throws Exception {
        backend = TestingBackend.start("b");
        proxy = TestingProxy.start(Listener.of("secure", Protocol.HTTPS, 0, List.of(backend.backend()))
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(new Tls(Http2ProxyTest.path("tls.crt"), Http2ProxyTest.path("tls.key"), null)));
    }

    @Test
    void rapidResetClosesTheConnectionAfterABoundedNumberOfStreams() throws Exception {
        startProxy();
        RawH2 client = RawH2.connect(
                group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()), proxy.port("secure"));

        int sent = 0;
        while (sent < ATTEMPTS && client.channel.isActive()) {
            ByteBuf batch = Unpooled.buffer();
            for (int i = 0; i < 50; i++, sent++) {
                int stream = 2 * sent + 1;
                byte[] block = headerBlock();
                frame(batch, 0x1, 0x4, stream, block); // HEADERS, END_HEADERS, body to follow
                frame(batch, 0x3, 0, stream, new byte[] {0, 0, 0, 0x8}); // RST_STREAM CANCEL
            }
            client.channel.writeAndFlush(batch).await(5, TimeUnit.SECONDS);
        }

        assertThat(client.closed.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(client.goAwayError.get(1, TimeUnit.SECONDS)).isEqualTo(ENHANCE_YOUR_CALM);
        // Bounded work: the proxy stopped at its allowance of resets, and few reached the backend.
        assertThat(backend.requestCount()).isLessThanOrEqualTo(300);
    }

    @Test
    void aPathWithBytesAnHttp11RequestLineCannotHaveIsRefusedAndNeverForwarded() throws Exception {
        startProxy();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

        assertThat(answer(group, "/a")).as(":status 200").isEqualTo(0x88);

        // A tab passes Netty's own checks: this proxy's check answers it 400 (it reached the backend before).
        assertThat(answer(group, "/a\tb")).as(":status 400 for a tab").isEqualTo(0x8c);
        // Netty resets the stream for a space (CANCEL), DEL or NUL (PROTOCOL_ERROR) before the proxy sees them.
        for (String path : List.of("/a b", "/a\u007fb", "/a\u0000b")) {
            assertThat(answer(group, path))
                    .as("refused or reset, never served: %s", path.replace("\u0000", "NUL"))
                    .isIn(0x8c, -8, -1);
        }
        assertThat(backend.requestCount())
                .as("only the valid path reached the backend")
                .isEqualTo(1);
    }

    /** The first byte of the answer's HEADERS block to GET {@code path} on a new connection, or minus a reset's code. */
    private int answer(EventLoopGroup group, String path) throws Exception {
        RawH2 client = RawH2.connect(group, proxy.port("secure"));
        ByteBuf request = Unpooled.buffer();
        frame(request, 0x1, 0x5, 1, headerBlock(path)); // HEADERS, END_STREAM | END_HEADERS
        client.channel.writeAndFlush(request).sync();
        return client.firstHeader.get(10, TimeUnit.SECONDS);
    }

    /** GET / over https from the static table, :authority as a literal. */
    private static byte[] headerBlock() {
        return headerBlock("/");
    }

    /** GET {@code path} over https: :path a literal (or index 4 for "/"), :authority a literal. */
    private static byte[] headerBlock(String path) {
        ByteBuf block = Unpooled.buffer();
        block.writeByte(0x82); // :method GET
        block.writeByte(0x87); // :scheme https
        if (path.equals("/")) {
            block.writeByte(0x84); // :path /
        } else {
            block.writeByte(0x04); // :path, literal without indexing (name index 4), no Huffman
            byte[] bytes = path.getBytes(StandardCharsets.ISO_8859_1);
            block.writeByte(bytes.length);
            block.writeBytes(bytes);
        }
        byte[] authority = "127.0.0.1".getBytes(StandardCharsets.US_ASCII);
        block.writeByte(0x01); // :authority, literal without indexing (name index 1)
        block.writeByte(authority.length);
        block.writeBytes(authority);
        byte[] out = new byte[block.readableBytes()];
        block.readBytes(out);
        block.release();
        return out;
    }

    private static void frame(ByteBuf out, int type, int flags, int stream, byte[] payload) {
        out.writeMedium(payload.length);
        out.writeByte(type);
        out.writeByte(flags);
        out.writeInt(stream);
        out.writeBytes(payload);
    }

    /** An HTTP/2 client that writes raw frames and reads only what it needs: GOAWAY, and the close. */
    static final class RawH2 extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Boolean> closed = new CompletableFuture<>();
        final CompletableFuture<Integer> goAwayError = new CompletableFuture<>();
        /**
         * The first byte of the first HEADERS block the proxy sends (0x88 is :status 200, 0x8c :status
         * 400), or minus the error code of a RST_STREAM (minus 1000 and the code, of a GOAWAY) before it.
         */
        final CompletableFuture<Integer> firstHeader = new CompletableFuture<>();

        private final ByteBuf in = Unpooled.buffer();
        Channel channel;

        static RawH2 connect(EventLoopGroup group, int port) throws Exception {
            SslContext tls = SslContextBuilder.forClient()
                    .trustManager(Http2ProxyTest.CERTS.resolve("tls.crt").toFile())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2))
                    .build();
            RawH2 client = new RawH2();
            client.channel = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "127.0.0.1", port), client);
                        }
                    })
                    .connect(new InetSocketAddress(TestingPorts.LOOPBACK, port))
                    .sync()
                    .channel();
            SslHandler ssl = client.channel.pipeline().get(SslHandler.class);
            assertThat(ssl.handshakeFuture().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ssl.applicationProtocol()).isEqualTo(ApplicationProtocolNames.HTTP_2);
            ByteBuf preface = Unpooled.buffer();
            preface.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(preface, 0x4, 0, 0, new byte[0]); // SETTINGS, none changed
            client.channel.writeAndFlush(preface).sync();
            return client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            in.writeBytes(buf);
            buf.release();
            while (in.readableBytes() >= 9) {
                int length = in.getUnsignedMedium(in.readerIndex());
                if (in.readableBytes() < 9 + length) {
                    break;
                }
                int type = in.getUnsignedByte(in.readerIndex() + 3);
                if (type == 0x1 && length > 0) {
                    firstHeader.complete((int) in.getUnsignedByte(in.readerIndex() + 9));
                }
                if (type == 0x3) {
                    firstHeader.complete(-in.getInt(in.readerIndex() + 9));
                }
                if (type == GOAWAY) {
                    firstHeader.complete(-1000 - in.getInt(in.readerIndex() + 9 + 4));
                }
                if (type == GOAWAY) {
                    goAwayError.complete(in.getInt(in.readerIndex() + 9 + 4));
                }
                in.skipBytes(9 + length);
            }
            in.discardReadBytes();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.complete(true);
            in.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
