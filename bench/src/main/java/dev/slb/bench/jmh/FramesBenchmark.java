package dev.slb.bench.jmh;

import dev.slb.proxy.websocket.FramesProbe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The WebSocket relay's per-frame header work, in nanoseconds per frame: what
 * {@code FrameForwardingHandler.relayBytes} does at each frame boundary of a read (copy the first
 * two header bytes out of the direct buffer, ask {@code Frames.headerLength}, copy the rest of the
 * header, ask {@code Frames.payloadLength}, take the opcode, step over the payload), over a read
 * holding back-to-back masked client frames of 64 B or 4 KiB payload.
 *
 * <p>{@code java -cp bench/target/slb-bench.jar org.openjdk.jmh.Main Frames}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FramesBenchmark {
    /** Frames in one simulated read; each invocation walks all of them. */
    static final int FRAMES = 64;

    @Param({"64", "4096"})
    int size;

    private ByteBuf read;
    private final byte[] header = new byte[FramesProbe.MAX_HEADER_LENGTH];

    @Setup
    public void setUp() {
        int headerLength = (size < 126 ? 2 : size <= 0xFFFF ? 4 : 10) + 4;
        read = PooledByteBufAllocator.DEFAULT.directBuffer(FRAMES * (headerLength + size));
        for (int f = 0; f < FRAMES; f++) {
            read.writeByte(0x80 | 0x2); // FIN, binary
            if (size < 126) {
                read.writeByte(0x80 | size);
            } else if (size <= 0xFFFF) {
                read.writeByte(0x80 | 126);
                read.writeShort(size);
            } else {
                read.writeByte(0x80 | 127);
                read.writeLong(size);
            }
            read.writeInt(0x1234_5678 + f); // masking key
            for (int i = 0; i < size; i++) {
                read.writeByte(i * 31 + f);
            }
        }
    }

    @TearDown
    public void tearDown() {
        read.release();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void relayHeaders(Blackhole bh) {
        ByteBuf in = read;
        byte[] h = header;
        int pos = in.readerIndex();
        int end = in.writerIndex();
        while (pos < end) {
            in.getBytes(pos, h, 0, 2);
            int length = FramesProbe.headerLength(h[1]);
            if (length > 2) {
                in.getBytes(pos + 2, h, 2, length - 2);
            }
            long payload = FramesProbe.payloadLength(h);
            bh.consume(h[0] & 0x0F);
            bh.consume(payload);
            pos += length + (int) payload;
        }
    }
}
