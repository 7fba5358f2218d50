package dev.slb.proxy.health;

import dev.slb.model.HealthCheck;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.core.Transport;
import dev.slb.proxy.proxyprotocol.BackendProxyHeaders;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
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
 * One probe of one backend, on one event loop: a TCP connect, an HTTP/1.1 request on a new
 * connection that is closed after the status line (the probe needs nothing more, and a backend
 * sees an ordinary short-lived client), or a UDP datagram on a connected socket that must not be
 * answered by an ICMP error. Completes its promise with null for a good probe, else with the reason
 * it failed, as a person reads it in the status: timeout, refused, status 500.
 */
final class Probe {
    private static final String USER_AGENT = "slb-health-check";
    private static final String HTTP_CODEC = "http-codec";
    /** A UDP probe's datagram, unless the backend expects a PROXY header: says what it is in a packet capture. */
    private static final byte[] UDP_PAYLOAD = "slb-health-check\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /**
     * How long a UDP probe waits for an ICMP error before it passes (or its timeout, if shorter): an error comes
     * back within a round trip, and a probe that held its socket for the whole timeout would slow the next one.
     */
    static final Duration UDP_SILENCE = Duration.ofSeconds(1);

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
        if (check.protocol() == HealthCheck.Kind.UDP) {
            return udp(loop, transport, check, target, proxyHeader, result);
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

    /**
     * A datagram to {@code target} on a connected socket: an ICMP error (port unreachable) fails the probe; an answer,
     * or silence for {@link #UDP_SILENCE} (or the timeout, if shorter), passes it. A backend that expects a PROXY
     * header gets one that names no client (v2 LOCAL) as its datagram.
     */
    private static Promise<String> udp(
            EventLoop loop,
            Transport transport,
            HealthCheck check,
            InetSocketAddress target,
            ProxyProtocolVersion proxyHeader,
            Promise<String> result) {
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(transport.datagramChannel())
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                        result.trySuccess(null);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        result.trySuccess(udpFailure(cause));
                    }
                })
                .connect(target);
        Channel channel = connect.channel();
        Duration wait = check.timeout().compareTo(UDP_SILENCE) < 0 ? check.timeout() : UDP_SILENCE;
        ScheduledFuture<?> deadline =
                loop.schedule(() -> result.trySuccess(null), wait.toNanos(), TimeUnit.NANOSECONDS);
        result.addListener(f -> {
            deadline.cancel(false);
            channel.close();
        });
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.trySuccess("connect failed: " + f.cause().getMessage());
                return;
            }
            ByteBuf payload = proxyHeader == ProxyProtocolVersion.V2
                    ? BackendProxyHeaders.encode((io.netty.handler.codec.haproxy.HAProxyMessage)
                            BackendProxyHeaders.forHealthCheck(proxyHeader))
                    : Unpooled.wrappedBuffer(UDP_PAYLOAD);
            f.channel().writeAndFlush(payload).addListener((ChannelFuture w) -> {
                if (!w.isSuccess()) {
                    result.trySuccess(udpFailure(w.cause()));
                }
            });
        });
        return result;
    }

    private static String udpFailure(Throwable cause) {
        if (cause instanceof java.net.PortUnreachableException
                || String.valueOf(cause.getMessage()).contains("Connection refused")) {
            return "refused (ICMP port unreachable)";
        }
        return "send failed: " + cause.getMessage();
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
