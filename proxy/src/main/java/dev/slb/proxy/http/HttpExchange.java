package dev.slb.proxy.http;

import dev.slb.model.Listener;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.http.ResponseFraming.ConnectionHeader;
import dev.slb.proxy.limits.ReplicaLimits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its answer on a client connection: the request goes to a backend over a pooled
 * HTTP/1.1 connection and the response comes back framed for the client, bodies streaming both
 * ways under back-pressure, or the proxy answers itself. Made per request, so nothing carries
 * over from the exchange before; it acts only while it is its connection's current exchange.
 *
 * <p>The backend is read only while the client can take more (the connection asks again when the
 * client becomes writable); the client's body is read only while the backend can take more.
 */
final class HttpExchange implements UpstreamExchange, UpstreamConnector.Requester, ChannelFutureListener {
    private static final Logger log = LoggerFactory.getLogger(HttpExchange.class);
    private static final RateLimitedLog warnings = new RateLimitedLog(log);

    /** How far the answer has come. */
    private enum Response {
        AWAITED,
        /** A 1xx is being passed on; the final response follows. */
        INFORMATIONAL,
        /** A 1xx for an HTTP/1.0 client, which has none (RFC 9110 15.2): dropped. */
        INFORMATIONAL_DROPPED,
        /** The final head is out (or the proxy's own answer is on its way). */
        STARTED,
        /** The backend's response was read to its end, or the proxy's own answer is written. */
        DONE
    }

    private final HttpProxyHandler connection;
    private final ChannelHandlerContext ctx;
    private final UpstreamConnector connector;
    private final ListenerRuntime runtime;
    /** The backend the request's sticky cookie named (-1: none), and the one that took the request. */
    private int pinned = -1;

    private int upstreamBackend = -1;
    private final RequestHead head;
    private final HttpRequest request;
    private boolean keepAlive;
    private boolean requestDone;
    /** The request body goes nowhere: the proxy answers this request itself. */
    private boolean discarding;

    private Response response = Response.AWAITED;
    /** When the request head was read, and when it was last written to a backend (0 once its answer began). */
    private final long startedNanos;

    private long upstreamWrittenNanos;
    /** The status the client got, for the access log. */
    private int status = -1;
    /** This exchange's access-log line, or null when the listener keeps none. */
    private final ExchangeLog accessLog;

    private boolean closeAfterResponse;
    private long lastProgressNanos;

    /** The backend connection, while this exchange holds it. */
    private UpstreamLease upstream;

    private boolean upstreamKeepAlive;
    /** A pooled connection was lost unanswered and the request went again on a new one to the same backend. */
    private boolean retriedOnNew;
    /** A new connection was lost unanswered and the request went to another backend. */
    private boolean retriedElsewhere;
    /** The proxy answered this request itself because the client got something wrong. */
    private boolean refused;

    /**
     * The minimum request-body rate: while on, {@link #bodyDeadlineNanos} is when the body falls
     * too far behind. Each byte read moves it later by one byte's share of a second at the
     * listener's minimum rate, never beyond now plus the request timeout; so a client may pause
     * for as long as the request timeout, and keeps on average at least the minimum rate.
     */
    private boolean bodyClock;

    private boolean bodyClockStarted;
    private long bodyDeadlineNanos;

    /**
     * @param head      the request head, or {@link RequestHead#UNREADABLE} (then nothing more of the
     *                  request comes, and the proxy answers)
     * @param keepAlive the connection may carry another exchange after this one
     */
    HttpExchange(
            HttpProxyHandler connection,
            ChannelHandlerContext ctx,
            UpstreamConnector connector,
            ListenerRuntime runtime,
            RequestHead head,
            boolean keepAlive,
            long nowNanos) {
        this.connection = connection;
        this.ctx = ctx;
        this.connector = connector;
        this.runtime = runtime;
        this.head = head;
        this.request = head.request();
        this.keepAlive = keepAlive;
        this.requestDone = head == RequestHead.UNREADABLE;
        this.lastProgressNanos = nowNanos;
        this.startedNanos = nowNanos;
        this.accessLog = ExchangeLog.start(runtime, ctx.channel());
    }

