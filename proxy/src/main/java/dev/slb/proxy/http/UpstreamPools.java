package dev.slb.proxy.http;

import dev.slb.proxy.core.Transport;
import io.netty.channel.EventLoop;
import java.util.concurrent.ConcurrentHashMap;

/** The upstream pools of one proxy, one per event loop. */
public final class UpstreamPools {
    private final Transport transport;
    private final ConcurrentHashMap<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

    public UpstreamPools(Transport transport) {
        this.transport = transport;
    }

    UpstreamPool forLoop(EventLoop loop) {
        UpstreamPool pool = pools.get(loop);
        return pool != null ? pool : pools.computeIfAbsent(loop, l -> new UpstreamPool(l, transport));
    }

    /** Closes idle upstream connections, each on its own event loop. */
    public void closeIdle() {
        pools.forEach((loop, pool) -> loop.execute(pool::closeIdle));
    }
}
