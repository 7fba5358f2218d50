package dev.slb.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;

/**
 * The backend behind every load-balancer under test: a WebSocket echo on {@code /ws} and a fixed
 * {@code ok} for any other HTTP request, on one event loop thread so that it stays lean beside the
 * load client on the same core.
 *
 * <p>{@code java -cp slb-bench.jar dev.slb.bench.EchoBackend --bind 127.0.0.1 --port P
 * [--tls-cert PEM --tls-key PEM]} prints {@code EchoBackend listening on 127.0.0.1:P} once it
 * accepts connections, and runs until SIGTERM.
 */
public final class EchoBackend implements AutoCloseable {
    /** Largest WebSocket frame payload echoed; a bigger one closes the connection with 1009. */
    static final int MAX_FRAME_PAYLOAD = 1024 * 1024;
    /** Requests are GETs; this bounds a body someone sends anyway. */
    private static final int MAX_REQUEST_BODY = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private EchoBackend(InetSocketAddress bind, SslContext tls) throws InterruptedException {
        group = Io.singleThreadGroup("echo-backend");
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(Io.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast("http", new HttpServerCodec());
                            ch.pipeline().addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BODY));
                            ch.pipeline().addLast("echo", new EchoBackendHandler(tls != null));
                        }
                    })
                    .bind(bind)
                    .sync()
                    .channel();
        } catch (InterruptedException | RuntimeException e) {
            Io.shutdown(group);
            throw e;
        }
    }

    /** Starts a backend; {@code tls} null for plain HTTP and ws://. */
    public static EchoBackend start(InetSocketAddress bind, SslContext tls) throws InterruptedException {
        return new EchoBackend(bind, tls);
    }

    /** A TLS context for {@link #start} from PEM files (a PKCS#8 or PKCS#1 key). */
    public static SslContext tls(File certificate, File key) throws SSLException {
        return SslContextBuilder.forServer(certificate, key)
                .sslProvider(Io.sslProvider())
                .build();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        Io.shutdown(group);
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1";
        int port = -1;
        String cert = null;
        String key = null;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage(args[i] + " needs a value");
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--bind" -> bind = value;
                case "--port" -> port = parsePort(value);
                case "--tls-cert" -> cert = value;
                case "--tls-key" -> key = value;
                default -> usage("unknown option " + args[i]);
            }
        }
        if (port < 0) {
            usage("--port is required");
        }
        if ((cert == null) != (key == null)) {
            usage("--tls-cert and --tls-key go together");
        }
        SslContext tls = cert == null ? null : tls(new File(cert), new File(key));
        EchoBackend backend = start(new InetSocketAddress(bind, port), tls);
        Runtime.getRuntime().addShutdownHook(new Thread(backend::close, "echo-backend-stop"));
        System.err.println("EchoBackend: " + Io.describe() + (tls == null ? "" : ", serving TLS"));
        InetSocketAddress at = backend.address();
        System.out.println("EchoBackend listening on " + at.getAddress().getHostAddress() + ":" + at.getPort());
        System.out.flush();
        backend.channel.closeFuture().sync();
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        usage("--port takes 0 to 65535, not " + value);
        return -1;
    }

    private static void usage(String problem) {
        System.err.println("EchoBackend: " + problem);
        System.err.println("usage: java -cp slb-bench.jar dev.slb.bench.EchoBackend --bind ADDRESS --port PORT"
                + " [--tls-cert PEM --tls-key PEM]");
        System.exit(2);
    }
}
