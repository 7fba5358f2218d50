package dev.slb.proxy.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** RFC 6455 section 5.2 constants and the few frames the proxy writes on its own (close, ping). */
final class Frames {
    private Frames() {}

    static final int OP_CONTINUATION = 0x0;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;

    static final int FIN = 0x80;
    static final int MASK = 0x80;
    static final int MAX_HEADER_LENGTH = 14;
    static final int MAX_CONTROL_PAYLOAD = 125;
    /** A close payload is a 2-byte code followed by the reason, inside the 125-byte control limit. */
    static final int MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

    static final int CLOSE_GOING_AWAY = 1001;

    /** The header length announced by the second header byte: 2, plus 2 or 8 for extended lengths, plus 4 for a mask. */
    static int headerLength(byte secondByte) {
        int len7 = secondByte & 0x7F;
        int n = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
        return (secondByte & MASK) != 0 ? n + 4 : n;
    }

    /** The payload length of a complete header; negative when a 64-bit length has its top bit set (RFC 6455 forbids it). */
    static long payloadLength(byte[] header) {
        int len7 = header[1] & 0x7F;
        if (len7 < 126) {
            return len7;
        }
        if (len7 == 126) {
            return (header[2] & 0xFF) << 8 | header[3] & 0xFF;
        }
        long len = 0;
        for (int i = 2; i < 10; i++) {
            len = len << 8 | header[i] & 0xFF;
        }
        return len;
    }

    /**
     * The UTF-8 reason cut to what fits in a close frame, at a character boundary so the peer's
     * UTF-8 check (RFC 6455 section 8.1) does not fail the connection.
     */
    static byte[] closeReason(String reason) {
        byte[] bytes = (reason == null ? "" : reason).getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_CLOSE_REASON_BYTES) {
            return bytes;
        }
        int cut = MAX_CLOSE_REASON_BYTES;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) {
            cut--;
        }
        byte[] out = new byte[cut];
        System.arraycopy(bytes, 0, out, 0, cut);
        return out;
    }

    /** A close frame; masked toward a server (the upstream), unmasked toward a client. */
    static ByteBuf close(ByteBufAllocator alloc, boolean masked, int code, byte[] reason) {
        int payload = 2 + reason.length;
        ByteBuf frame = alloc.buffer(2 + (masked ? 4 : 0) + payload);
        frame.writeByte(FIN | OP_CLOSE);
        frame.writeByte((masked ? MASK : 0) | payload);
        if (!masked) {
            frame.writeShort(code);
            frame.writeBytes(reason);
            return frame;
        }
        // The payload is ours, never script-controlled, so a fast random key is enough here: the
        // RFC's demand for unpredictable keys guards against attacker-chosen payloads.
        int key = ThreadLocalRandom.current().nextInt();
        frame.writeInt(key);
        frame.writeByte((code >>> 8 ^ key >>> 24) & 0xFF);
        frame.writeByte((code ^ key >>> 16) & 0xFF);
        for (int i = 0; i < reason.length; i++) {
            frame.writeByte(reason[i] ^ key >>> 8 * (3 - (i + 2 & 3)));
        }
        return frame;
    }

    /** An unmasked ping toward the client carrying the proxy's token. */
    static ByteBuf ping(ByteBufAllocator alloc, byte[] token) {
        ByteBuf frame = alloc.buffer(2 + token.length);
        frame.writeByte(FIN | OP_PING);
        frame.writeByte(token.length);
        frame.writeBytes(token);
        return frame;
    }
}
