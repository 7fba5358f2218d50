package dev.slb.proxy.websocket;

import static dev.slb.proxy.websocket.TestingFrames.BINARY;
import static dev.slb.proxy.websocket.TestingFrames.CLOSE;
import static dev.slb.proxy.websocket.TestingFrames.CONTINUATION;
import static dev.slb.proxy.websocket.TestingFrames.PING;
import static dev.slb.proxy.websocket.TestingFrames.PONG;
import static dev.slb.proxy.websocket.TestingFrames.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.websocket.TestingFrames.Length;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The frame tracker on generated streams from fixed seeds: any sequence of frames, cut into reads
 * anywhere, passes unchanged and leaves the relay between frames; a close frame ends what is
 * passed on, wherever the reads are cut; arbitrary bytes are passed on or end the connection,
 * never throw, and leak nothing. A failure names the seed of its case, so it replays alone.
 */
class FrameTrackingPropertiesTest {
    private static final int[] DATA = {TEXT, BINARY};
    private static final int[] CONTROL = {PING, PONG};
    private static final Length[] LENGTHS = Length.values();

    /** A valid stream of data and control frames, masked toward the upstream when {@code fromClient}. */
    private static byte[] frames(Random r, boolean fromClient, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean inMessage = false;
        for (int i = 0; i < count; i++) {
            int[] key = fromClient ? new int[] {r.nextInt(256), r.nextInt(256), r.nextInt(256), r.nextInt(256)} : null;
            if (inMessage && r.nextInt(4) == 0) {
                // A control frame may come between the fragments of a message (RFC 6455 5.4).
                out.writeBytes(
                        TestingFrames.frame(true, 0, CONTROL[r.nextInt(2)], payload(r, 126), key, Length.MINIMAL));
                continue;
            }
            boolean fin = r.nextInt(3) != 0;
            int opcode = inMessage ? CONTINUATION : DATA[r.nextInt(2)];
            int rsv = inMessage ? 0 : (r.nextInt(4) == 0 ? r.nextInt(8) << 4 : 0);
            int size = switch (r.nextInt(10)) {
                case 0 -> 126 + r.nextInt(65_536 - 126);
                case 1 -> 65_536 + r.nextInt(20_000);
                default -> r.nextInt(200);
            };
            Length length = LENGTHS[r.nextInt(LENGTHS.length)];
            out.writeBytes(TestingFrames.frame(fin, rsv, opcode, payload(r, size + 1), key, length));
            inMessage = !fin;
        }
        return out.toByteArray();
    }

    private static byte[] payload(Random r, int bound) {
        byte[] p = new byte[r.nextInt(bound)];
        r.nextBytes(p);
        return p;
    }

    /** Cuts {@code stream} into reads: mostly small, sometimes one byte, sometimes large. */
    private static byte[][] reads(Random r, byte[] stream) {
        List<byte[]> reads = new ArrayList<>();
        for (int at = 0; at < stream.length; ) {
            int n = switch (r.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 1 + r.nextInt(16);
                case 2 -> 1 + r.nextInt(2_000);
                default -> 1 + r.nextInt(70_000);
            };
            n = Math.min(n, stream.length - at);
            reads.add(Arrays.copyOfRange(stream, at, at + n));
            at += n;
        }
        return reads.toArray(byte[][]::new);
    }

    @Test
    void anyFramesCutAnywherePassUnchangedAndEndBetweenFrames() {
        for (long seed = 6_000; seed < 6_150; seed++) {
            Random r = new Random(seed);
            boolean fromClient = r.nextBoolean();
            byte[] stream = frames(r, fromClient, 1 + r.nextInt(12));
            TestingRelayPair pair = TestingRelayPair.plain();
            byte[][] reads = reads(r, stream);
            if (fromClient) {
                pair.fromClient(reads);
                assertThat(pair.toUpstream()).as("seed %d", seed).isEqualTo(stream);
                assertThat(pair.relay.fromClient().betweenFrames())
                        .as("seed %d", seed)
                        .isTrue();
                assertThat(pair.toClient()).as("seed %d", seed).isEmpty();
            } else {
                pair.fromUpstream(reads);
                assertThat(pair.toClient()).as("seed %d", seed).isEqualTo(stream);
                assertThat(pair.relay.fromUpstream().betweenFrames())
                        .as("seed %d", seed)
                        .isTrue();
                assertThat(pair.toUpstream()).as("seed %d", seed).isEmpty();
            }
            pair.finish();
        }
    }

