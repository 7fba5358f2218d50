package dev.slb.proxy.websocket;

import static dev.slb.proxy.websocket.TestingFrames.BINARY;
import static dev.slb.proxy.websocket.TestingFrames.CLOSE;
import static dev.slb.proxy.websocket.TestingFrames.CONTINUATION;
import static dev.slb.proxy.websocket.TestingFrames.PING;
import static dev.slb.proxy.websocket.TestingFrames.PONG;
import static dev.slb.proxy.websocket.TestingFrames.RSV1;
import static dev.slb.proxy.websocket.TestingFrames.RSV2;
import static dev.slb.proxy.websocket.TestingFrames.RSV3;
import static dev.slb.proxy.websocket.TestingFrames.TEXT;
import static dev.slb.proxy.websocket.TestingFrames.bytes;
import static dev.slb.proxy.websocket.TestingFrames.concat;
import static dev.slb.proxy.websocket.TestingFrames.frame;
import static dev.slb.proxy.websocket.TestingFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.websocket.TestingFrames.Length;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frame header tracker: bytes pass through unchanged, and the relay always knows where frames begin. */
class FrameTrackingTest {
    private static final int[] KEY = {0x11, 0x22, 0x33, 0x44};

    /** Frames a client sends: every header shape, RSV bits, a fragmented message with control frames inside. */
    private static byte[] clientStream() {
        return concat(
                frame(true, 0, TEXT, utf8("hello"), KEY, Length.MINIMAL),
                frame(true, RSV1, BINARY, bytes(125, 1), KEY, Length.MINIMAL),
                frame(true, RSV1, BINARY, bytes(126, 2), KEY, Length.MINIMAL),
                frame(true, RSV2 | RSV3, BINARY, bytes(300, 3), KEY, Length.BITS64),
                frame(false, RSV1, TEXT, utf8("frag-1 "), KEY, Length.MINIMAL),
                frame(true, 0, PING, utf8("p"), KEY, Length.MINIMAL),
                frame(false, 0, CONTINUATION, utf8("frag-2 "), KEY, Length.BITS16),
                frame(true, 0, PONG, utf8("q"), KEY, Length.MINIMAL),
                frame(true, 0, CONTINUATION, utf8("end"), KEY, Length.MINIMAL),
                frame(true, 0, BINARY, new byte[0], KEY, Length.MINIMAL),
                frame(true, 0, TEXT, new byte[0], KEY, Length.BITS64));
    }

    /** The same shapes as a server sends them: unmasked. */
    private static byte[] upstreamStream() {
        return concat(
                frame(true, 0, TEXT, utf8("hello"), null, Length.MINIMAL),
                frame(true, RSV1 | RSV2 | RSV3, BINARY, bytes(126, 4), null, Length.MINIMAL),
                frame(true, 0, BINARY, bytes(200, 5), null, Length.BITS64),
                frame(false, 0, BINARY, bytes(3, 6), null, Length.MINIMAL),
                frame(true, 0, PING, new byte[0], null, Length.MINIMAL),
                frame(true, 0, CONTINUATION, bytes(7, 7), null, Length.MINIMAL));
    }

    @Test
    void clientBytesPassUnchangedWhereverAReadEnds() {
        byte[] stream = clientStream();
        for (int cut = 1; cut < stream.length; cut++) {
            TestingRelayPair pair = TestingRelayPair.plain();
            pair.fromClient(Arrays.copyOfRange(stream, 0, cut));
            byte[] first = pair.toUpstream();
            assertThat(first)
                    .as("written after a read ending at %d", cut)
                    .isEqualTo(Arrays.copyOfRange(stream, 0, writtenBefore(stream, cut)));
            assertThat(pair.relay.fromClient().betweenFrames())
                    .as("between frames at %d", cut)
                    .isEqualTo(atBoundaryOrInHeader(stream, cut));
            pair.fromClient(Arrays.copyOfRange(stream, cut, stream.length));
            assertThat(concat(first, pair.toUpstream()))
                    .as("whole stream, cut at %d", cut)
                    .isEqualTo(stream);
            assertThat(pair.relay.fromClient().betweenFrames()).isTrue();
            assertThat(pair.toClient()).isEmpty();
            pair.finish();
        }
    }

