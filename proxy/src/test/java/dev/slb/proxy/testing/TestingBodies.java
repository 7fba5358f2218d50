package dev.slb.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * Large bodies made up on the fly: a deterministic byte pattern of any length that is generated,
 * streamed and checked without ever being held in memory.
 */
public final class TestingBodies {
    public static final long MIB = 1024L * 1024L;

    private TestingBodies() {}

    /** The byte at {@code offset} of every pattern body; not periodic at any small stride. */
    public static byte at(long offset) {
        long x = offset * 0x9E3779B97F4A7C15L;
        return (byte) ((x >>> 56) ^ (offset >>> 13));
    }

    /** Fills {@code buf[0..len)} with the pattern starting at {@code offset}. */
    public static void fill(byte[] buf, int len, long offset) {
        for (int i = 0; i < len; i++) {
            buf[i] = at(offset + i);
        }
    }

    /** The CRC-32 of the first {@code size} pattern bytes. */
    public static long crc(long size) {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[64 * 1024];
        long done = 0;
        while (done < size) {
            int n = (int) Math.min(buf.length, size - done);
            fill(buf, n, done);
            crc.update(buf, 0, n);
            done += n;
        }
        return crc.getValue();
    }

    /** Writes the first {@code size} pattern bytes in pieces of {@code piece} bytes. */
    public static void write(OutputStream out, long size, int piece) throws IOException {
        byte[] buf = new byte[piece];
        long done = 0;
        while (done < size) {
            int n = (int) Math.min(buf.length, size - done);
            fill(buf, n, done);
            out.write(buf, 0, n);
            done += n;
        }
    }

    /** The pattern as a stream, for {@code BodyPublishers.ofInputStream}. */
    public static InputStream stream(long size) {
        return stream(size, new AtomicLong());
    }

    /** The pattern as a stream that counts in {@code produced} the bytes read from it so far. */
    public static InputStream stream(long size, AtomicLong produced) {
        return new InputStream() {
            private long offset;

            @Override
            public int read() {
                if (offset >= size) {
                    return -1;
                }
                produced.incrementAndGet();
                return at(offset++) & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (offset >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - offset);
                for (int i = 0; i < n; i++) {
                    b[off + i] = at(offset + i);
                }
                offset += n;
                produced.addAndGet(n);
                return n;
            }
        };
    }

    /** Reads a stream to its end: how many bytes, and their CRC-32. */
    public static Digest digest(InputStream in) throws IOException {
        return digest(in, Long.MAX_VALUE, null);
    }

    /**
     * Reads a stream to its end, running {@code atPause} once after {@code pauseAfter} bytes (the
     * reader stops reading while it runs, so whatever the other side sends meanwhile has to wait
     * somewhere).
     */
    public static Digest digest(InputStream in, long pauseAfter, Runnable atPause) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        boolean paused = atPause == null;
        int n;
        while ((n = in.read(buf, 0, (int) Math.min(buf.length, paused ? buf.length : Math.max(1, pauseAfter - total))))
                >= 0) {
            crc.update(buf, 0, n);
            total += n;
            if (!paused && total >= pauseAfter) {
                paused = true;
                atPause.run();
            }
        }
        return new Digest(total, crc.getValue());
    }

    /** A body's length and CRC-32. */
    public record Digest(long bytes, long crc) {
        public static Digest ofPattern(long size) {
            return new Digest(size, TestingBodies.crc(size));
        }

        @Override
        public String toString() {
            return bytes + " bytes, crc " + Long.toHexString(crc);
        }
    }
}
