package dev.slb.proxy.http;

import dev.slb.proxy.core.ConnectAttempts;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.metrics.UpstreamTraffic;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a backend connection for an exchange, and takes it back after: backends in scheduler
 * order, a pooled connection when there is one, else a new connect, and on a failed connect the
 * next backend as {@link ConnectAttempts} allows. One per client connection, used on its event loop.
 */
final class UpstreamConnector {
    private static final Logger log = LoggerFactory.getLogger(UpstreamConnector.class);
    private static final RateLimitedLog warnings = new RateLimitedLog(log);

    /** The exchange that asked for a connection. */
    interface Requester {
        /** False once the exchange wants no connection any more (answered, ended or gone): a late one is closed. */
        boolean wantsUpstream();

        void upstreamReady(Channel upstream, int backend, boolean reused);

        /** Every backend was tried and none accepted a connection. */
        void noUpstream();
    }

    private final UpstreamPool pool;
    private final EventLoop loop;
    private final ConnectAttempts attempts = new ConnectAttempts();

    UpstreamConnector(UpstreamPool pool, EventLoop loop) {
        this.pool = pool;
        this.loop = loop;
    }

    /** Starts looking for a connection, with every backend to try again. */
    void connect(ListenerRuntime runtime, Requester requester) {
        connect(runtime, requester, -1);
    }

    /**
     * Starts looking for a connection, {@code preferred} first when it is a backend (a sticky
     * session's); should it fail, the scheduler picks among the others as usual.
     */
    void connect(ListenerRuntime runtime, Requester requester, int preferred) {
        attempts.reset();
        if (preferred >= 0) {
            take(runtime, preferred, requester);
        } else {
            next(runtime, requester);
        }
    }

    private void next(ListenerRuntime runtime, Requester requester) {
        int backend = attempts.next(runtime.selector(loop));
        if (backend < 0) {
            requester.noUpstream();
            return;
        }
        take(runtime, backend, requester);
    }

    private void take(ListenerRuntime runtime, int backend, Requester requester) {
        Channel pooled = pool.pooled(runtime.address(backend));
        if (pooled != null) {
            UpstreamTraffic.countOn(pooled, runtime.metrics(backend));
            requester.upstreamReady(pooled, backend, true);
        } else {
            connectNew(runtime, backend, requester);
        }
    }

    /** Opens a new connection to {@code backend}; when that fails, the search goes on where it was. */
    void connectNew(ListenerRuntime runtime, int backend, Requester requester) {
        InetSocketAddress address = runtime.address(backend);
        long begun = System.nanoTime();
        pool.connect(address, runtime.config().connectTimeout()).addListener((ChannelFuture f) -> {
            if (!requester.wantsUpstream()) {
                f.channel().close();
                return;
            }
            if (f.isSuccess()) {
                runtime.metrics().upstreamConnected(System.nanoTime() - begun);
                runtime.backendSucceeded(backend);
                UpstreamTraffic.countOn(f.channel(), runtime.metrics(backend));
                requester.upstreamReady(f.channel(), backend, false);
            } else {
                runtime.backendFailed(backend, "connect failed: " + f.cause().getMessage());
                warnings.warn(
                        "connect " + address,
                        "listener " + runtime.name() + ": backend " + address + " failed: " + f.cause()
                                + "; trying the next one");
                attempts.failed(backend, f.cause());
                next(runtime, requester);
            }
        });
    }

    /**
     * The request goes to another backend than {@code failed}, which took a new connection and
     * closed it unanswered; false, with nothing done, when no other backend is left to try.
     */
    boolean connectElsewhere(ListenerRuntime runtime, int failed, Requester requester) {
        attempts.closedUnanswered(failed);
        int backend = attempts.next(runtime.selector(loop));
        if (backend < 0) {
            return false;
        }
        take(runtime, backend, requester);
        return true;
    }

    /** Gives back a connection whose exchange ended cleanly: pooled for the next one, or closed if it is not clean. */
    void release(Channel upstream, UpstreamHandler handler, InetSocketAddress address) {
        pool.release(upstream, handler, address);
    }

    /**
     * True when a request whose backend connection closed before any answer may go again: on a new
     * connection to the same backend when the closed one was pooled (the backend closed a keep-alive
     * connection just as it was reused, a race every keep-alive client meets), or to another backend
     * when it was new (the backend is going away, or crashed: nginx's {@code proxy_next_upstream
     * error} does the same). Only once, and only a request that is whole, has no body and is
     * idempotent (RFC 9110 9.2.2), so sending it twice cannot do harm.
     */
    static boolean mayRetry(HttpMethod method, boolean retried, boolean hasBody, boolean requestDone) {
        return !retried && !hasBody && requestDone && isIdempotent(method);
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m.equals(HttpMethod.GET)
                || m.equals(HttpMethod.HEAD)
                || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.PUT)
                || m.equals(HttpMethod.DELETE)
                || m.equals(HttpMethod.TRACE);
    }
}
