package dev.slb.proxy.http;

import dev.slb.model.Listener;
import dev.slb.proxy.core.ConnectAttempts;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.limits.ReplicaLimits;
import dev.slb.proxy.websocket.WebSocketRelay;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one client connection on an HTTP or HTTPS listener: each request goes to a backend over
 * a pooled HTTP/1.1 connection, bodies stream both ways under back-pressure, and a WebSocket
 * upgrade that the backend accepts turns the connection into a frame relay.
 *
 * <p>Reads are explicit (auto-read is off): the client is read only while a request is awaited or
 * its body can be written upstream, the backend only while the client can take more. One
 * exchange runs at a time; pipelined requests wait in {@link #pending} until it is done.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements UpstreamExchange, Connections.Drainable {
    static final String NAME = "http-proxy";
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    private static final RateLimitedLog warnings = new RateLimitedLog(log);
    /** How long a lingering close reads and drops what the client still sends. */
    private static final Duration LINGER = Duration.ofSeconds(2);

    private final Supplier<ListenerRuntime> listener;
    private final UpstreamPool pool;
    private final Connections connections;
    private final ReplicaLimits limits;
    private final boolean tls;
    /** Client messages that cannot be handled yet: request parts while connecting, pipelined requests. */
    private final ArrayDeque<HttpObject> pending = new ArrayDeque<>(4);

    private final ConnectAttempts attempts = new ConnectAttempts();

    private ChannelHandlerContext ctx;
    private String clientIp;
    private int localPort;
    private boolean drainingPending;
    private boolean closing;
    private boolean clientInputShut;
    /** The response is out and our side shut; the rest of the client's body is read and dropped. */
    private boolean lingering;

    // The exchange in flight; `exchange` counts exchanges so late callbacks can tell they are stale.
    private int exchange;
    private boolean active;
    private ListenerRuntime runtime;
    private HttpRequest request;
    private boolean clientHttp10;
    private boolean clientKeepAlive;
    private boolean requestHasBody;
    private boolean requestDone;
    private boolean websocket;
    private boolean discarding;
    private Channel upstream;
    private int backend = -1;
    private boolean upstreamReused;
    private boolean retried;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean informational;
    private boolean upstreamKeepAlive;
    private boolean closeAfterResponse;
    private long lastProgressNanos;
    /** One timer per connection: the request timeout while an exchange runs, the idle timeout between. */
    private ScheduledFuture<?> timer;

    private long timerDeadlineNanos;
    private long idleSinceNanos;
    private UpstreamHandler upstreamHandler;
    private boolean dropInformational;
    private int finishingExchange;
    private final ChannelFutureListener lastWritten = f -> onLastWritten();
    /** The connection became a WebSocket relay; this handler is out of the pipeline. */
    private boolean switched;

    HttpProxyHandler(
            Supplier<ListenerRuntime> listener,
            UpstreamPool pool,
            Connections connections,
            ReplicaLimits limits,
            boolean tls) {
        this.listener = listener;
        this.pool = pool;
        this.connections = connections;
        this.limits = limits;
        this.tls = tls;
    }

    // ---- client side -------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        clientIp = remote.getAddress().getHostAddress();
        localPort = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        connections.add(this);
        idleSinceNanos = System.nanoTime();
        ensureTimerBy(idleSinceNanos + listener.get().config().idleTimeout().toNanos());
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HttpObject o)) {
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
        if (lingering ? !closing : wantsClientData()) {
            ctx.read();
        }
    }

    /** True when a client message that arrives now has to wait for the exchange to move on. */
    private boolean mustWait() {
        return active && (requestDone || (upstream == null && !discarding));
    }

    /** True when reading the client now moves things forward without buffering beyond one read. */
    private boolean wantsClientData() {
        if (closing || clientInputShut || !pending.isEmpty()) {
            return false;
        }
        if (!active) {
            return true;
        }
        return !requestDone && (discarding || (upstream != null && upstream.isWritable()));
    }

    private void handle(HttpObject msg) {
        if (msg instanceof HttpRequest req) {
            if (active) {
                // A request head inside an exchange cannot happen with a sane decoder; fail closed.
                ReferenceCountUtil.release(msg);
                closeClient();
                return;
            }
            // The decoder sends heads and bodies apart; only its invalid messages are "full".
            onRequest(req);
        } else if (msg instanceof HttpContent content) {
            if (!active) {
                ReferenceCountUtil.release(content);
                return;
            }
            onRequestContent(content);
        }
    }

    private void onRequest(HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            ReferenceCountUtil.release(req);
            rejectMalformed(req.decoderResult().cause());
            return;
        }
        String refusal = HeaderRules.refusal(req);
        if (refusal != null) {
            startExchange(req);
            clientKeepAlive = false;
            respondLocally(
                    switch (refusal) {
                        case "version" ->
                            ProxyResponses.error(
                                    ctx.alloc(),
                                    HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                                    "UnsupportedVersion",
                                    "this load balancer speaks HTTP/1.0 and HTTP/1.1",
                                    true);
                        case "method" ->
                            ProxyResponses.error(
                                    ctx.alloc(),
                                    HttpResponseStatus.METHOD_NOT_ALLOWED,
                                    "MethodNotAllowed",
                                    "CONNECT is not served: this is a reverse proxy, not a forward proxy",
                                    true);
                        default ->
                            ProxyResponses.error(
                                    ctx.alloc(),
                                    HttpResponseStatus.BAD_REQUEST,
                                    "MalformedRequest",
                                    "an HTTP/1.1 request needs exactly one Host header",
                                    true);
                    });
            return;
        }
        startExchange(req);
        long delay = limits.requestDelay(lastProgressNanos);
        if (delay > 0) {
            discarding = true;
            respondLocally(ProxyResponses.overRequestRate(
                    ctx.alloc(), limits.limits().requestsPerSecond(), delay, requestHasBody));
            return;
        }
        Listener config = runtime.config();
        if (websocket && !config.websocketEnabled()) {
            discarding = true;
            respondLocally(ProxyResponses.websocketDisabled(ctx.alloc(), config.websocket(), requestHasBody));
            return;
        }
        if (!runtime.takesNewConnections()) {
            discarding = true;
            respondLocally(ProxyResponses.error(
                    ctx.alloc(),
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "NoBackend",
                    runtime.noBackendReason(),
                    requestHasBody));
            return;
        }
        HeaderRules.prepareRequest(req, websocket, clientIp, tls ? "https" : "http", localPort, runtime.address(0));
        connectNext();
    }

    private void startExchange(HttpRequest req) {
        exchange++;
        active = true;
        runtime = listener.get();
        request = req;
        clientHttp10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        clientKeepAlive = HttpUtil.isKeepAlive(req) && !connections.keepAliveOff() && !clientInputShut;
        requestHasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        websocket = HeaderRules.isWebSocketUpgrade(req);
        requestDone = false;
        discarding = false;
        responseStarted = false;
        responseDone = false;
        informational = false;
        upstreamKeepAlive = false;
        closeAfterResponse = false;
        retried = false;
        dropInformational = false;
        attempts.reset();
        lastProgressNanos = System.nanoTime();
        ensureTimerBy(lastProgressNanos + runtime.config().requestTimeout().toNanos());
    }

    private void onRequestContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            ReferenceCountUtil.release(content);
            // A broken body (bad chunk size): the backend has half a request and cannot be reused.
            closeUpstream();
            if (!responseStarted) {
                rejectMalformed(content.decoderResult().cause());
            } else {
                closeClient();
            }
            return;
        }
        if (last) {
            requestDone = true;
        }
        if (discarding) {
            ReferenceCountUtil.release(content);
            if (last) {
                maybeFinish();
            }
            return;
        }
        lastProgressNanos = System.nanoTime();
        if (last && responseDone) {
            // The backend already answered in full; its connection is closed, nothing to send to.
            ReferenceCountUtil.release(content);
            return;
        }
        upstream.writeAndFlush(content, upstream.voidPromise());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && upstream != null && responseStarted && !responseDone) {
            upstream.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent all it will send: answer what is in flight, then close.
            clientInputShut = true;
            clientKeepAlive = false;
            if (lingering || (!active && pending.isEmpty())) {
                closeClient();
            } else if (active && !requestDone && !requestEndQueued()) {
                // The request body can never be finished: let the backend go now, not at the timeout.
                closeUpstream();
                closeClient();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connections.remove(this);
        cancelTimer();
        closeUpstream();
        releasePending();
        active = false;
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
            log.warn(
                    "client {}: closing after an unexpected error",
                    ctx.channel().remoteAddress(),
                    cause);
        }
        closeClient();
    }

    // ---- choosing and connecting a backend -----------------------------------------------------

    private void connectNext() {
        int i = attempts.next(runtime.selector(ctx.channel().eventLoop()));
        if (i < 0) {
            discarding = true;
            respondLocally(ProxyResponses.error(
                    ctx.alloc(),
                    HttpResponseStatus.BAD_GATEWAY,
                    "NoBackendReachable",
                    "no backend of listener '" + runtime.name() + "' accepted a connection",
                    true));
            return;
        }
        backend = i;
        Channel pooled = pool.pooled(runtime.address(i));
        if (pooled != null) {
            attach(pooled, true);
        } else {
            connect(i);
        }
    }

    private void connect(int i) {
        int id = exchange;
        InetSocketAddress address = runtime.address(i);
        pool.connect(address, runtime.config().connectTimeout()).addListener((ChannelFuture f) -> {
            if (id != exchange || !active || closing || responseStarted) {
                f.channel().close();
                return;
            }
            if (f.isSuccess()) {
                attach(f.channel(), false);
            } else {
                warnings.warn(
                        "connect " + address,
                        "listener " + runtime.name() + ": backend " + address + " failed: " + f.cause()
                                + "; trying the next one");
                attempts.failed(i, f.cause());
                connectNext();
            }
        });
    }

    private void attach(Channel ch, boolean reused) {
        upstream = ch;
        upstreamReused = reused;
        runtime.load(backend).incrementAndGet();
        upstreamHandler = ch.pipeline().get(UpstreamHandler.class);
        upstreamHandler.attach(this);
        upstreamHandler.decoder().expect(request.method());
        lastProgressNanos = System.nanoTime();
        // The head is written once per connection attempt; a retry writes the same head again.
        ch.write(request, ch.voidPromise());
        if (requestDone && !requestHasBody) {
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
        }
        ch.flush();
        ch.read();
        drainPending();
        if (wantsClientData()) {
            ctx.read();
        }
    }

    @Override
    public void upstreamWritabilityChanged(boolean writable) {
        if (writable && wantsClientData()) {
            ctx.read();
        }
    }

    // ---- the response --------------------------------------------------------------------------

    @Override
    public void upstreamRead(Object msg) {
        if (msg instanceof HttpResponse res) {
            onResponseHead(res);
            if (msg instanceof HttpContent content && upstream != null) {
                onResponseContent(content);
            } else {
                ReferenceCountUtil.release(msg);
            }
        } else if (msg instanceof HttpContent content) {
            onResponseContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
        // More of the response is read only while the client can take it; otherwise the
        // client's writability change asks for it.
        if (upstream != null && !responseDone && ctx.channel().isWritable()) {
            upstream.read();
        }
    }

    private void onResponseHead(HttpResponse res) {
        if (res.decoderResult().isFailure()) {
            warnings.warn(
                    "invalid " + runtime.address(backend),
                    "listener " + runtime.name() + ": backend " + runtime.address(backend)
                            + " sent an invalid response: "
                            + res.decoderResult().cause());
            badGateway("InvalidBackendResponse", "the backend sent a response that is not valid HTTP/1.1");
            return;
        }
        int code = res.status().code();
        if (code == 101) {
            if (websocket) {
                switchToWebSocket(res);
            } else {
                badGateway("UnexpectedUpgrade", "the backend switched protocols without being asked to");
            }
            return;
        }
        lastProgressNanos = System.nanoTime();
        // This proxy speaks HTTP/1.1 to its clients whatever version the backend used (RFC 9110 2.5).
        res.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (code < 200) {
            // 100 Continue, 103 Early Hints: passed on, except to HTTP/1.0 clients, which have no
            // 1xx (RFC 9110 15.2); the final response follows.
            informational = true;
            dropInformational = clientHttp10;
            if (!dropInformational) {
                HeaderRules.prepareResponse(res, false);
                ctx.write(res, ctx.voidPromise());
            }
            return;
        }
        responseStarted = true;
        upstreamKeepAlive = HttpUtil.isKeepAlive(res);
        HeaderRules.prepareResponse(res, false);
        boolean chunked = HttpUtil.isTransferEncodingChunked(res);
        if (clientHttp10 && chunked) {
            // HTTP/1.0 has no chunked coding: the body runs until the connection closes.
            res.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeAfterResponse = true;
        } else if (!chunked && !res.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && mayHaveBody(res)) {
            // The backend ends this body by closing: its connection is spent, and the client
            // needs framing of its own, chunks on HTTP/1.1 or the same close on HTTP/1.0.
            upstreamKeepAlive = false;
            if (clientHttp10) {
                closeAfterResponse = true;
            } else {
                HttpUtil.setTransferEncodingChunked(res, true);
            }
        }
        if (!clientKeepAlive || closeAfterResponse || connections.keepAliveOff() || (requestHasBody && !requestDone)) {
            closeAfterResponse = true;
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.write(res, ctx.voidPromise());
    }

    private void onResponseContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            ReferenceCountUtil.release(content);
            warnings.warn(
                    "body " + runtime.address(backend),
                    "listener " + runtime.name() + ": backend " + runtime.address(backend) + " sent a broken body");
            closeUpstream();
            closeClient();
            return;
        }
        if (informational) {
            if (dropInformational) {
                ReferenceCountUtil.release(content);
            } else {
                ctx.writeAndFlush(content, ctx.voidPromise());
            }
            if (last) {
                informational = false;
            }
            return;
        }
        lastProgressNanos = System.nanoTime();
        if (!last) {
            ctx.writeAndFlush(content, ctx.voidPromise());
            return;
        }
        responseDone = true;
        if (!requestDone) {
            // The backend answered before the request body ended (say, a 413): the rest of the
            // body has nowhere to go, so neither connection can carry another exchange.
            upstreamKeepAlive = false;
            closeAfterResponse = true;
        }
        // The backend is done: its connection goes back now (or is closed), whatever the client's
        // pace, so nothing it sends later can be taken for part of this response.
        releaseUpstream();
        finishWrite(content);
    }

    @Override
    public void upstreamClosed() {
        if (upstream == null) {
            return;
        }
        runtime.load(backend).decrementAndGet();
        upstream = null;
        if (responseStarted) {
            if (!responseDone) {
                // The body was cut: the client must not take a truncated body for a whole one.
                closeClient();
            }
            return;
        }
        if (upstreamReused && !retried && !requestHasBody && requestDone && isIdempotent(request.method())) {
            // The backend closed a pooled keep-alive connection just as it was reused, a race every
            // keep-alive client meets; a request with no body is safe to send again on a new one.
            retried = true;
            connect(backend);
            return;
        }
        warnings.warn(
                "closed " + runtime.address(backend),
                "listener " + runtime.name() + ": backend " + runtime.address(backend)
                        + " closed the connection before answering");
        respondLocally(ProxyResponses.error(
                ctx.alloc(),
                HttpResponseStatus.BAD_GATEWAY,
                "BackendClosed",
                "the backend closed the connection before answering",
                !requestDone));
    }

    private void badGateway(String reason, String text) {
        closeUpstream();
        if (responseStarted) {
            closeClient();
            return;
        }
        respondLocally(ProxyResponses.error(ctx.alloc(), HttpResponseStatus.BAD_GATEWAY, reason, text, !requestDone));
    }

    // ---- WebSocket -----------------------------------------------------------------------------

    private void switchToWebSocket(HttpResponse res) {
        cancelTimer();
        responseStarted = true;
        Channel up = upstream;
        upstream = null;
        upstreamHandler.detach();
        HeaderRules.prepareResponse(res, true);
        ctx.writeAndFlush(res, ctx.voidPromise());
        releasePending();
        Listener config = runtime.config();
        switched = true;
        // The drain now deals with the relay alone: nothing keeps this handler, its request and
        // the removed HTTP codecs alive for the connection's lifetime (they cost an idle
        // WebSocket connection about twice its memory).
        RelayedConnection relayed = new RelayedConnection(connections, runtime.load(backend));
        relayed.relay = WebSocketRelay.start(
                ctx.channel(),
                up,
                new WebSocketRelay.Settings(
                        config.idleTimeout(), config.websocket().keepalivePingInterval()),
                relayed);
        if (!relayed.closed) {
            connections.add(relayed);
        }
        connections.remove(this);
        // Out with HTTP; bytes the decoders still hold flow on to the relay as they are removed.
        Channel client = ctx.channel();
        // A WebSocket has no use for half-closure: a client's FIN ends the relay, and the backend hears of it.
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        client.pipeline().remove(this);
        client.pipeline().remove(HttpListenerInitializer.CODEC);
        up.pipeline().remove(UpstreamHandler.NAME);
        up.pipeline().remove(UpstreamPool.ENCODER);
        up.pipeline().remove(UpstreamPool.DECODER);
    }

    // ---- finishing an exchange -----------------------------------------------------------------

    private void respondLocally(HttpResponse response) {
        responseStarted = true;
        if (HttpUtil.isKeepAlive(response) && clientKeepAlive && !connections.keepAliveOff()) {
            if (clientHttp10) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        } else {
            closeAfterResponse = true;
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        discarding = true;
        finishWrite(response);
        drainPending();
        if (wantsClientData()) {
            ctx.read();
        }
    }

    /**
     * Writes the last part of a response; once it is on the wire the exchange may finish. One
     * listener per connection serves every exchange, so a response allocates no callback.
     */
    private void finishWrite(Object last) {
        finishingExchange = exchange;
        ctx.writeAndFlush(last).addListener(lastWritten);
    }

    private void onLastWritten() {
        if (finishingExchange == exchange) {
            responseDone = true;
            maybeFinish();
        }
    }

    private void maybeFinish() {
        if (!active || !responseDone || (!requestDone && !closeAfterResponse)) {
            return;
        }
        releaseUpstream();
        active = false;
        request = null;
        if (!requestDone && !closing) {
            lingeringClose();
            return;
        }
        // Close as the response said. A drain that began after the response went out with
        // keep-alive does not close here: the client may already be sending its next request,
        // which then gets Connection: close; idle connections are closed when the drain starts.
        if (closeAfterResponse || !clientKeepAlive) {
            closeClient();
            return;
        }
        idleSinceNanos = System.nanoTime();
        ensureTimerBy(idleSinceNanos + runtime.config().idleTimeout().toNanos());
        if (!pending.isEmpty()) {
            // Handled on a later turn of the event loop: a burst of pipelined requests answered
            // locally must not recurse through write listeners.
            ctx.executor().execute(this::drainPending);
        } else {
            ctx.read();
        }
    }

    private void drainPending() {
        if (drainingPending) {
            return;
        }
        drainingPending = true;
        try {
            while (!pending.isEmpty() && !mustWait() && !closing) {
                handle(pending.poll());
            }
        } finally {
            drainingPending = false;
        }
        if (wantsClientData()) {
            ctx.read();
        }
    }

    private void rejectMalformed(Throwable cause) {
        HttpResponseStatus status;
        String text;
        if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            text = "the request line is longer than this listener accepts";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            text = "the request headers are larger than this listener accepts";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            text = "the request is not valid HTTP/1.1 (" + cause.getMessage() + ")";
        }
        log.debug("client {}: {}: {}", ctx.channel().remoteAddress(), status, cause.toString());
        if (!active) {
            exchange++;
            active = true;
            requestDone = true;
            runtime = listener.get();
            lastProgressNanos = System.nanoTime();
        }
        clientKeepAlive = false;
        respondLocally(ProxyResponses.error(ctx.alloc(), status, "MalformedRequest", text, true));
    }

    // ---- timeouts --------------------------------------------------------------------------------

    /** Makes sure the timer fires no later than {@code deadlineNanos}; a later timer is left alone. */
    private void ensureTimerBy(long deadlineNanos) {
        if (timer != null) {
            if (timerDeadlineNanos <= deadlineNanos) {
                return;
            }
            timer.cancel(false);
        }
        timerDeadlineNanos = deadlineNanos;
        timer = ctx.executor()
                .schedule(this::onTimer, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /**
     * While an exchange runs, nothing may stand still for the request timeout: not the backend
     * before it answers (504), not a response body the backend stopped sending or the client
     * stopped reading (both connections closed). Between exchanges, or inside an unfinished
     * request head, the idle timeout applies: idle keep-alive connections and slowly dripped
     * heads must not hold sockets forever. Requests only note the time; this re-arms itself.
     */
    private void onTimer() {
        timer = null;
        if (closing || lingering || switched || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (active) {
            long limit = runtime.config().requestTimeout().toNanos();
            if (now - lastProgressNanos >= limit) {
                exchangeTimedOut();
            } else {
                ensureTimerBy(lastProgressNanos + limit);
            }
            return;
        }
        long limit = listener.get().config().idleTimeout().toNanos();
        if (now - idleSinceNanos >= limit) {
            log.debug("client {}: idle connection closed", ctx.channel().remoteAddress());
            closeClient();
        } else {
            ensureTimerBy(idleSinceNanos + limit);
        }
    }

    private void exchangeTimedOut() {
        if (responseStarted) {
            log.debug(
                    "client {}: response stalled for {}; closing",
                    ctx.channel().remoteAddress(),
                    runtime.config().requestTimeout());
            closeUpstream();
            closeClient();
            return;
        }
        InetSocketAddress address = backend >= 0 && upstream != null ? runtime.address(backend) : null;
        warnings.warn(
                "timeout " + address,
                "listener " + runtime.name() + ": backend " + address + " did not answer within "
                        + runtime.config().requestTimeout());
        closeUpstream();
        respondLocally(ProxyResponses.error(
                ctx.alloc(),
                HttpResponseStatus.GATEWAY_TIMEOUT,
                "BackendTimeout",
                "the backend did not answer in time",
                !requestDone));
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    // ---- drain -----------------------------------------------------------------------------------

    @Override
    public void finishAndClose() {
        ctx.executor().execute(() -> {
            if (!switched && !active && ctx.channel().isActive()) {
                closeClient();
            }
            // A busy connection closes after its response: maybeFinish sees connections.keepAliveOff().
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

    /** A connection switched to WebSocket, as the drain and the backend load see it. */
    private static final class RelayedConnection implements Connections.Drainable, Runnable {
        private final Connections connections;
        private final AtomicInteger backendLoad;
        volatile WebSocketRelay relay;
        /** Both channels closed; set on the event loop, possibly while the relay starts. */
        boolean closed;

        RelayedConnection(Connections connections, AtomicInteger backendLoad) {
            this.connections = connections;
            this.backendLoad = backendLoad;
        }

        /** The relay's end. */
        @Override
        public void run() {
            closed = true;
            backendLoad.decrementAndGet();
            connections.remove(this);
        }

        @Override
        public void finishAndClose() {
            // A WebSocket stays open until the drain window ends; its backend decides before that.
        }

        @Override
        public void closeNow() {
            relay.goingAway("the load balancer is restarting or scaling in; please reconnect");
        }

        @Override
        public boolean isStreaming() {
            return true;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private void closeUpstream() {
        Channel up = upstream;
        if (up != null) {
            upstream = null;
            runtime.load(backend).decrementAndGet();
            upstreamHandler.detach();
            up.close();
        }
    }

    /** Ends this exchange's use of its upstream connection: back to the pool when it is clean, else closed. */
    private void releaseUpstream() {
        Channel up = upstream;
        if (up == null) {
            return;
        }
        if (upstreamKeepAlive && requestDone && !closing) {
            upstream = null;
            runtime.load(backend).decrementAndGet();
            pool.release(up, upstreamHandler, runtime.address(backend));
        } else {
            closeUpstream();
        }
    }

    /**
     * Closes a connection whose client is still sending a body nobody will read: first our side
     * (FIN after the response), then, while the rest is read and dropped for a moment, the socket.
     * Closing at once with unread input makes the kernel send a reset that can destroy the
     * response before the client reads it (RFC 9112 9.6).
     */
    private void lingeringClose() {
        lingering = true;
        releasePending();
        Channel ch = ctx.channel();
        if (ch instanceof DuplexChannel duplex && ch.isActive()) {
            duplex.shutdownOutput();
            ctx.executor().schedule(this::closeClient, LINGER.toMillis(), TimeUnit.MILLISECONDS);
            ctx.read();
        } else {
            closeClient();
        }
    }

    private void closeClient() {
        closing = true;
        releasePending();
        ctx.channel().close();
    }

    private void releasePending() {
        HttpObject o;
        while ((o = pending.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }

    /** True when the end of the request in flight already arrived and waits in {@link #pending}. */
    private boolean requestEndQueued() {
        for (HttpObject o : pending) {
            if (o instanceof LastHttpContent) {
                return true;
            }
        }
        return false;
    }

    private boolean mayHaveBody(HttpResponse res) {
        int code = res.status().code();
        return code != 204 && code != 304 && !request.method().equals(HttpMethod.HEAD);
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