    @Test
    void upstreamBytesPassUnchangedWhereverAReadEnds() {
        byte[] stream = upstreamStream();
        for (int cut = 1; cut < stream.length; cut++) {
            TestingRelayPair pair = TestingRelayPair.plain();
            pair.fromUpstream(Arrays.copyOfRange(stream, 0, cut));
            byte[] first = pair.toClient();
            assertThat(first)
                    .as("written after a read ending at %d", cut)
                    .isEqualTo(Arrays.copyOfRange(stream, 0, writtenBefore(stream, cut)));
            assertThat(pair.relay.fromUpstream().betweenFrames()).isEqualTo(atBoundaryOrInHeader(stream, cut));
            pair.fromUpstream(Arrays.copyOfRange(stream, cut, stream.length));
            assertThat(concat(first, pair.toClient())).isEqualTo(stream);
            pair.finish();
        }
    }

    @Test
    void oneByteReads() {
        byte[] stream = clientStream();
        TestingRelayPair pair = TestingRelayPair.plain();
        byte[][] reads = new byte[stream.length][];
        for (int i = 0; i < stream.length; i++) {
            reads[i] = new byte[] {stream[i]};
        }
        pair.fromClient(reads);
        assertThat(pair.toUpstream()).isEqualTo(stream);
        assertThat(TestingFrames.parse(stream))
                .extracting(TestingFrames.Frame::opcode)
                .containsExactly(
                        TEXT, BINARY, BINARY, BINARY, TEXT, PING, CONTINUATION, PONG, CONTINUATION, BINARY, TEXT);
        pair.finish();
    }

    @Test
    void sixtyFourBitLengthSplitInsideHeaderAndPayload() {
        byte[] big = frame(true, RSV1, BINARY, bytes(70_000, 9), KEY, Length.MINIMAL);
        assertThat(big[1] & 0x7F).isEqualTo(127);
        byte[] stream = concat(big, frame(true, 0, TEXT, utf8("after"), KEY, Length.MINIMAL));
        int[] cuts = {
            1, 2, 3, 5, 9, 10, 11, 13, 14, 15, 1000, big.length - 1, big.length, big.length + 1, big.length + 3
        };
        for (int cut : cuts) {
            TestingRelayPair pair = TestingRelayPair.plain();
            pair.fromClient(Arrays.copyOfRange(stream, 0, cut));
            byte[] first = pair.toUpstream();
            assertThat(first.length).as("cut at %d", cut).isEqualTo(writtenBefore(stream, cut));
            pair.fromClient(Arrays.copyOfRange(stream, cut, stream.length));
            assertThat(concat(first, pair.toUpstream())).isEqualTo(stream);
            pair.finish();
        }
    }

