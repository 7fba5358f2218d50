package dev.slb.proxy.http;

import dev.slb.proxy.core.ListenerRuntime;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetSocketAddress;

/**
 * A backend connection while one exchange holds it, counted in its backend's load (which
 * least-connections scheduling reads) from the moment it is taken until it is given back, closed,
 * lost or handed to a WebSocket relay: every way out of a lease passes here once.
 */
final class UpstreamLease {
    private final Channel channel;
    private final UpstreamHandler handler;
    private final ListenerRuntime runtime;
    private final int backend;
    private final boolean reused;

    private UpstreamLease(
            Channel channel, UpstreamHandler handler, ListenerRuntime runtime, int backend, boolean reused) {
        this.channel = channel;
        this.handler = handler;
        this.runtime = runtime;
        this.backend = backend;
        this.reused = reused;
    }

    /**
     * Takes {@code channel} for {@code exchange}: what the backend says goes to it, read as the
     * answer to {@code method}.
     *
     * @param reused the connection came from the pool, so the backend may have closed it meanwhile
     */
    static UpstreamLease take(
            Channel channel,
            ListenerRuntime runtime,
            int backend,
            boolean reused,
            UpstreamExchange exchange,
            HttpMethod method) {
        UpstreamHandler handler = channel.pipeline().get(UpstreamHandler.class);
        handler.attach(exchange);
        handler.decoder().expect(method);
        runtime.load(backend).incrementAndGet();
        return new UpstreamLease(channel, handler, runtime, backend, reused);
    }

    Channel channel() {
        return channel;
    }

    int backend() {
        return backend;
    }

    boolean reused() {
        return reused;
    }

    InetSocketAddress address() {
        return runtime.address(backend);
    }

    /** Gives the connection back to the pool, which keeps it only if nothing is left unread on it. */
    void giveBack(UpstreamConnector connector) {
        runtime.load(backend).decrementAndGet();
        connector.release(channel, handler, address());
    }

    void close() {
        runtime.load(backend).decrementAndGet();
        handler.detach();
        channel.close();
    }

    /** The backend closed the connection. */
    void lost() {
        runtime.load(backend).decrementAndGet();
    }

    /** Hands the connection to a WebSocket relay, which counts it in the backend's load until it ends. */
    Channel handOver() {
        handler.detach();
        return channel;
    }
}
