package dev.slb.proxy.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a {@link WebSocketRelay}: installed on the source channel, it forwards the
 * bytes read there to the peer's channel as they arrive, tracking only frame headers so the relay
 * knows where frames begin and end.
 *
 * <p>Payload bytes are never copied: a read is forwarded whole, or as retained slices when a frame
 * boundary inside it matters (a header split across reads, a held pong, a close). The only bytes
 * kept back are an incomplete header (at most 14 bytes, so that the written stream is always
 * between frames while it waits) and, on the client side with keepalive on, a pong (at most 125
 * bytes) until it is known whether it answers the proxy's own ping.
 */
final class FrameForwardingHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(FrameForwardingHandler.class);

    private final WebSocketRelay relay;
    /** True on the client channel: frames go to the upstream and are masked there. */
    private final boolean fromClient;
    /** Only the client's pongs may answer the proxy's pings. */
    private final boolean holdPongs;

    /** The handler on the other channel, whose context this one writes to. */
    private FrameForwardingHandler peer;

    private ChannelHandlerContext ctx;

    private List<ByteBuf> early;
    private boolean awaitingWritable;
    private boolean flushNeeded;

    // Frame tracking.
    private final byte[] header = new byte[Frames.MAX_HEADER_LENGTH];
    private int headerLen;
    /** Full header length once the second byte is known; 0 before. */
    private int headerNeed;
    /** Header bytes that came with earlier reads and have not been written yet. */
    private int headerCarried;

    private int opcode;
    private long remaining;

    private byte[] held;
    private int heldLen;
    private int heldHeaderLen;
    private boolean holding;

    // Close tracking.
    /** A complete close frame came from the source. */
    private boolean closeSeen;
    /** A complete close frame went to the target (passed on or injected); later bytes are dropped. */
    private boolean closed;
    /** The relay wants to send a close to the target as soon as the current frame ends. */
    private boolean closeWanted;

    /** The close code of the close frame being read: its bytes so far, how many, and the frame's mask key. */
    private int closeCode;

    private int closeCodeRead;
    private final byte[] closeMask = new byte[4];
    private boolean closeMasked;

    /** Frames read from the source (for the access log): one add per frame header. */
    private long frames;

    private boolean closeEvent;
    private boolean broken;

    FrameForwardingHandler(WebSocketRelay relay, boolean fromClient, boolean holdPongs) {
        this.relay = relay;
        this.fromClient = fromClient;
        this.holdPongs = holdPongs;
    }

    void peer(FrameForwardingHandler peer) {
        this.peer = peer;
    }

    Channel channel() {
        return ctx.channel();
    }

    // ---- state the relay reads -----------------------------------------------------------------

    /** True when everything written to the target so far ends at a frame boundary, so a frame may be injected. */
    boolean betweenFrames() {
        return remaining == 0 || holding;
    }

    long frames() {
        return frames;
    }

    boolean closeSeen() {
        return closeSeen;
    }

    boolean closed() {
        return closed;
    }

    // ---- pipeline events -----------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = bytesOf(msg);
        if (in == null) {
            return;
        }
        if (relay.ending()) {
            in.release();
            return;
        }
        if (!relay.started()) {
            // Bytes the HTTP decoders held, delivered while the caller is still removing them:
            // keep them until start's task runs, so nothing is written through an HTTP encoder.
            if (early == null) {
                early = new ArrayList<>(2);
            }
            early.add(in);
            return;
        }
        relay.touch();
        relayBytes(in);
        afterRelay();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This channel is the peer's target: the peer may read again.
        if (ctx.channel().isWritable() && peer.awaitingWritable && !relay.ending()) {
            peer.awaitingWritable = false;
            peer.ctx.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("WebSocket relay {} side failed, closing: {}", fromClient ? "client" : "upstream", cause.toString());
        ctx.close();
    }

    private static ByteBuf bytesOf(Object msg) {
        if (msg instanceof ByteBuf buf) {
            if (buf.isReadable()) {
                return buf;
            }
        } else if (msg instanceof ByteBufHolder holder && holder.content().isReadable()) {
            ByteBuf content = holder.content().retain();
            holder.release();
            return content;
        }
        // An empty buffer, or a leftover HTTP object (the decoder's end-of-message marker).
        ReferenceCountUtil.release(msg);
        return null;
    }

    // ---- called by the relay -------------------------------------------------------------------

    /** Relays what arrived before the start task ran, then asks for more. */
    void begin() {
        List<ByteBuf> pending = early;
        early = null;
        if (pending != null) {
            for (ByteBuf in : pending) {
                if (broken || relay.ending()) {
                    in.release();
                } else {
                    relayBytes(in);
                }
            }
        }
        afterRelay();
    }

    void releaseEarly() {
        List<ByteBuf> pending = early;
        early = null;
        if (pending != null) {
            pending.forEach(ByteBuf::release);
        }
    }

    /** Writes a frame of the proxy's own to the target; the caller has checked {@link #betweenFrames()}. */
    void inject(ByteBuf frame) {
        peer.ctx.writeAndFlush(frame, peer.ctx.voidPromise());
    }

    /** Sends the relay's close frame to the target now if between frames, else when the current frame ends. */
    void sendClose() {
        if (closed) {
            return;
        }
        if (betweenFrames()) {
            inject(relay.closeFrame(fromClient));
            closed = true;
        } else {
            closeWanted = true;
        }
    }

    // ---- the hot path --------------------------------------------------------------------------

    private void afterRelay() {
        if (flushNeeded) {
            flushNeeded = false;
            peer.ctx.flush();
        }
        if (broken) {
            relay.protocolError(fromClient);
            return;
        }
        if (closeEvent) {
            closeEvent = false;
            relay.closeProgress();
        }
        if (relay.ending()) {
            return;
        }
        // Once closed toward the target nothing is written there, so its writability no longer
        // matters; keep reading to see the peer's close answer.
        if (closed || peer.ctx.channel().isWritable()) {
            ctx.read();
        } else {
            awaitingWritable = true;
        }
    }

    /** Forwards one read: takes ownership of {@code in}. */
    void relayBytes(ByteBuf in) {
        final int start = in.readerIndex();
        final int end = in.writerIndex();
        int pos = start;
        int seg = start; // first byte of `in` not yet written, held or dropped
        int frameStart = -1; // where the header being gathered began in `in`; -1 when in an earlier read
        while (pos < end) {
            if (remaining > 0) {
                int n = (int) Math.min(remaining, end - pos);
                if (closeCodeRead < 2 && opcode == Frames.OP_CLOSE) {
                    readCloseCode(in, pos, n);
                }
                if (holding) {
                    in.getBytes(pos, held, heldLen, n);
                    heldLen += n;
                    seg = pos + n;
                }
                pos += n;
                remaining -= n;
                if (remaining == 0) {
                    seg = frameEnded(in, seg, pos);
                }
                continue;
            }
            if (headerLen == 0) {
                frameStart = pos;
            }
            int need = headerLen < 2 ? 2 : headerNeed;
            int n = Math.min(need - headerLen, end - pos);
            in.getBytes(pos, header, headerLen, n);
            headerLen += n;
            pos += n;
            if (headerLen < need) {
                continue;
            }
            if (need == 2) {
                headerNeed = Frames.headerLength(header[1]);
                if (headerNeed > 2) {
                    continue;
                }
            }
            seg = headerComplete(in, seg, frameStart, pos);
            if (broken) {
                in.release();
                return;
            }
        }
        // An incomplete header stays unwritten, so the target is still between frames while it waits.
        int last = headerLen > 0 ? (frameStart >= 0 ? frameStart : seg) : end;
        headerCarried = headerLen;
        if (closed) {
            in.release();
        } else if (seg == start && last == end) {
            write(in);
        } else {
            if (last > seg) {
                write(in.retainedSlice(seg, last - seg));
            }
            in.release();
        }
    }

    private int headerComplete(ByteBuf in, int seg, int frameStart, int pos) {
        int length = headerNeed;
        int carried = headerCarried;
        long payload = Frames.payloadLength(header);
        headerLen = 0;
        headerNeed = 0;
        headerCarried = 0;
        if (payload < 0) {
            broken = true;
            return seg;
        }
        opcode = header[0] & 0x0F;
        remaining = payload;
        frames++;
        if (opcode == Frames.OP_CLOSE) {
            closeCode = 0;
            closeCodeRead = 0;
            closeMasked = (header[1] & Frames.MASK) != 0;
            if (closeMasked) {
                System.arraycopy(header, length - 4, closeMask, 0, 4);
            }
        }
        if (!closed) {
            if (holdPongs && opcode == Frames.OP_PONG && payload <= Frames.MAX_CONTROL_PAYLOAD) {
                // Nothing of this buffer precedes a pong whose header began in an earlier read.
                emit(in, seg, frameStart >= 0 ? frameStart : seg);
                if (held == null) {
                    held = new byte[Frames.MAX_HEADER_LENGTH + Frames.MAX_CONTROL_PAYLOAD];
                }
                System.arraycopy(header, 0, held, 0, length);
                heldLen = length;
                heldHeaderLen = length;
                holding = true;
                seg = pos;
            } else if (carried > 0) {
                // The header began in an earlier read; nothing of `in` has been written yet.
                write(ctx.alloc().buffer(carried).writeBytes(header, 0, carried));
            }
        }
        if (payload == 0) {
            seg = frameEnded(in, seg, pos);
        }
        return seg;
    }

    private int frameEnded(ByteBuf in, int seg, int pos) {
        if (holding) {
            holding = false;
            if (!closed && !answersProxyPing()) {
                write(ctx.alloc().buffer(heldLen).writeBytes(held, 0, heldLen));
            }
        }
        if (opcode == Frames.OP_CLOSE) {
            // A close frame without a code stands for 1005, "no status received" (RFC 6455 7.4.1).
            relay.closeFrameSeen(fromClient, closeCodeRead == 2 ? closeCode : 1005);
            closeSeen = true;
            closeEvent = true;
            if (!closed) {
                emit(in, seg, pos);
                seg = pos;
                closed = true;
            }
        } else if (closeWanted && !closed) {
            emit(in, seg, pos);
            seg = pos;
            write(relay.closeFrame(fromClient));
            closed = true;
            closeEvent = true;
        }
        return seg;
    }

    /** Takes the close code's bytes from the {@code n} payload bytes at {@code from}, unmasking them. */
    private void readCloseCode(ByteBuf in, int from, int n) {
        for (int i = 0; i < n && closeCodeRead < 2; i++) {
            int b = in.getByte(from + i);
            if (closeMasked) {
                b ^= closeMask[closeCodeRead];
            }
            closeCode = closeCode << 8 | (b & 0xFF);
            closeCodeRead++;
        }
    }

    private boolean answersProxyPing() {
        byte[] token = relay.pingToken();
        if (heldLen - heldHeaderLen != token.length) {
            return false;
        }
        boolean masked = (held[1] & Frames.MASK) != 0;
        int keyAt = heldHeaderLen - 4;
        for (int i = 0; i < token.length; i++) {
            int b = held[heldHeaderLen + i];
            if (masked) {
                b ^= held[keyAt + (i & 3)];
            }
            if ((byte) b != token[i]) {
                return false;
            }
        }
        return true;
    }

    private void emit(ByteBuf in, int from, int to) {
        if (to > from && !closed) {
            write(in.retainedSlice(from, to - from));
        }
    }

    private void write(ByteBuf buf) {
        peer.ctx.write(buf, peer.ctx.voidPromise());
        flushNeeded = true;
    }
}
