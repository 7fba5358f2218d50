package dev.slb.proxy.core;

import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections in use per backend address, across every listener and config version, so that
 * least-connections scheduling sees the real load and a reload does not forget it.
 */
public final class BackendLoad {
    private final ConcurrentHashMap<InetSocketAddress, AtomicInteger> counts = new ConcurrentHashMap<>();

    public AtomicInteger counter(InetSocketAddress address) {
        return counts.computeIfAbsent(address, a -> new AtomicInteger());
    }
}