    ListenerRuntime runtime() {
        return runtime;
    }

    boolean requestDone() {
        return requestDone;
    }

    /** When the request timeout ends if nothing moves before: the backend answering, or either body going on. */
    long progressDeadline() {
        return lastProgressNanos + runtime.config().requestTimeout().toNanos();
    }

    /** The nearer of the request timeout and, while a body is read, the minimum body rate's deadline. */
    long deadline(long now) {
        long progress = progressDeadline();
        return bodyClock && bodyDeadlineNanos - progress < 0 ? bodyDeadlineNanos : progress;
    }

    boolean refused() {
        return refused;
    }

    /** The client sent all it will send: whatever this answer says, the connection ends after it. */
    void clientInputShut() {
        keepAlive = false;
    }

    // ---- the request ---------------------------------------------------------------------------

    /**
     * Sends the request on to a backend, rewritten for it, unless the proxy answers it itself: a
     * request it refuses, one over this replica's request rate, a WebSocket upgrade where WebSocket
     * is off, and any request on a listener with no backends.
     */
    void start(ReplicaLimits limits, ClientOrigin origin) {
        if (head.refusal() != null) {
            refuse(head.refusal(), head.problem());
            return;
        }
        // The limiter is shared by every event loop: it runs on the system clock, not this loop's.
        long delay = limits.requestDelay(System.nanoTime());
        if (delay > 0) {
            respondLocally(ProxyResponses.overRequestRate(
                    ctx.alloc(), limits.limits().requestsPerSecond(), delay, head.hasBody()));
            return;
        }
        Listener config = runtime.config();
        if (config.redirect() != null) {
            // Before the WebSocket gate: an upgrade is redirected like any request.
            respondLocally(ProxyResponses.redirect(
                    ctx.alloc(), request, config.redirect().httpsPort(), head.hasBody()));
            return;
        }
        if (head.websocket() && !config.websocketEnabled()) {
            respondLocally(ProxyResponses.websocketDisabled(ctx.alloc(), config.websocket(), head.hasBody()));
            return;
        }
        if (runtime.routesNowhere()) {
            respondLocally(ProxyResponses.noRoute(ctx.alloc(), runtime.name(), head.hasBody()));
            return;
        }
        if (!runtime.takesNewConnections()) {
            respondLocally(ProxyResponses.error(
                    ctx.alloc(),
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "NoBackend",
                    runtime.noBackendReason(),
                    head.hasBody()));
            return;
        }
        HeaderRules.prepareRequest(request, head.websocket(), runtime.address(0));
        HeaderRules.forwarded(
                request.headers(),
                origin,
                config.forwardedHeaders(),
                config.clientFacingPort(),
                runtime.instance(),
                runtime.instanceAddress());
        // A sticky session's cookie names the backend to try first.
        pinned = config.stickySession() == null ? -1 : StickySessions.pinned(runtime, request);
        connector.connect(runtime, this, pinned);
    }

    /** True when a client message that arrives now has to wait for the exchange to move on. */
    boolean mustWait() {
        return requestDone || (upstream == null && !discarding);
    }

    /** True when more of the request body can go somewhere now without buffering beyond one read. */
    boolean wantsRequestData() {
        return !requestDone
                && (discarding || (upstream != null && upstream.channel().isWritable()));
    }

    void onRequestContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            ReferenceCountUtil.release(content);
            // A broken body (bad chunk size): the backend has half a request and cannot be reused.
            closeUpstream();
            if (!responseStarted()) {
                connection.rejectMalformed(cause);
            } else {
                connection.closeClient();
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
        lastProgressNanos = connection.now();
        if (bodyClock) {
            bodyDeadlineNanos = Math.min(
                    bodyDeadlineNanos + content.content().readableBytes() * nanosPerBodyByte(),
                    lastProgressNanos + runtime.config().requestTimeout().toNanos());
            bodyClock = !last;
        } else if (!bodyClockStarted && !last) {
            // Expect: 100-continue, and the client did not wait for the 100.
            startBodyClock();
        }
        if (last && response == Response.DONE) {
            // The backend already answered in full; its connection is closed, nothing to send to.
            ReferenceCountUtil.release(content);
            return;
        }
        Channel up = upstream.channel();
        up.writeAndFlush(content, up.voidPromise());
    }