    @Test
    void everyReadEndsWithWholeFramesOrAPayloadWrittenAsItCame() {
        // After each read, what was written is the stream up to the read's end, less at most a
        // partial header: the tracker never holds payload and never writes half a header.
        for (long seed = 7_000; seed < 7_100; seed++) {
            Random r = new Random(seed);
            byte[] stream = frames(r, true, 1 + r.nextInt(8));
            List<int[]> layout = TestingFrames.layout(stream);
            TestingRelayPair pair = TestingRelayPair.plain();
            int read = 0;
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            for (byte[] chunk : reads(r, stream)) {
                pair.fromClient(chunk);
                read += chunk.length;
                written.writeBytes(pair.toUpstream());
                int expected = read;
                for (int[] f : layout) {
                    if (read > f[0] && read < f[1]) {
                        expected = f[0];
                    }
                }
                assertThat(written.size())
                        .as("seed %d, after %d bytes", seed, read)
                        .isEqualTo(expected);
            }
            assertThat(written.toByteArray()).as("seed %d", seed).isEqualTo(stream);
            pair.finish();
        }
    }

    @Test
    void aCloseFrameEndsWhatIsPassedOnWhereverTheReadsAreCut() {
        for (long seed = 8_000; seed < 8_100; seed++) {
            Random r = new Random(seed);
            byte[] before = frames(r, true, r.nextInt(5));
            // A close between messages: the generated frames may leave one unfinished, so end it first.
            byte[] end =
                    TestingFrames.frame(true, 0, CONTINUATION, new byte[0], new int[] {1, 2, 3, 4}, Length.MINIMAL);
            boolean open = endsInsideAMessage(before);
            byte[] close = TestingFrames.frame(
                    true, 0, CLOSE, TestingFrames.closePayload(1000, "bye"), new int[] {9, 8, 7, 6}, Length.MINIMAL);
            byte[] after = frames(r, true, 1 + r.nextInt(3));
            byte[] passed = TestingFrames.concat(before, open ? end : new byte[0], close);
            byte[] stream = TestingFrames.concat(passed, after);
            TestingRelayPair pair = TestingRelayPair.plain();
            pair.fromClient(reads(r, stream));
            assertThat(pair.toUpstream()).as("seed %d", seed).isEqualTo(passed);
            assertThat(pair.relay.fromClient().closeSeen()).as("seed %d", seed).isTrue();
            pair.finish();
        }
    }

    @Test
    void arbitraryBytesArePassedOnOrEndTheConnectionAndNeverThrow() {
        for (long seed = 9_000; seed < 9_300; seed++) {
            Random r = new Random(seed);
            byte[] noise = new byte[r.nextInt(3_000)];
            r.nextBytes(noise);
            boolean fromClient = r.nextBoolean();
            TestingRelayPair pair = TestingRelayPair.plain();
            // EmbeddedChannel rethrows whatever a handler let escape: a throw fails the case.
            byte[] out;
            if (fromClient) {
                for (byte[] read : reads(r, noise)) {
                    // A closed connection is read no more, as a socket's would not be.
                    if (pair.client.isOpen()) {
                        pair.fromClient(read);
                    }
                }
                out = pair.toUpstream();
            } else {
                for (byte[] read : reads(r, noise)) {
                    if (pair.upstream.isOpen()) {
                        pair.fromUpstream(read);
                    }
                }
                out = pair.toClient();
            }
            assertThat(out)
                    .as("seed %d: what is passed on is the input's beginning", seed)
                    .isEqualTo(Arrays.copyOf(noise, Math.min(out.length, noise.length)))
                    .hasSizeLessThanOrEqualTo(noise.length);
            pair.finish();
        }
    }

    private static boolean endsInsideAMessage(byte[] stream) {
        boolean inside = false;
        for (TestingFrames.Frame f : TestingFrames.parse(stream)) {
            if (f.opcode() < 0x8) {
                inside = !f.fin();
            }
        }
        return inside;
    }
}
