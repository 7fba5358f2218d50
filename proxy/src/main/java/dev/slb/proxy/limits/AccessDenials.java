package dev.slb.proxy.limits;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Connections reset by a listener's access control, by listener name, for {@code /metrics}; kept across reloads. */
public final class AccessDenials {
    private final ConcurrentHashMap<String, LongAdder> byListener = new ConcurrentHashMap<>();

    public void denied(String listener) {
        byListener.computeIfAbsent(listener, l -> new LongAdder()).increment();
    }

    /** Every listener that denied a connection since the replica started, by name, in name order. */
    public Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        byListener.forEach((name, count) -> out.put(name, count.sum()));
        return out;
    }
}
