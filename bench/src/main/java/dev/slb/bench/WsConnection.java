package dev.slb.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection of the load client, driven by its run from the event loop: the RFC 6455
 * upgrade, masked frames out, unmasked frames in, and each echo compared byte for byte with what
 * was sent, as it streams in (nothing is buffered but a header). Pings are answered; a close the
 * client did not ask for, a timeout or a wrong byte ends the connection as a failure.
 */
final class WsConnection extends ChannelInboundHandlerAdapter {
    /** What the run hears from its connections, always on the event loop. */
    interface Events {
        /** The server answered 101 with the right accept value. */
        void opened(WsConnection c);

        /** The echo of the last message came back whole and equal, {@code rttNanos} after it was sent. */
        void echoed(WsConnection c, long rttNanos);

        /** The channel is gone: {@link #failure()} says why when it did not end with a close handshake. */
        void ended(WsConnection c);
    }

    private enum State {
        CONNECTING,
        UPGRADING,
        OPEN,
        CLOSE_SENT,
        CLOSED
    }

    /** Connect, TLS and upgrade together. */
    static final long OPEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** An echo, or the server's close frame after ours. */
    static final long REPLY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final int MAX_HEADER = 10; // a server's frames are unmasked
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private final Events events;
    private final WsTarget target;
    private final ClientFrames frames;
    private final Handshake handshake;
    private final SslContext tls;

    /** The run's bookkeeping: index in its list of live connections. */
    int slot = -1;
    /** The run's bookkeeping: this connection counts as open (idle scenario). */
    boolean counted;
    /** When the connection was started (System.nanoTime). */
    final long startedAt;
    /** When the step under way must be done (System.nanoTime); 0 while nothing is awaited. */
    private long deadline;

    private ChannelFuture connect;
    private ChannelHandlerContext ctx;
    private State state = State.CONNECTING;
    private boolean everOpen;
    private boolean ended;
    private String failure;

    private String expectedAccept;
    private ByteBuf head;
    private int headEndMatched;

    private boolean awaitingEcho;
    private long sentAt;

    private final byte[] header = new byte[MAX_HEADER];
    private int headerLen;
    private int headerNeed;
    private boolean inPayload;
    private long remaining;
    private int opcode;
    private boolean fin;
    /** Inside a data message (its first frame seen, its final one not yet). */
    private boolean inMessage;
    /** Bytes of the current echo compared so far. */
    private int messageLen;

    private byte[] control;
    private int controlLen;

    WsConnection(Events events, WsTarget target, ClientFrames frames, Handshake handshake, SslContext tls, long now) {
        this.events = events;
        this.target = target;
        this.frames = frames;
        this.handshake = handshake;
        this.tls = tls;
        this.startedAt = now;
        this.deadline = now + OPEN_TIMEOUT_NANOS;
    }

    // ---- what the run asks -----------------------------------------------------------------------

    /** Watches the connect the run started for this connection; its end is reported once. */
    void attach(ChannelFuture connect) {
        this.connect = connect;
        connect.channel().closeFuture().addListener(f -> ended());
    }

    /** Sends the prebuilt message; its echo is expected next. */
    void sendEcho() {
        awaitingEcho = true;
        sentAt = System.nanoTime();
        deadline = sentAt + REPLY_TIMEOUT_NANOS;
        ctx.writeAndFlush(frames.messageFrame.retainedDuplicate(), ctx.voidPromise());
    }

    /** Starts the closing handshake: close frame 1000, then the server's close, then TCP close. */
    void sendClose() {
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSE_SENT;
        deadline = System.nanoTime() + REPLY_TIMEOUT_NANOS;
        ctx.writeAndFlush(frames.closeFrame.retainedDuplicate(), ctx.voidPromise());
    }

    /** Ends the connection as a failure (the first reason given is the one kept). */
    void fail(String why) {
        if (failure == null) {
            failure = why;
        }
        if (ctx != null) {
            ctx.close();
        } else {
            // No channel was ever registered (it could not even be created): nothing will close.
            ended();
        }
    }

    /** Called by the run's watchdog: fails the connection if its current step is overdue. */
    boolean overdue(long now) {
        return deadline != 0 && now - deadline > 0 && !ended;
    }

