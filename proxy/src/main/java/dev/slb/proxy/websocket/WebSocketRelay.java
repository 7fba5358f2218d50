package dev.slb.proxy.websocket;

import dev.slb.proxy.metrics.CloseInitiator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Ticker;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live WebSocket relay between a client channel and an upstream (backend) channel.
 *
 * <p>Frames stream through in both directions without being buffered or decoded: only headers
 * are parsed (RFC 6455 section 5.2), so extensions (RSV bits, permessage-deflate), fragmentation
 * and messages of any size pass untouched. Reads are driven by hand (AUTO_READ is off): a side is
 * read again only once the other side is writable, so a slow reader on either side holds the
 * proxy to its channels' write-buffer water marks.
 *
 * <p>Frames the proxy writes itself (close, keepalive ping) only ever go between frames, masked
 * toward the upstream (the proxy is its client) and unmasked toward the client.
 *
 * <p>Idle timeout: bytes read from either side, pings and pongs included, count as traffic; the
 * proxy's own pings do not, the client's pongs answering them do. So with keepalive pings on, a
 * connection stays open while the client answers, even if the backend says nothing for longer
 * than the idle timeout: that is intended, quiet clients are not cut, and a backend that wants to
 * end a quiet connection can close it itself.
 *
 * <p>Closing: close frames between the peers pass through, and nothing sent after one is passed
 * on. When the proxy closes (idle timeout, drain) it sends 1001 each way, a direction in the middle
 * of a frame getting it when that frame ends, and closes both channels once both peers have
 * answered or {@link #CLOSE_GRACE} is over. When either TCP side closes, the other gets what is
 * already queued for it and is closed; should that flush stall, the idle timeout ends it.
 *
 * <p>All state is confined to the client channel's event loop, which the upstream channel shares.
 */
public final class WebSocketRelay {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketRelay.class);

    /** How long a closing connection waits for close answers, or for a frame in flight to end. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

    static final String HANDLER_NAME = "slb-websocket-relay";
    private static final int PING_TOKEN_BYTES = 8;

    /**
     * Relay settings.
     *
     * @param idleTimeout           close the connection after this long with no bytes in either direction
     * @param keepalivePingInterval ping the client this often; null for no proxy pings
     */
    public record Settings(Duration idleTimeout, Duration keepalivePingInterval) {
        public Settings {
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive, got " + idleTimeout);
            }
            if (keepalivePingInterval != null
                    && (keepalivePingInterval.isNegative() || keepalivePingInterval.isZero())) {
                throw new IllegalArgumentException(
                        "keepalivePingInterval must be positive, got " + keepalivePingInterval);
            }
        }
    }

    private final Channel client;
    private final Channel upstream;
    private final Settings settings;
    private final Ending onClosed;
    private final EventLoop loop;
    /** The event loop's clock: System.nanoTime() in production, hand-driven under EmbeddedChannel. */
    private final Ticker ticker;

    private final long idleNanos;
    private final FrameForwardingHandler fromClient;
    private final FrameForwardingHandler fromUpstream;
    private final byte[] pingToken;

    private long lastActivity;
    private boolean started;
    /** A TCP side has closed: the other is being flushed and closed. */
    private boolean ending;
    /** The proxy has begun closing (idle timeout or drain). */
    private boolean closing;

    private byte[] closeReason;
    private boolean clientOpen = true;
    private boolean upstreamOpen = true;
    private boolean finished;

    private Future<?> idleTask;
    private Future<?> pingTask;
    private Future<?> graceTask;

    /** Who began the end, and the close code they sent ({@link #NO_CLOSE_CODE} for a TCP close); set once. */
    private CloseInitiator initiator;

    private int closeCode = NO_CLOSE_CODE;

    /** The close code of a connection that ended without a close frame. */
    public static final int NO_CLOSE_CODE = -1;

    /** What runs once a relay is over, told who began its end and with which close code. */
    public interface Ending {
        void ended(CloseInitiator initiator, int closeCode);
    }

    private WebSocketRelay(Channel client, Channel upstream, Settings settings, Ending onClosed) {
        this.client = client;
        this.upstream = upstream;
        this.settings = settings;
        this.onClosed = onClosed;
        this.loop = client.eventLoop();
        this.ticker = loop.ticker();
        this.idleNanos = nanos(settings.idleTimeout());
        boolean keepalive = settings.keepalivePingInterval() != null;
        this.fromClient = new FrameForwardingHandler(this, true, keepalive);
        this.fromUpstream = new FrameForwardingHandler(this, false, false);
        fromClient.peer(fromUpstream);
        fromUpstream.peer(fromClient);
        this.pingToken = new byte[PING_TOKEN_BYTES];
        ThreadLocalRandom.current().nextBytes(pingToken);
    }

    /**
     * Installs the relay's handlers last in both pipelines and starts relaying. Call on the client
     * channel's event loop, which the upstream channel must share; both channels have AUTO_READ
     * off. The caller may remove its HTTP handlers right after this returns: bytes their decoders
     * held reach the relay as {@link ByteBuf}s and are relayed first. {@code onClosed} runs once,
     * when both channels are closed.
     */
    public static WebSocketRelay start(Channel client, Channel upstream, Settings settings, Runnable onClosed) {
        Objects.requireNonNull(onClosed, "onClosed");
        return start(client, upstream, settings, (initiator, code) -> onClosed.run());
    }

    /** As {@link #start(Channel, Channel, Settings, Runnable)}, telling {@code onClosed} who ended the connection and how. */
    public static WebSocketRelay start(Channel client, Channel upstream, Settings settings, Ending onClosed) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(onClosed, "onClosed");
        if (!client.eventLoop().inEventLoop() || !upstream.eventLoop().inEventLoop()) {
            throw new IllegalStateException("start the relay on the event loop both channels share");
        }
        WebSocketRelay relay = new WebSocketRelay(client, upstream, settings, onClosed);
        relay.install();
        return relay;
    }

    /**
     * Drains the connection: sends close code 1001 with {@code reason} to both sides (each as soon
     * as it is between frames, waiting at most {@link #CLOSE_GRACE} for a frame in flight), then
     * closes both channels once both sides have answered or the grace is over. Safe from any thread.
     */
    public void goingAway(String reason) {
        if (loop.inEventLoop()) {
            beginClose(CloseInitiator.DRAIN, reason);
            return;
        }
        try {
            loop.execute(() -> beginClose(CloseInitiator.DRAIN, reason));
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes its channels itself.
        }
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    private void install() {
        lastActivity = ticker.nanoTime();
        client.pipeline().addLast(HANDLER_NAME, fromClient);
        upstream.pipeline().addLast(HANDLER_NAME, fromUpstream);
        client.closeFuture().addListener(f -> channelClosed(true));
        upstream.closeFuture().addListener(f -> channelClosed(false));
        if (finished) {
            return;
        }
        idleTask = loop.schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
        Duration ping = settings.keepalivePingInterval();
        if (ping != null) {
            long nanos = nanos(ping);
            pingTask = loop.scheduleWithFixedDelay(this::ping, nanos, nanos, TimeUnit.NANOSECONDS);
        }
        // Runs after the caller has taken its HTTP handlers out, so nothing we write passes
        // through an HTTP encoder.
        loop.execute(this::begin);
    }

    private void begin() {
        started = true;
        if (ending) {
            fromClient.releaseEarly();
            fromUpstream.releaseEarly();
            return;
        }
        fromClient.begin();
        fromUpstream.begin();
    }

    private void channelClosed(boolean isClient) {
        ended(isClient ? CloseInitiator.CLIENT : CloseInitiator.BACKEND, NO_CLOSE_CODE);
        if (isClient) {
            clientOpen = false;
        } else {
            upstreamOpen = false;
        }
        if (!ending) {
            ending = true;
            cancel(pingTask);
        }
        // The other side gets what is already on its way, then closes; the idle task still runs
        // and closes it outright if that flush stalls for a whole idle period.
        if (clientOpen) {
            closeAfterFlush(client);
        }
        if (upstreamOpen) {
            closeAfterFlush(upstream);
        }
        if (!clientOpen && !upstreamOpen && !finished) {
            finished = true;
            cancel(idleTask);
            cancel(pingTask);
            cancel(graceTask);
            fromClient.releaseEarly();
            fromUpstream.releaseEarly();
            try {
                onClosed.ended(initiator, closeCode);
            } catch (RuntimeException e) {
                LOG.warn("WebSocket relay onClosed callback failed", e);
            }
        }
    }

    private static void closeAfterFlush(Channel ch) {
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        if (ch.isActive() && pending != null && pending.totalPendingWriteBytes() > 0) {
            // The empty write completes only after everything queued before it is on the wire.
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    private void closeBoth() {
        client.close();
        upstream.close();
    }

    private static void cancel(Future<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    // ---- timers --------------------------------------------------------------------------------

    private void checkIdle() {
        if (finished) {
            return;
        }
        long idle = ticker.nanoTime() - lastActivity;
        if (idle < idleNanos) {
            idleTask = loop.schedule(this::checkIdle, idleNanos - idle, TimeUnit.NANOSECONDS);
            return;
        }
        if (ending) {
            closeBoth();
            return;
        }
        beginClose(CloseInitiator.IDLE_TIMEOUT, "idle timeout: no message for " + seconds(settings.idleTimeout()));
    }

    private void ping() {
        // A client that cannot take our writes now gains nothing from one more frame in its queue.
        if (closing || ending || fromUpstream.closed() || !fromUpstream.betweenFrames() || !client.isWritable()) {
            return;
        }
        fromUpstream.inject(Frames.ping(client.alloc(), pingToken));
    }

    // ---- closing -------------------------------------------------------------------------------

    private void beginClose(CloseInitiator why, String reason) {
        if (closing || ending || finished) {
            return;
        }
        ended(why, Frames.CLOSE_GOING_AWAY);
        closing = true;
        closeReason = Frames.closeReason(reason);
        cancel(pingTask);
        cancel(idleTask);
        cancel(graceTask);
        graceTask = loop.schedule(this::closeBoth, CLOSE_GRACE.toNanos(), TimeUnit.NANOSECONDS);
        fromUpstream.sendClose();
        fromClient.sendClose();
        closeProgress();
    }

    /** Called when a close frame passed, was seen or was injected in either direction. */
    void closeProgress() {
        if (ending || finished) {
            return;
        }
        boolean bothWays =
                fromClient.closed() && fromUpstream.closed() && fromClient.closeSeen() && fromUpstream.closeSeen();
        if (!bothWays) {
            return;
        }
        if (closing) {
            closeAfterFlush(client);
            closeAfterFlush(upstream);
        } else if (graceTask == null) {
            // The peers shook hands themselves; the backend is expected to close TCP first (the
            // proxy is its client), the grace only catches a peer that never does.
            graceTask = loop.schedule(this::closeBoth, CLOSE_GRACE.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Who ended the connection: the first to send a close frame, close its side, or (the proxy) time it out. */
    private void ended(CloseInitiator who, int code) {
        if (initiator == null) {
            initiator = who;
            closeCode = code;
        }
    }

    /** A whole close frame with {@code code} came from one side. */
    void closeFrameSeen(boolean fromClientSide, int code) {
        ended(fromClientSide ? CloseInitiator.CLIENT : CloseInitiator.BACKEND, code);
    }

    void protocolError(boolean fromClientSide) {
        ended(fromClientSide ? CloseInitiator.CLIENT : CloseInitiator.BACKEND, NO_CLOSE_CODE);
        LOG.debug(
                "WebSocket relay: unusable frame length from the {}, closing", fromClientSide ? "client" : "upstream");
        closeBoth();
    }

    // ---- state the handlers share ----------------------------------------------------------------

    boolean started() {
        return started;
    }

    boolean ending() {
        return ending;
    }

    void touch() {
        lastActivity = ticker.nanoTime();
    }

    byte[] pingToken() {
        return pingToken;
    }

    ByteBuf closeFrame(boolean towardUpstream) {
        Channel target = towardUpstream ? upstream : client;
        return Frames.close(target.alloc(), towardUpstream, Frames.CLOSE_GOING_AWAY, closeReason);
    }

    /** Frames the client sent so far (relayed, or dropped after a close). */
    public long framesFromClient() {
        return fromClient.frames();
    }

    /** Frames the backend sent so far; the proxy's own pings and closes are not among them. */
    public long framesFromUpstream() {
        return fromUpstream.frames();
    }

    FrameForwardingHandler fromClient() {
        return fromClient;
    }

    FrameForwardingHandler fromUpstream() {
        return fromUpstream;
    }

    /** Durations beyond what a long of nanoseconds holds (292 years) are as good as forever. */
    private static long nanos(Duration d) {
        return d.compareTo(Duration.ofDays(365L * 200)) > 0 ? TimeUnit.DAYS.toNanos(365L * 200) : d.toNanos();
    }

    /** "60s", "0.3s": whole seconds stay whole, shorter limits (tests) stay readable. */
    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
    }
}
