package dev.slb.proxy.websocket;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds and parses raw RFC 6455 frames for tests, independently of the relay's own code, so a
 * test can compare bytes on the wire with what it meant to send.
 */
final class TestingFrames {
    private TestingFrames() {}

    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CONTINUATION = 0x0;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    static final int RSV1 = 0x40;
    static final int RSV2 = 0x20;
    static final int RSV3 = 0x10;

    /** How the payload length is written: the shortest form, or forced to 16 or 64 bits. */
    enum Length {
        MINIMAL,
        BITS16,
        BITS64
    }

    /** A parsed frame; {@code payload} is unmasked. */
    record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        }

        String closeReason() {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, int[] maskKey, Length length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | rsv | opcode);
        int mask = maskKey == null ? 0 : 0x80;
        int n = payload.length;
        if (length == Length.MINIMAL && n < 126) {
            out.write(mask | n);
        } else if (length != Length.BITS64 && n <= 0xFFFF) {
            out.write(mask | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(mask | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) n >>> shift));
            }
        }
        if (maskKey != null) {
            for (int k : maskKey) {
                out.write(k);
            }
        }
        for (int i = 0; i < n; i++) {
            out.write(maskKey == null ? payload[i] : payload[i] ^ maskKey[i & 3]);
        }
        return out.toByteArray();
    }

    /** A frame as a client sends it: masked. */
    static byte[] masked(boolean fin, int rsv, int opcode, byte[] payload) {
        return frame(fin, rsv, opcode, payload, new int[] {0x37, 0xFA, 0x21, 0x3D}, Length.MINIMAL);
    }

    static byte[] masked(int opcode, String text) {
        return masked(true, 0, opcode, utf8(text));
    }

    /** A frame as a server sends it: unmasked. */
    static byte[] unmasked(boolean fin, int rsv, int opcode, byte[] payload) {
        return frame(fin, rsv, opcode, payload, null, Length.MINIMAL);
    }

    static byte[] unmasked(int opcode, String text) {
        return unmasked(true, 0, opcode, utf8(text));
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = utf8(reason);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** Offsets where each frame's header begins and ends, in stream order: {start, headerEnd, frameEnd}. */
    static List<int[]> layout(byte[] stream) {
        List<int[]> frames = new ArrayList<>();
        int pos = 0;
        while (pos < stream.length) {
            int b1 = stream[pos + 1] & 0xFF;
            int len7 = b1 & 0x7F;
            int header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) != 0 ? 4 : 0);
            long len = len7;
            if (len7 == 126) {
                len = (stream[pos + 2] & 0xFF) << 8 | stream[pos + 3] & 0xFF;
            } else if (len7 == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = len << 8 | stream[pos + 2 + i] & 0xFF;
                }
            }
            frames.add(new int[] {pos, pos + header, (int) (pos + header + len)});
            pos += header + (int) len;
        }
        return frames;
    }

    /** Parses complete frames; fails on a trailing partial frame. */
    static List<Frame> parse(byte[] stream) {
        List<Frame> frames = new ArrayList<>();
        for (int[] f : layout(stream)) {
            int start = f[0];
            int b0 = stream[start] & 0xFF;
            int b1 = stream[start + 1] & 0xFF;
            boolean masked = (b1 & 0x80) != 0;
            int payloadAt = f[1];
            if (f[2] > stream.length) {
                throw new IllegalArgumentException("partial frame at " + start);
            }
            byte[] payload = new byte[f[2] - payloadAt];
            for (int i = 0; i < payload.length; i++) {
                int b = stream[payloadAt + i];
                if (masked) {
                    b ^= stream[payloadAt - 4 + (i & 3)];
                }
                payload[i] = (byte) b;
            }
            frames.add(new Frame((b0 & 0x80) != 0, b0 & 0x70, b0 & 0x0F, masked, payload));
        }
        return frames;
    }
}
