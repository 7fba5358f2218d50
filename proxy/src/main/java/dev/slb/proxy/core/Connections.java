package dev.slb.proxy.core;

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

        /** True while the connection carries a long-lived stream (WebSocket or TCP relay). */
        boolean isStreaming();
    }

    private final Set<Drainable> live = ConcurrentHashMap.newKeySet();
    private volatile boolean keepAliveOff;
    private volatile boolean draining;

    /** Registers a connection; when draining, it is told to finish at once. */
    public void add(Drainable connection) {
        live.add(connection);
        if (draining) {
            connection.finishAndClose();
        }
    }

    public void remove(Drainable connection) {
        live.remove(connection);
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
