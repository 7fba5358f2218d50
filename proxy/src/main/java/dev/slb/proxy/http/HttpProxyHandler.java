package dev.slb.proxy.http;

import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.http.ConnectionState.Exchanging;
import dev.slb.proxy.http.ConnectionState.Idle;
import dev.slb.proxy.http.ConnectionState.Lingering;
import dev.slb.proxy.http.ConnectionState.Switched;
import dev.slb.proxy.limits.ReplicaLimits;
import dev.slb.proxy.proxyprotocol.ProxyProtocolReader;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one client connection on an HTTP or HTTPS listener: reads its requests, runs one
 * {@link HttpExchange} at a time (pipelined requests wait their turn), and keeps the connection's
 * {@link ConnectionState}, its timer and its part in a drain.
 *
 * <p>Reads are explicit (auto-read is off): the client is read only while a request is awaited or
 * its body can go somewhere, so nothing is buffered beyond one read.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements Connections.Drainable {
    static final String NAME = "http-proxy";
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    /**
     * What clients send that is refused, and errors nobody foresaw: one line per kind every 10 s,
     * since a client can send bad requests as fast as it can write.
     */
    private static final RateLimitedLog rateLimited = new RateLimitedLog(log);
    /** How long a lingering close reads and drops what the client still sends. */
    private static final Duration LINGER = Duration.ofSeconds(2);

    private final Supplier<ListenerRuntime> listener;
    private final UpstreamPool pool;
    private final Connections connections;
    private final ReplicaLimits limits;
    private final boolean tls;
    private final ClientDecoding codec;
    private final PendingMessages pending = new PendingMessages();

    private ChannelHandlerContext ctx;
    private UpstreamConnector connector;
    private ConnectionTimer timer;
    private ConnectionState state;
    private ClientOrigin origin;
    private boolean started;
    // Read once, at the first request: the handshake (and its client certificate) is done by then.
    private ClientCertificate clientCertificate;
    private boolean clientInputShut;
    private boolean drainingPending;
    /** A request head has begun arriving (while Idle), since {@link #headBegunNanos}. */
    private boolean headTimed;

    private long headBegunNanos;

    HttpProxyHandler(
            Supplier<ListenerRuntime> listener,
            UpstreamPool pool,
            Connections connections,
            ReplicaLimits limits,
            boolean tls,
            ClientDecoding codec) {
        this.listener = listener;
        this.codec = codec;
        this.pool = pool;
        this.connections = connections;
        this.limits = limits;
        this.tls = tls;
    }

    // ---- the client connection -----------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.connector = new UpstreamConnector(pool, ctx.channel().eventLoop());
        this.timer = new ConnectionTimer(ctx.executor(), this::onTimer);
        this.state = new Idle(timer.now());
        if (ctx.channel().isActive()) {
            // Put in after the connection became active (after a TLS handshake that chose HTTP/1.1
            // by ALPN, or on an HTTP/2 stream), where no channelActive may follow, and where what
            // the ALPN handler held back is passed on right after this: start now.
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        // An HTTP/2 stream's addresses, and a PROXY header's, are those of its connection.
        Channel connection =
                ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
        origin = ClientOrigin.of(
                ProxyProtocolReader.client(connection), ProxyProtocolReader.destination(connection), tls);
        long now = timer.now();
        state = new Idle(now);
        connections.add(this);
        timer.ensureBy(now + idleLimitNanos());
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject o) || !(state instanceof Idle || state instanceof Exchanging)) {
            // Lingering, closing: what the client still sends is dropped.
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!pending.isEmpty() || mustWait()) {
            pending.add(o);
            return;
        }
        handle(o);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        noteHeadBegun();
        if (state instanceof Lingering || wantsClientData()) {
            ctx.read();
        }
    }

    /**
     * Starts the request-header timeout when a head has begun on an idle connection: from then on
     * the head must be complete within the listener's requestHeaderTimeout, not the idle timeout.
     */
    private void noteHeadBegun() {
        if (!headTimed && state instanceof Idle && codec.headBegun()) {
            headTimed = true;
            headBegunNanos = timer.now();
            timer.ensureBy(headBegunNanos
                    + listener.get().config().requestHeaderTimeout().toNanos());
        }
    }

    /** True when a client message that arrives now has to wait for the exchange to move on. */
    private boolean mustWait() {
        return state instanceof Exchanging e && e.exchange().mustWait();
    }

    /** True when reading the client now moves things forward without buffering beyond one read. */
    private boolean wantsClientData() {
        if (clientInputShut || !pending.isEmpty() || codec.holding()) {
            // Bytes after an upgrade request wait in the codec for the backend's answer; none are read meanwhile.
            return false;
        }
        if (state instanceof Exchanging e) {
            return e.exchange().wantsRequestData();
        }
        return state instanceof Idle || state instanceof Lingering;
    }

    private void handle(HttpObject msg) {
        if (state instanceof Exchanging e) {
            if (msg instanceof HttpRequest) {
                // A request head inside an exchange cannot happen with a sane decoder; fail closed.
                ReferenceCountUtil.release(msg);
                closeClient();
            } else if (msg instanceof HttpContent content) {
                e.exchange().onRequestContent(content);
            }
        } else if (state instanceof Idle idle && msg instanceof HttpRequest req) {
            // The decoder sends heads and bodies apart; only its invalid messages are "full".
            onRequest(idle, req);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(Idle idle, HttpRequest req) {
        headTimed = false;
        if (req.decoderResult().isFailure()) {
            ReferenceCountUtil.release(req);
            rejectMalformed(req.decoderResult().cause());
            return;
        }
        RequestHead head = RequestHead.read(req);
        ListenerRuntime runtime = listener.get();
        long now = timer.now();
        boolean keepAlive = head.keepAlive() && !connections.keepAliveOff() && !clientInputShut;
        // The backend group the listener's rules pick for this host and path (the listener itself
        // without rules); null for a path the rules cannot route safely.
        String host = req.headers().get(HttpHeaderNames.HOST);
        ListenerRuntime routed = runtime.hasRules() ? runtime.route(host, req.uri()) : runtime;
        HttpExchange exchange =
                new HttpExchange(this, ctx, connector, routed != null ? routed : runtime, head, keepAlive, now);
        state = idle.toExchanging(exchange);
        if (routed == null && head.refusal() == null) {
            exchange.refuse(Refusal.UNROUTABLE_PATH, runtime.routeProblem(host, req.uri()));
            return;
        }
        timer.ensureBy(now + runtime.config().requestTimeout().toNanos());
        if (clientCertificate == null) {
            // An HTTP/2 stream's TLS session is its connection's (a TCP connection's parent is the server socket).
            Channel connection =
                    ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
            clientCertificate = ClientCertificate.of(
                    connection.pipeline(),
                    runtime.config().tls() != null && runtime.config().tls().clientAuthentication() != null);
        }
        clientCertificate.apply(req.headers());
        exchange.start(limits, origin);
    }

    /**
     * Answers what the decoder could not read, a head or a body (then always a 400: a chunk-size
     * line over the limit is a bad body, not a long request line); the connection closes after.
     */
    void rejectMalformed(Throwable cause) {
        if (state instanceof Exchanging e) {
            e.exchange().refuse(Refusal.MALFORMED_BODY, cause.getMessage());
        } else if (state instanceof Idle idle) {
            refuseWithoutRequest(idle, RequestHead.refusal(cause), cause.getMessage());
        }
    }

    /** Answers a head that could not be read, or did not arrive in time, with an exchange of its own and no request. */
    private void refuseWithoutRequest(Idle idle, Refusal refusal, String detail) {
        HttpExchange exchange =
                new HttpExchange(this, ctx, connector, listener.get(), RequestHead.UNREADABLE, false, timer.now());
        state = idle.toExchanging(exchange);
        exchange.refuse(refusal, detail);
    }

    /** One line per kind of refusal and listener every 10 s: what clients got, and from where (the latest). */
    void logRefusal(Refusal refusal, String detail) {
        ListenerRuntime runtime = listener.get();
        rateLimited.info(
                refusal.name() + " " + runtime.name(),
                () -> "listener " + runtime.name() + ": refused a request from " + origin.clientIp() + ": "
                        + refusal.status() + " " + refusal.reason() + ": " + refusal.text(detail));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && state instanceof Exchanging e) {
            e.exchange().clientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent all it will send: answer what is in flight, then close.
            clientInputShut = true;
            if (state instanceof Exchanging e) {
                e.exchange().clientInputShut();
                if (!e.exchange().requestDone() && !pending.holdsRequestEnd()) {
                    // The request body can never be finished: let the backend go now, not at the timeout.
                    closeClient();
                }
            } else if (state instanceof Lingering || (state instanceof Idle && pending.isEmpty())) {
                closeClient();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connections.remove(this);
        timer.cancel();
        if (state instanceof Exchanging e) {
            e.exchange().closeUpstream();
        }
        pending.releaseAll();
        state = state.toClosing();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException
                || cause instanceof SSLException
                || cause instanceof DecoderException
                || cause.getCause() instanceof SSLException) {
            log.debug("client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            // A bug, and possibly one a client can trigger at will: its stack trace once per 10 s, not per request.
            rateLimited.warn(
                    "unexpected " + cause.getClass().getName(),
                    () -> "client " + ctx.channel().remoteAddress() + ": closing after an unexpected error",
                    cause);
        }
        closeClient();
    }

    // ---- what the exchange asks of its connection ----------------------------------------------

    boolean isCurrent(HttpExchange exchange) {
        return state instanceof Exchanging e && e.exchange() == exchange;
    }

    long now() {
        return timer.now();
    }

    boolean keepAliveOff() {
        return connections.keepAliveOff();
    }

    /** The exchange can take more of the request, or has answered: go on with what waits, and read on. */
    void resume() {
        drainPending();
        readIfWanted();
    }

    void readIfWanted() {
        if (wantsClientData()) {
            ctx.read();
        }
    }

    /** True when the proxy is reading the client now: a slow request body is then the client's doing. */
    boolean readingClient() {
        return wantsClientData();
    }

    /** Makes sure the connection's timer fires by {@code deadline}. */
    void ensureTimer(long deadline) {
        timer.ensureBy(deadline);
    }

    /**
     * The exchange's answer is out and, unless it closes the connection, its request read: the
     * connection waits for the next request, lingers, or closes.
     */
    void exchangeDone(HttpExchange exchange, boolean close) {
        if (!(state instanceof Exchanging current) || current.exchange() != exchange) {
            return;
        }
        if (!exchange.requestDone() || (close && exchange.refused())) {
            // The client may still be sending (a body nobody reads, the rest of a head refused):
            // closing with its bytes unread would reset the connection, and the answer with it.
            state = current.toLingering();
            lingeringClose();
            return;
        }
        // Close as the response said. A drain that began after the response went out with
        // keep-alive does not close here: the client may already be sending its next request,
        // which then gets Connection: close; idle connections are closed when the drain starts.
        if (close) {
            closeClient();
            return;
        }
        long now = timer.now();
        state = current.toIdle(now);
        timer.ensureBy(now + idleLimitNanos());
        noteHeadBegun();
        if (codec.endHold()) {
            // An upgrade that was not accepted, with bytes sent behind it: HTTP goes on with them,
            // decoded on a later turn of the event loop like pipelined requests.
            ctx.executor().execute(this::decodeHeld);
        } else if (!pending.isEmpty()) {
            // Handled on a later turn of the event loop: a burst of pipelined requests answered
            // locally must not recurse through write listeners.
            ctx.executor().execute(this::drainPending);
        } else {
            ctx.read();
        }
    }

    /** The backend accepted a WebSocket upgrade: its 101 goes out, and the relay takes the connection over. */
    void switchToWebSocket(HttpResponse switching, Channel upstream, ListenerRuntime runtime, int backend) {
        timer.cancel();
        state = ((Exchanging) state).toSwitched();
        ctx.writeAndFlush(switching, ctx.voidPromise());
        pending.releaseAll();
        WebSocketSwitch.relay(ctx, upstream, runtime, backend, connections, this);
    }

    private void decodeHeld() {
        try {
            codec.decodeHeld();
        } catch (Exception e) {
            exceptionCaught(ctx, e);
        }
    }

    private void drainPending() {
        if (drainingPending) {
            return;
        }
        drainingPending = true;
        try {
            while (!pending.isEmpty() && !mustWait() && !(state instanceof ConnectionState.Closing)) {
                handle(pending.poll());
            }
        } finally {
            drainingPending = false;
        }
        readIfWanted();
    }

    // ---- timeouts --------------------------------------------------------------------------------

    /**
     * While an exchange runs, nothing may stand still for the request timeout: not the backend
     * before it answers (504), not a response body the backend stopped sending or the client
     * stopped reading (both connections closed); and a request body must keep its minimum rate
     * (408). Between exchanges the idle timeout applies, and once a request head has begun, the
     * request-header timeout (408): idle keep-alive connections and slowly dripped heads must not
     * hold sockets forever.
     */
    private void onTimer() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = timer.now();
        if (state instanceof Exchanging e) {
            long deadline = e.exchange().deadline(now);
            if (now - deadline >= 0) {
                e.exchange().timedOut(now);
            } else {
                timer.ensureBy(deadline);
            }
        } else if (state instanceof Idle idle && headTimed) {
            long limit = listener.get().config().requestHeaderTimeout().toNanos();
            if (now - headBegunNanos >= limit) {
                headTimed = false;
                refuseWithoutRequest(idle, Refusal.REQUEST_HEADER_TIMEOUT, null);
            } else {
                timer.ensureBy(headBegunNanos + limit);
            }
        } else if (state instanceof Idle idle) {
            long limit = idleLimitNanos();
            if (now - idle.sinceNanos() >= limit) {
                log.debug("client {}: idle connection closed", ctx.channel().remoteAddress());
                closeClient();
            } else {
                timer.ensureBy(idle.sinceNanos() + limit);
            }
        }
    }

    /**
     * How long a connection may wait with no request in progress, fresh or kept alive: the
     * listener's HTTP keep-alive timeout, read at each use so a reload reaches open connections.
     * A WebSocket that took the connection over idles out by the listener's idle timeout instead.
     */
    private long idleLimitNanos() {
        return listener.get().config().httpKeepaliveTimeout().toNanos();
    }

    // ---- closing and the drain -------------------------------------------------------------------

    @Override
    public void finishAndClose() {
        ctx.executor().execute(() -> {
            if (!(state instanceof Exchanging)
                    && !(state instanceof Switched)
                    && ctx.channel().isActive()) {
                closeClient();
            }
            // A busy connection closes after its response, whose framing sees connections.keepAliveOff().
        });
    }

    @Override
    public void closeNow() {
        ctx.channel().close();
    }

    @Override
    public boolean isStreaming() {
        return false;
    }

    /**
     * Closes a connection whose client is still sending a body nobody will read: first our side
     * (FIN after the response), then, while the rest is read and dropped for a moment, the socket.
     * Over TLS the FIN follows a close_notify: shutting the socket's output alone would end the
     * stream under TLS, which clients on OpenSSL 3 report as an error after a complete answer.
     */
    private void lingeringClose() {
        pending.releaseAll();
        Channel ch = ctx.channel();
        if (ch instanceof DuplexChannel duplex && ch.isActive()) {
            SslHandler tls = ch.pipeline().get(SslHandler.class);
            if (tls == null) {
                duplex.shutdownOutput();
            } else {
                tls.closeOutbound().addListener(sent -> duplex.shutdownOutput());
            }
            ctx.executor().schedule(this::closeClient, LINGER.toMillis(), TimeUnit.MILLISECONDS);
            ctx.read();
        } else {
            closeClient();
        }
    }

    /** Closes the client connection, and the backend connection of the exchange in flight with it. */
    void closeClient() {
        if (state instanceof Exchanging e) {
            e.exchange().closeUpstream();
        }
        state = state.toClosing();
        pending.releaseAll();
        ctx.channel().close();
    }
}
