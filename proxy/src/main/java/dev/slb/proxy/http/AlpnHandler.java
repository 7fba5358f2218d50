package dev.slb.proxy.http;

import dev.slb.model.Listener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On an HTTPS listener that offers HTTP/2: once the TLS handshake is done, puts in the HTTP/2
 * pipeline when the client chose {@code h2} by ALPN, the HTTP/1.1 one otherwise (it chose
 * {@code http/1.1}, or offered no ALPN at all, as WebSocket clients and older ones do).
 */
final class AlpnHandler extends ApplicationProtocolNegotiationHandler {
    static final String NAME = "alpn";
    private static final Logger log = LoggerFactory.getLogger(AlpnHandler.class);

    private final HttpListenerInitializer initializer;
    private final Listener config;

    AlpnHandler(HttpListenerInitializer initializer, Listener config) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.initializer = initializer;
        this.config = config;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // Auto-read is off: the handshake needs the client's hello read.
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            initializer.http2(ctx.channel(), config);
        } else {
            initializer.http1(ctx.channel(), config, true);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Before the handshake is done: resets and bad hellos from clients, logged as such.
        log.debug("client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        // A client's failure (a scanner, an old client, a wrong certificate), not the proxy's.
        log.debug("client {}: TLS handshake failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