    // ---- the backend connection ----------------------------------------------------------------

    @Override
    public boolean wantsUpstream() {
        return connection.isCurrent(this) && !responseStarted();
    }

    @Override
    public void upstreamReady(Channel ch, int backend, boolean reused) {
        upstream = UpstreamLease.take(ch, runtime, backend, reused, this, request.method());
        upstreamBackend = backend;
        lastProgressNanos = connection.now();
        upstreamWrittenNanos = lastProgressNanos;
        // The head is written once per connection attempt; a retry writes the same head again.
        ch.write(request, ch.voidPromise());
        if (requestDone && !head.hasBody()) {
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
        }
        ch.flush();
        ch.read();
        if (head.hasBody() && !HttpUtil.is100ContinueExpected(request)) {
            startBodyClock();
        }
        connection.resume();
    }

    /**
     * Starts the minimum body rate once the body can go somewhere: with {@code Expect:
     * 100-continue}, when the 100 is passed on (or the body comes anyway), since a client rightly
     * waits for it.
     */
    private void startBodyClock() {
        if (bodyClockStarted || requestDone) {
            return;
        }
        bodyClockStarted = true;
        bodyClock = true;
        bodyDeadlineNanos = connection.now() + runtime.config().requestTimeout().toNanos();
    }

    private long nanosPerBodyByte() {
        return 1_000_000_000L / runtime.config().minRequestBodyBytesPerSecond();
    }

    @Override
    public void noUpstream() {
        warnings.warn(
                "no backend " + runtime.name(),
                () -> "listener " + runtime.name() + ": no backend accepted a connection; answering 502");
        respondLocally(ProxyResponses.error(
                ctx.alloc(),
                HttpResponseStatus.BAD_GATEWAY,
                "NoBackendReachable",
                "no backend of listener '" + runtime.name() + "' accepted a connection",
                true));
    }

    @Override
    public void upstreamWritabilityChanged(boolean writable) {
        if (writable) {
            connection.readIfWanted();
        }
    }

    @Override
    public void upstreamClosed() {
        UpstreamLease lost = upstream;
        if (lost == null) {
            return;
        }
        upstream = null;
        lost.lost();
        if (responseStarted()) {
            if (response != Response.DONE) {
                // The body was cut: the client must not take a truncated body for a whole one.
                connection.closeClient();
            }
            return;
        }
        // Each kind of retry once: a pooled connection lost is the keep-alive race, a new one lost
        // is a backend going away, and a dying backend can do both to one request.
        if (lost.reused() && UpstreamConnector.mayRetry(request.method(), retriedOnNew, head.hasBody(), requestDone)) {
            retriedOnNew = true;
            connector.connectNew(runtime, lost.backend(), this);
            return;
        }
        if (!lost.reused()) {
            // A pooled connection lost is the keep-alive race, not a sign of the backend failing.
            runtime.backendFailed(lost.backend(), "closed before answering");
        }
        if (UpstreamConnector.mayRetry(request.method(), retriedElsewhere, head.hasBody(), requestDone)) {
            // Set first: the other backend's pooled connection may be handed over, and lost, at once.
            retriedElsewhere = true;
            if (connector.connectElsewhere(runtime, lost.backend(), this)) {
                return;
            }
        }
        warnings.warn(
                "closed " + lost.address(),
                "listener " + runtime.name() + ": backend " + lost.address()
                        + " closed the connection before answering");
        respondLocally(ProxyResponses.error(
                ctx.alloc(),
                HttpResponseStatus.BAD_GATEWAY,
                "BackendClosed",
                "the backend closed the connection before answering",
                !requestDone));
    }

    /** Closes the backend connection, if this exchange holds one. */
    void closeUpstream() {
        UpstreamLease up = upstream;
        if (up != null) {
            upstream = null;
            up.close();
        }
    }

