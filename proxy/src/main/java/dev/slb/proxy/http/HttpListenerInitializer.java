package dev.slb.proxy.http;

import dev.slb.model.Listener;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.limits.ReplicaLimits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import java.util.function.Supplier;

/**
 * Builds the pipeline of an accepted HTTP or HTTPS client connection: [tls], codec, [compression],
 * proxy; or, on
 * an HTTPS listener that offers HTTP/2, tls and the ALPN choice between the HTTP/1.1 pipeline and
 * {@link Http2Pipeline}.
 */
public final class HttpListenerInitializer extends ChannelInitializer<Channel> {
    static final String TLS = "tls";
    static final String CODEC = "http-server-codec";

    private final Supplier<ListenerRuntime> listener;
    private final UpstreamPools pools;
    private final Connections connections;
    private final ReplicaLimits limits;

    public HttpListenerInitializer(
            Supplier<ListenerRuntime> listener, UpstreamPools pools, Connections connections, ReplicaLimits limits) {
        this.listener = listener;
        this.pools = pools;
        this.connections = connections;
        this.limits = limits;
    }

    @Override
    protected void initChannel(Channel ch) {
        ListenerRuntime runtime = listener.get();
        ChannelPipeline p = ch.pipeline();
        boolean tls = runtime.tls() != null;
        if (tls) {
            p.addLast(TLS, runtime.tls().newHandler(ch.alloc()));
        }
        if (tls && runtime.tls().http2()) {
            p.addLast(AlpnHandler.NAME, new AlpnHandler(this, runtime.config()));
        } else {
            http1(ch, runtime.config(), tls);
        }
    }

    /** The HTTP/1.1 pipeline after [tls]: codec, [compression], proxy. */
    void http1(Channel ch, Listener config, boolean tls) {
        ClientCodec codec = RequestHead.codec(config);
        ch.pipeline().addLast(CODEC, codec);
        if (config.compressionEnabled()) {
            ch.pipeline().addLast(ResponseCompressor.NAME, new ResponseCompressor());
        }
        ch.pipeline()
                .addLast(
                        HttpProxyHandler.NAME,
                        new HttpProxyHandler(listener, pools.forLoop(ch.eventLoop()), connections, limits, tls, codec));
    }

    /** The HTTP/2 pipeline after tls, each stream relayed as an HTTP/1.1 exchange. */
    void http2(Channel ch, Listener config) {
        Http2Pipeline.install(
                ch,
                config,
                () -> listener.get().config(),
                () -> new HttpProxyHandler(
                        listener, pools.forLoop(ch.eventLoop()), connections, limits, true, ClientDecoding.WHOLE_HEADS),
                connections);
    }
}