    @Test
    void readsSpanningManyFramesAreForwardedWhole() {
        byte[] stream = clientStream();
        TestingRelayPair pair = TestingRelayPair.plain();
        pair.client.writeInbound(pair.track(Unpooled.wrappedBuffer(stream)));
        assertThat((Object) pair.upstream.readOutbound()).satisfies(first -> {
            assertThat(first).isInstanceOf(io.netty.buffer.ByteBuf.class);
            io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) first;
            assertThat(b.readableBytes()).as("one write for one read").isEqualTo(stream.length);
            b.release();
        });
        assertThat((Object) pair.upstream.readOutbound()).isNull();
        pair.finish();
    }

    @Test
    void closeFramesAreTrackedAndNothingFollowsThem() {
        byte[] close = frame(true, 0, CLOSE, TestingFrames.closePayload(1000, "done"), KEY, Length.MINIMAL);
        byte[] late = frame(true, 0, TEXT, utf8("too late"), KEY, Length.MINIMAL);
        byte[] stream = concat(frame(true, 0, TEXT, utf8("last words"), KEY, Length.MINIMAL), close, late);
        for (int cut = 1; cut < stream.length; cut++) {
            TestingRelayPair pair = TestingRelayPair.plain();
            pair.fromClient(Arrays.copyOfRange(stream, 0, cut), Arrays.copyOfRange(stream, cut, stream.length));
            assertThat(pair.toUpstream()).isEqualTo(Arrays.copyOf(stream, stream.length - late.length));
            assertThat(pair.relay.fromClient().closeSeen()).isTrue();
            assertThat(pair.relay.fromClient().closed()).isTrue();
            assertThat(pair.relay.fromUpstream().closeSeen()).isFalse();
            pair.finish();
        }
    }

    @Test
    void heldPongsAnsweringTheProxyAreSwallowedOthersPass() {
        for (int cut = 1; cut < 60; cut++) {
            TestingRelayPair pair = new TestingRelayPair(Duration.ofSeconds(60), Duration.ofSeconds(20));
            pair.advance(Duration.ofSeconds(20));
            List<TestingFrames.Frame> pings = TestingFrames.parse(pair.toClient());
            assertThat(pings).singleElement().satisfies(p -> {
                assertThat(p.opcode()).isEqualTo(PING);
                assertThat(p.masked()).isFalse();
            });
            byte[] token = pings.get(0).payload();
            byte[] before = frame(true, 0, TEXT, utf8("a"), KEY, Length.MINIMAL);
            byte[] answer = frame(true, 0, PONG, token, KEY, Length.MINIMAL);
            byte[] other = frame(true, 0, PONG, utf8("someone else's"), KEY, Length.MINIMAL);
            byte[] after = frame(true, RSV1, BINARY, bytes(130, 8), KEY, Length.MINIMAL);
            byte[] stream = concat(before, answer, other, after);
            pair.fromClient(Arrays.copyOfRange(stream, 0, cut), Arrays.copyOfRange(stream, cut, stream.length));
            assertThat(pair.toUpstream()).as("cut at %d", cut).isEqualTo(concat(before, other, after));
            pair.finish();
        }
    }

    @Test
    void bytesTheHttpDecodersHeldAreRelayedFirstAndHttpLeftoversIgnored() {
        TestingRelayPair pair = new TestingRelayPair(Duration.ofSeconds(60), null, false);
        byte[] greeting = TestingFrames.unmasked(TEXT, "welcome");
        // What a caller's decoder fires while it is being removed, before the relay's start task ran.
        pair.upstream.pipeline().fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        pair.upstream.pipeline().fireChannelRead(pair.track(Unpooled.wrappedBuffer(greeting, 0, 3)));
        pair.upstream.pipeline().fireChannelRead(pair.track(Unpooled.wrappedBuffer(greeting, 3, greeting.length - 3)));
        assertThat(pair.toClient()).isEmpty();
        pair.client.runPendingTasks();
        assertThat(pair.toClient()).isEqualTo(greeting);
        pair.fromUpstream(TestingFrames.unmasked(TEXT, "next"));
        assertThat(pair.toClient()).isEqualTo(TestingFrames.unmasked(TEXT, "next"));
        pair.finish();
    }

    @Test
    void aLengthWithTheTopBitSetEndsTheConnection() {
        TestingRelayPair pair = TestingRelayPair.plain();
        byte[] bad = {(byte) 0x82, 127, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1};
        pair.fromUpstream(bad);
        assertThat(pair.toClient()).isEmpty();
        assertThat(pair.client.isOpen()).isFalse();
        assertThat(pair.upstream.isOpen()).isFalse();
        pair.finish();
    }

    /** How much of the stream may have been written once {@code cut} bytes were read: not a partial header. */
    private static int writtenBefore(byte[] stream, int cut) {
        for (int[] f : TestingFrames.layout(stream)) {
            if (cut > f[0] && cut < f[1]) {
                return f[0];
            }
        }
        return cut;
    }

    private static boolean atBoundaryOrInHeader(byte[] stream, int cut) {
        for (int[] f : TestingFrames.layout(stream)) {
            if (cut >= f[0] && cut < f[1]) {
                return true;
            }
            if (cut == f[2]) {
                return true;
            }
        }
        return false;
    }
}
