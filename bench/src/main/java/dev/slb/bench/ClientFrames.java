package dev.slb.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;

/**
 * The frames a load run sends, built once so that sending costs no more than a buffer duplicate:
 * the masked binary message, the masked close (1000), and the payload its echo must equal.
 *
 * <p>Every message of a run carries the same masking key. RFC 6455 asks for unpredictable keys so
 * that script-chosen payloads cannot steer a proxy's cache; the bench sends its own fixed bytes,
 * and a key that changes per frame would cost a copy of the payload per message.
 */
final class ClientFrames implements AutoCloseable {
    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;
    static final int FIN = 0x80;
    static final int MASK = 0x80;
    static final int CLOSE_NORMAL = 1000;

    /** The message payload, unmasked; echoes are compared with it. Heap memory the GC frees. */
    final ByteBuf payload;
    /** The whole masked binary frame; send {@code messageFrame.retainedDuplicate()}. */
    final ByteBuf messageFrame;
    /** A masked close frame with code 1000; send {@code closeFrame.retainedDuplicate()}. */
    final ByteBuf closeFrame;

    final int maskKey;

    ClientFrames(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        int key = random.nextInt();
        // Never all zeros: a zero key would send the payload in clear, which hides masking bugs.
        maskKey = key == 0 ? 0x5A5A5A5A : key;
        payload = Unpooled.wrappedBuffer(bytes);
        messageFrame = maskedFrame(ByteBufAllocator.DEFAULT, OP_BINARY, bytes, bytes.length, maskKey);
        closeFrame = maskedFrame(
                ByteBufAllocator.DEFAULT,
                OP_CLOSE,
                new byte[] {(byte) (CLOSE_NORMAL >>> 8), (byte) CLOSE_NORMAL},
                2,
                maskKey);
    }

    int size() {
        return payload.readableBytes();
    }

    /** A final frame of {@code opcode} with the first {@code length} bytes of {@code data}, masked with {@code key}. */
    static ByteBuf maskedFrame(ByteBufAllocator alloc, int opcode, byte[] data, int length, int key) {
        int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuf frame = alloc.directBuffer(header + 4 + length);
        frame.writeByte(FIN | opcode);
        if (length < 126) {
            frame.writeByte(MASK | length);
        } else if (length <= 0xFFFF) {
            frame.writeByte(MASK | 126);
            frame.writeShort(length);
        } else {
            frame.writeByte(MASK | 127);
            frame.writeLong(length);
        }
        frame.writeInt(key);
        byte[] masked = new byte[length];
        for (int i = 0; i < length; i++) {
            masked[i] = (byte) (data[i] ^ key >>> 8 * (3 - (i & 3)));
        }
        return frame.writeBytes(masked);
    }

    @Override
    public void close() {
        messageFrame.release();
        closeFrame.release();
    }
}