    String overdueStep() {
        return switch (state) {
            case CONNECTING -> "timed out connecting";
            case UPGRADING -> "timed out waiting for the 101 answer";
            case OPEN -> awaitingEcho ? "timed out waiting for an echo" : "timed out";
            case CLOSE_SENT -> "timed out waiting for the server's close frame";
            case CLOSED -> "timed out";
        };
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    boolean awaitingEcho() {
        return awaitingEcho;
    }

    boolean everOpen() {
        return everOpen;
    }

    /** Why the connection failed, or null when it ended with a completed close handshake. */
    String failure() {
        return failure;
    }

    // ---- pipeline events -------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (tls != null) {
            SslHandler ssl = tls.newHandler(ctx.alloc(), target.host(), target.port());
            ssl.setHandshakeTimeoutMillis(TimeUnit.NANOSECONDS.toMillis(OPEN_TIMEOUT_NANOS));
            ctx.pipeline().addBefore(ctx.name(), "tls", ssl);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        state = State.UPGRADING;
        String key = handshake.newKey();
        expectedAccept = handshake.accept(key);
        // With TLS, the SslHandler holds this until its handshake is done.
        ctx.writeAndFlush(Handshake.request(ctx.alloc(), target, key), ctx.voidPromise());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (state == State.UPGRADING) {
                readHead(in);
            }
            if (state == State.OPEN || state == State.CLOSE_SENT) {
                readFrames(in);
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Decoder and TLS failures come wrapped; the cause inside says what went wrong.
        fail(describe(cause.getCause() != null ? cause.getCause() : cause));
    }

    static String describe(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    private void ended() {
        if (ended) {
            return;
        }
        ended = true;
        if (head != null) {
            head.release();
            head = null;
        }
        if (failure == null && state == State.CONNECTING && connect != null && connect.cause() != null) {
            // Netty closes a channel whose connect failed before the run's own listener hears of it.
            failure = "connect: " + describe(connect.cause());
        }
        if (state != State.CLOSED && failure == null) {
            failure = switch (state) {
                case CONNECTING -> "connection closed before it was established";
                case UPGRADING -> "connection closed before the 101 answer";
                case OPEN ->
                    awaitingEcho ? "connection closed while waiting for an echo" : "connection closed by the server";
                case CLOSE_SENT, CLOSED -> "connection closed before the server's close frame";
            };
        }
        state = State.CLOSED;
        deadline = 0;
        events.ended(this);
    }

    // ---- the upgrade -----------------------------------------------------------------------------

    private void readHead(ByteBuf in) {
        if (head == null) {
            head = ctx.alloc().heapBuffer(256, Handshake.MAX_RESPONSE_HEAD);
        }
        while (in.isReadable()) {
            if (head.readableBytes() == Handshake.MAX_RESPONSE_HEAD) {
                fail("upgrade answer longer than " + Handshake.MAX_RESPONSE_HEAD + " bytes without a blank line");
                return;
            }
            byte b = in.readByte();
            head.writeByte(b);
            // Counts the matched bytes of CR LF CR LF.
            if (b == (headEndMatched % 2 == 0 ? '\r' : '\n')) {
                headEndMatched++;
            } else {
                headEndMatched = b == '\r' ? 1 : 0;
            }
            if (headEndMatched == 4) {
                String text = head.toString(0, head.readableBytes() - 4, StandardCharsets.ISO_8859_1);
                head.release();
                head = null;
                String problem = Handshake.check(text, expectedAccept);
                if (problem != null) {
                    fail(problem);
                    return;
                }
                state = State.OPEN;
                everOpen = true;
                deadline = 0;
                events.opened(this);
                return;
            }
        }
    }

    // ---- frames from the server ------------------------------------------------------------------

    private void readFrames(ByteBuf in) {
        while (in.isReadable() && failure == null && state != State.CLOSED) {
            if (!inPayload) {
                int need = headerLen < 2 ? 2 : headerNeed;
                int n = Math.min(need - headerLen, in.readableBytes());
                in.readBytes(header, headerLen, n);
                headerLen += n;
                if (headerLen < need) {
                    return;
                }
                if (need == 2) {
                    if ((header[1] & ClientFrames.MASK) != 0) {
                        fail("the server sent a masked frame (RFC 6455 5.1 forbids it)");
                        return;
                    }
                    int len7 = header[1] & 0x7F;
                    headerNeed = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
                    if (headerNeed > 2) {
                        continue;
                    }
                }
                headerComplete();
                if (failure == null && remaining == 0) {
                    frameComplete();
                }
                continue;
            }
            int n = (int) Math.min(remaining, in.readableBytes());
            if (opcode >= ClientFrames.OP_CLOSE) {
                in.readBytes(control, controlLen, n);
                controlLen += n;
            } else {
                if (!ByteBufUtil.equals(in, in.readerIndex(), frames.payload, messageLen, n)) {
                    fail("echo differs from the message sent, within bytes " + messageLen + " to " + (messageLen + n));
                    return;
                }
                in.skipBytes(n);
                messageLen += n;
            }
            remaining -= n;
            if (remaining == 0) {
                frameComplete();
            }
        }
    }

    private void headerComplete() {
        int len7 = header[1] & 0x7F;
        long length;
        if (len7 < 126) {
            length = len7;
        } else if (len7 == 126) {
            length = (header[2] & 0xFF) << 8 | header[3] & 0xFF;
        } else {
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = length << 8 | header[i] & 0xFF;
            }
        }
        headerLen = 0;
        headerNeed = 0;
        fin = (header[0] & ClientFrames.FIN) != 0;
        opcode = header[0] & 0x0F;
        if ((header[0] & 0x70) != 0) {
            fail("the server set RSV bits, but no extension was negotiated");
            return;
        }
        if (opcode >= ClientFrames.OP_CLOSE) {
            if (opcode > ClientFrames.OP_PONG) {
                fail("unknown control opcode " + opcode);
                return;
            }
            if (!fin || length > MAX_CONTROL_PAYLOAD) {
                fail("control frame fragmented or over 125 bytes");
                return;
            }
            if (control == null) {
                control = new byte[MAX_CONTROL_PAYLOAD];
            }
            controlLen = 0;
        } else {
            if (!awaitingEcho) {
                fail("a data frame arrived when no echo was awaited");
                return;
            }
            if (opcode == ClientFrames.OP_CONTINUATION) {
                if (!inMessage) {
                    fail("a continuation frame with no message to continue");
                    return;
                }
            } else if (opcode == ClientFrames.OP_BINARY) {
                if (inMessage) {
                    fail("a new message began inside a fragmented one");
                    return;
                }
                inMessage = true;
                messageLen = 0;
            } else {
                fail(
                        opcode == ClientFrames.OP_TEXT
                                ? "a binary message was echoed as text"
                                : "unknown opcode " + opcode);
                return;
            }
            if (length < 0 || messageLen + length > frames.size()) {
                fail("echo longer than the " + frames.size() + " bytes sent");
                return;
            }
        }
        remaining = length;
        inPayload = true;
    }

    private void frameComplete() {
        inPayload = false;
        switch (opcode) {
            case ClientFrames.OP_PING ->
                ctx.writeAndFlush(
                        ClientFrames.maskedFrame(
                                ctx.alloc(), ClientFrames.OP_PONG, control, controlLen, frames.maskKey),
                        ctx.voidPromise());
            case ClientFrames.OP_PONG -> {
                // unsolicited pongs are allowed and mean nothing
            }
            case ClientFrames.OP_CLOSE -> closeReceived();
            default -> {
                if (fin) {
                    messageComplete();
                }
            }
        }
    }

    private void messageComplete() {
        inMessage = false;
        if (messageLen != frames.size()) {
            fail("echo has " + messageLen + " bytes, " + frames.size() + " were sent");
            return;
        }
        awaitingEcho = false;
        deadline = 0;
        events.echoed(this, System.nanoTime() - sentAt);
    }

    private void closeReceived() {
        if (state == State.CLOSE_SENT) {
            state = State.CLOSED;
            ctx.close();
            return;
        }
        int code = controlLen >= 2 ? (control[0] & 0xFF) << 8 | control[1] & 0xFF : 1005;
        ctx.writeAndFlush(frames.closeFrame.retainedDuplicate(), ctx.voidPromise());
        fail("the server closed the WebSocket (code " + code + ")");
    }
}
