package dev.slb.proxy.http;

import dev.slb.proxy.core.Transport;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** The upstream pools of one proxy, one per event loop. */
public final class UpstreamPools {
    private final Function<EventLoop, UpstreamPool> factory;
    private final ConcurrentHashMap<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

    public UpstreamPools(Transport transport) {
        this(loop -> new UpstreamPool(loop, transport));
    }

    UpstreamPools(Function<EventLoop, UpstreamPool> factory) {
        this.factory = factory;
    }

    UpstreamPool forLoop(EventLoop loop) {
        UpstreamPool pool = pools.get(loop);
        return pool != null ? pool : pools.computeIfAbsent(loop, factory);
    }

    /** Closes the idle connections to one backend (it turned unhealthy), each on its own event loop. */
    public void closeIdle(InetSocketAddress backend) {
        pools.forEach((loop, pool) -> loop.execute(() -> pool.closeIdle(backend)));
    }

    /** Closes idle upstream connections, each on its own event loop. */
    public void closeIdle() {
        pools.forEach((loop, pool) -> loop.execute(pool::closeIdle));
    }
}
