package dev.slb.proxy.health;

import dev.slb.model.HealthCheck;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.core.Transport;
import dev.slb.proxy.proxyprotocol.BackendProxyHeaders;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One probe of one backend, on one event loop: a TCP connect, or an HTTP/1.1 request on a new
 * connection that is closed after the status line (the probe needs nothing more, and a backend
 * sees an ordinary short-lived client). Completes its promise with null for a good probe, else
 * with the reason it failed, as a person reads it in the status: timeout, refused, status 500.
 */
final class Probe {
    private static final String USER_AGENT = "slb-health-check";
    private static final String HTTP_CODEC = "http-codec";

    private Probe() {}

    /**
     * Probes {@code target}; with {@code proxyHeader} (null: none) the connection starts with a PROXY
     * protocol header that names no client, for a backend that expects one on every connection.
     */
    static Promise<String> run(
            EventLoop loop,
            Transport transport,
            HealthCheck check,
            InetSocketAddress target,
            String defaultHost,
            ProxyProtocolVersion proxyHeader) {
        Promise<String> result = loop.newPromise();
        if (target.isUnresolved()) {
            result.setSuccess("address does not resolve");
            return result;
        }
        boolean http = check.protocol() == HealthCheck.Kind.HTTP;
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, Math.max(1, check.timeout().toMillis())))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (proxyHeader != null) {
                            ch.pipeline().addLast(HAProxyMessageEncoder.INSTANCE);
                        }
                        if (http) {
                            ch.pipeline().addLast(HTTP_CODEC, new HttpClientCodec());
                            ch.pipeline().addLast(new StatusReader(check, result));
                        }
                    }
                });
        ChannelFuture connect = bootstrap.connect(target);
        Channel channel = connect.channel();
        ScheduledFuture<?> deadline = loop.schedule(
                () -> {
                    if (result.trySuccess("timeout after " + format(check.timeout()))) {
                        channel.close();
                    }
                },
                check.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        result.addListener(f -> {
            deadline.cancel(false);
            channel.close();
        });
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess() && proxyHeader != null) {
                // Written below the HTTP codec, which takes only HTTP messages, straight to the PROXY encoder.
                ChannelOutboundInvoker below = http ? f.channel().pipeline().context(HTTP_CODEC) : f.channel();
                below.write(BackendProxyHeaders.forHealthCheck(proxyHeader));
            }
            if (!f.isSuccess()) {
                result.trySuccess(connectFailure(f.cause(), check.timeout()));
            } else if (!http && proxyHeader != null) {
                // Passed once the header is out: a backend that wants one sees a well-formed connection.
                f.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture w) -> {
                    result.trySuccess(
                            w.isSuccess() ? null : "send failed: " + w.cause().getMessage());
                });
            } else if (!http) {
                result.trySuccess(null);
            } else {
                FullHttpRequest request = new DefaultFullHttpRequest(
                        HttpVersion.HTTP_1_1, HttpMethod.valueOf(check.method().name()), check.path());
                request.headers()
                        .set(HttpHeaderNames.HOST, check.host() != null ? check.host() : defaultHost)
                        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
                        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                f.channel().writeAndFlush(request).addListener((ChannelFuture w) -> {
                    if (!w.isSuccess()) {
                        result.trySuccess("send failed: " + w.cause().getMessage());
                    }
                });
            }
        });
        return result;
    }

    private static String connectFailure(Throwable cause, Duration timeout) {
        if (cause instanceof ConnectTimeoutException) {
            return "timeout after " + format(timeout) + " (connect)";
        }
        if (cause instanceof ConnectException) {
            return "refused";
        }
        return "connect failed: " + cause.getMessage();
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** Reads the status line and settles the probe; everything after it is dropped. */
    private static final class StatusReader extends ChannelInboundHandlerAdapter {
        private final HealthCheck check;
        private final Promise<String> result;

        StatusReader(HealthCheck check, Promise<String> result) {
            this.check = check;
            this.result = result;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse response) {
                    int status = response.status().code();
                    result.trySuccess(check.goodStatus(status) ? null : "status " + status);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.trySuccess("closed before answering");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.trySuccess("bad answer: " + cause.getMessage());
            ctx.close();
        }
    }
}