    /** Ends this exchange's use of its backend connection: back to the pool when it is clean, else closed. */
    private void releaseUpstream() {
        UpstreamLease up = upstream;
        if (up == null) {
            return;
        }
        upstream = null;
        if (upstreamKeepAlive && requestDone) {
            up.giveBack(connector);
        } else {
            up.close();
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
        if (upstream != null && response != Response.DONE && ctx.channel().isWritable()) {
            upstream.channel().read();
        }
    }

    /** The client can take more: read more of the response, if it is streaming. */
    void clientWritable() {
        if (upstream != null && response == Response.STARTED) {
            upstream.channel().read();
        }
    }

    private void onResponseHead(HttpResponse res) {
        if (res.decoderResult().isFailure()) {
            warnings.warn(
                    "invalid " + upstream.address(),
                    "listener " + runtime.name() + ": backend " + upstream.address()
                            + " sent an invalid response: "
                            + res.decoderResult().cause());
            badGateway("InvalidBackendResponse", "the backend sent a response that is not valid HTTP/1.1");
            return;
        }
        if (upstreamWrittenNanos != 0) {
            runtime.metrics().upstreamFirstByte(connection.now() - upstreamWrittenNanos);
            upstreamWrittenNanos = 0;
        }
        int code = res.status().code();
        if (code == 101) {
            if (head.websocket()) {
                switchToWebSocket(res);
            } else {
                badGateway("UnexpectedUpgrade", "the backend switched protocols without being asked to");
            }
            return;
        }
        if (code >= 500 && runtime.config().ejectOnServerErrors()) {
            runtime.backendFailed(upstream.backend(), "status " + code);
        } else {
            runtime.backendSucceeded(upstream.backend());
        }
        lastProgressNanos = connection.now();
        // This proxy speaks HTTP/1.1 to its clients whatever version the backend used (RFC 9110 2.5).
        res.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (code < 200) {
            // 100 Continue, 103 Early Hints: passed on, except to HTTP/1.0 clients; the final response follows.
            response = head.http10() ? Response.INFORMATIONAL_DROPPED : Response.INFORMATIONAL;
            if (!head.http10()) {
                HeaderRules.prepareResponse(res, false);
                ctx.write(res, ctx.voidPromise());
            }
            if (code == 100) {
                startBodyClock();
            }
            return;
        }
        response = Response.STARTED;
        status = code;
        runtime.answered(upstream.backend(), code);
        boolean backendKeepAlive = HttpUtil.isKeepAlive(res);
        HeaderRules.prepareResponse(res, false);
        markSticky(res);
        HttpHeaders h = res.headers();
        ResponseFraming framing = ResponseFraming.of(
                new ResponseFraming.Request(
                        head.http10(),
                        request.method().equals(HttpMethod.HEAD),
                        keepAlive && !connection.keepAliveOff(),
                        head.hasBody() && !requestDone),
                new ResponseFraming.Response(
                        code,
                        HttpUtil.isTransferEncodingChunked(res),
                        h.contains(HttpHeaderNames.CONTENT_LENGTH),
                        backendKeepAlive));
        if (framing.dropChunking()) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        } else if (framing.addChunking()) {
            HttpUtil.setTransferEncodingChunked(res, true);
        }
        upstreamKeepAlive = framing.upstreamReusable();
        closeAfterResponse = framing.connection() == ConnectionHeader.CLOSE;
        setConnection(h, framing.connection());
        ctx.write(res, ctx.voidPromise());
    }

