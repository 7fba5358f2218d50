package dev.slb.proxy.core;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live client connections of this proxy, so that a drain can ask each one to finish: an idle
 * HTTP keep-alive connection closes at once, a busy one after its response, and what is left at
 * the end of the drain window (WebSocket and TCP relays above all) is closed then.
 */
public final class Connections {

    /** What a drain needs from one client connection; every call may come from any thread. */
    public interface Drainable {
        /** Stop taking new requests: close now if idle, else after the exchange in flight. */
        void finishAndClose();

        /** The drain window is over: close now (WebSocket with close code 1001). */
        void closeNow();

        /**
         * Its backend is going away and the connection drain is over: close now (WebSocket with
         * close code 1001 to both sides). The same as {@link #closeNow()} unless told otherwise.
         */
        default void backendGone() {
            closeNow();
        }

        /** True while the connection carries a long-lived stream (WebSocket or TCP relay). */
        boolean isStreaming();
    }

    /** A backend of a listener, whose long-lived streams are closed when it goes away. */
    public record BackendKey(String listener, InetSocketAddress backend) {}

    private final Set<Drainable> live = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<BackendKey, Set<Drainable>> streams = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Drainable, BackendKey> streamKeys = new ConcurrentHashMap<>();
    private volatile boolean keepAliveOff;
    private volatile boolean draining;

    /** Registers a connection; when draining, it is told to finish at once. */
    public void add(Drainable connection) {
        live.add(connection);
        if (draining) {
            connection.finishAndClose();
        }
    }

    /**
     * Registers a long-lived stream (a WebSocket or TCP relay) on one backend of one listener, so
     * that it can be closed when that backend drains; {@link #remove} forgets it.
     */
    public void add(Drainable stream, String listener, InetSocketAddress backend) {
        BackendKey key = new BackendKey(listener, backend);
        streamKeys.put(stream, key);
        streams.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(stream);
        add(stream);
    }

    public void remove(Drainable connection) {
        live.remove(connection);
        BackendKey key = streamKeys.remove(connection);
        if (key != null) {
            streams.computeIfPresent(key, (k, set) -> {
                set.remove(connection);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /** The long-lived streams (WebSocket and TCP relays) open now. */
    public List<Drainable> streaming() {
        return live.stream().filter(Drainable::isStreaming).toList();
    }

    /** The streams open now on one backend of one listener. */
    public List<Drainable> streamsOn(String listener, InetSocketAddress backend) {
        Set<Drainable> set = streams.get(new BackendKey(listener, backend));
        return set == null ? List.of() : List.copyOf(set);
    }

    public int size() {
        return live.size();
    }

    /**
     * True from the start of the readiness grace period: responses carry {@code Connection: close}
     * and keep-alive connections close after their exchange, so clients move to other replicas
     * one by one instead of all at once when accepting stops.
     */
    public boolean keepAliveOff() {
        return keepAliveOff;
    }

    public void startGracePeriod() {
        keepAliveOff = true;
    }

    public void startDrain() {
        keepAliveOff = true;
        draining = true;
        live.forEach(Drainable::finishAndClose);
    }

    public void closeAll() {
        live.forEach(Drainable::closeNow);
    }
}
