package dev.slb.proxy.http;

import dev.slb.model.Listener;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.limits.ReplicaLimits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import java.util.function.Supplier;

/** Builds the pipeline of an accepted HTTP or HTTPS client connection: [tls], codec, proxy. */
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
        Listener config = runtime.config();
        ChannelPipeline p = ch.pipeline();
        boolean tls = runtime.tls() != null;
        if (tls) {
            p.addLast(TLS, runtime.tls().newHandler(ch.alloc()));
        }
        ClientCodec codec = RequestHead.codec(config);
        p.addLast(CODEC, codec);
        p.addLast(
                HttpProxyHandler.NAME,
                new HttpProxyHandler(listener, pools.forLoop(ch.eventLoop()), connections, limits, tls, codec));
    }
}