    private void onResponseContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            ReferenceCountUtil.release(content);
            warnings.warn(
                    "body " + upstream.address(),
                    "listener " + runtime.name() + ": backend " + upstream.address() + " sent a broken body");
            closeUpstream();
            connection.closeClient();
            return;
        }
        if (response == Response.INFORMATIONAL || response == Response.INFORMATIONAL_DROPPED) {
            if (response == Response.INFORMATIONAL_DROPPED) {
                ReferenceCountUtil.release(content);
            } else {
                ctx.writeAndFlush(content, ctx.voidPromise());
            }
            if (last) {
                response = Response.AWAITED;
            }
            return;
        }
        lastProgressNanos = connection.now();
        if (!last) {
            ctx.writeAndFlush(content, ctx.voidPromise());
            return;
        }
        response = Response.DONE;
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

    private void badGateway(String reason, String text) {
        closeUpstream();
        if (responseStarted()) {
            connection.closeClient();
            return;
        }
        respondLocally(ProxyResponses.error(ctx.alloc(), HttpResponseStatus.BAD_GATEWAY, reason, text, !requestDone));
    }

    private void switchToWebSocket(HttpResponse res) {
        response = Response.STARTED;
        UpstreamLease up = upstream;
        upstream = null;
        status = 101;
        runtime.answered(up.backend(), 101);
        HeaderRules.prepareResponse(res, true);
        markSticky(res);
        connection.switchToWebSocket(res, up.handOver(), runtime, up.backend());
    }

    /** The response carries the sticky-session cookie of the backend that answered. */
    private void markSticky(HttpResponse res) {
        if (runtime.config().stickySession() != null && upstreamBackend >= 0) {
            StickySessions.mark(runtime, res, upstreamBackend, pinned);
        }
    }

    /**
     * A deadline passed: the request body fell behind its minimum rate (408, the backend
     * connection with half a body closed), or nothing moved for the request timeout (504 while
     * nothing was answered, else both connections close).
     */
    void timedOut(long now) {
        if (bodyClock && now - bodyDeadlineNanos >= 0) {
            if (!connection.readingClient()) {
                // The proxy is not reading the body now (the backend takes it slowly): the client is not behind.
                bodyDeadlineNanos = now + runtime.config().requestTimeout().toNanos();
                connection.ensureTimer(deadline(now));
                return;
            }
            bodyClock = false;
            closeUpstream();
            if (responseStarted()) {
                connection.closeClient();
            } else {
                refuse(Refusal.REQUEST_BODY_TOO_SLOW, null);
            }
            return;
        }
        if (responseStarted()) {
            log.debug(
                    "client {}: response stalled for {}; closing",
                    ctx.channel().remoteAddress(),
                    runtime.config().requestTimeout());
            closeUpstream();
            connection.closeClient();
            return;
        }
        InetSocketAddress address = upstream != null ? upstream.address() : null;
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

    // ---- answering and finishing -------------------------------------------------------------------

    /** Answers a request the proxy refuses; the connection closes after the answer. */
    void refuse(Refusal refusal, String detail) {
        refused = true;
        keepAlive = false;
        connection.logRefusal(refusal, detail);
        respondLocally(ProxyResponses.refusal(ctx.alloc(), refusal, detail));
    }

    /** Answers without a backend; the request body, if any, is read and dropped. */
    void respondLocally(HttpResponse res) {
        response = Response.STARTED;
        status = res.status().code();
        runtime.metrics().responded(status);
        bodyClock = false;
        ConnectionHeader header = ResponseFraming.local(
                HttpUtil.isKeepAlive(res), head.http10(), keepAlive && !connection.keepAliveOff());
        if (header == ConnectionHeader.CLOSE) {
            closeAfterResponse = true;
        }
        setConnection(res.headers(), header);
        discarding = true;
        finishWrite(res);
        connection.resume();
    }

    /**
     * Writes the last part of a response; once it is on the wire the exchange may finish. The
     * exchange is that write's listener, so a response allocates no callback.
     */
    private void finishWrite(Object last) {
        ctx.writeAndFlush(last).addListener(this);
    }

    @Override
    public void operationComplete(ChannelFuture written) {
        if (connection.isCurrent(this)) {
            response = Response.DONE;
            maybeFinish();
        }
    }

    private void maybeFinish() {
        if (response != Response.DONE || (!requestDone && !closeAfterResponse)) {
            return;
        }
        releaseUpstream();
        long took = connection.now() - startedNanos;
        runtime.metrics().requestDone(took);
        if (accessLog != null) {
            accessLog.end(ctx.channel(), runtime, upstreamBackend, request, status, took);
        }
        connection.exchangeDone(this, closeAfterResponse || !keepAlive);
    }

    private boolean responseStarted() {
        return response == Response.STARTED || response == Response.DONE;
    }

    private static void setConnection(HttpHeaders h, ConnectionHeader header) {
        switch (header) {
            case KEEP_ALIVE -> h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            case CLOSE -> h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            case NONE -> {}
        }
    }
}
