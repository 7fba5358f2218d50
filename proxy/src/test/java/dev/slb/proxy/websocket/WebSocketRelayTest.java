package dev.slb.proxy.websocket;

import static dev.slb.proxy.websocket.TestingFrames.BINARY;
import static dev.slb.proxy.websocket.TestingFrames.CLOSE;
import static dev.slb.proxy.websocket.TestingFrames.PING;
import static dev.slb.proxy.websocket.TestingFrames.PONG;
import static dev.slb.proxy.websocket.TestingFrames.TEXT;
import static dev.slb.proxy.websocket.TestingFrames.bytes;
import static dev.slb.proxy.websocket.TestingFrames.closePayload;
import static dev.slb.proxy.websocket.TestingFrames.concat;
import static dev.slb.proxy.websocket.TestingFrames.masked;
import static dev.slb.proxy.websocket.TestingFrames.unmasked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.proxy.websocket.TestingFrames.Frame;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Idle timeout, keepalive pings, drain and close handling of the relay, on hand-driven time. */
class WebSocketRelayTest {
    private static final Duration MINUTE = Duration.ofSeconds(60);

    @Test
    void idleConnectionGetsGoingAwayBothWaysThenClosesWhenBothAnswer() {
        TestingRelayPair pair = TestingRelayPair.plain();
        pair.advance(Duration.ofSeconds(59));
        pair.fromClient(masked(TEXT, "still here"));
        assertThat(pair.toUpstream()).isEqualTo(masked(TEXT, "still here"));
        pair.advance(Duration.ofSeconds(59));
        assertThat(pair.toClient()).as("59 s after the last message").isEmpty();
        pair.advance(Duration.ofSeconds(1));

        Frame toClient = single(pair.toClient());
        assertThat(toClient.opcode()).isEqualTo(CLOSE);
        assertThat(toClient.masked()).as("server-to-client frames are unmasked").isFalse();
        assertThat(toClient.closeCode()).isEqualTo(1001);
        assertThat(toClient.closeReason()).isEqualTo("idle timeout: no message for 60s");
        Frame toUpstream = single(pair.toUpstream());
        assertThat(toUpstream.masked()).as("client-to-server frames are masked").isTrue();
        assertThat(toUpstream.closeCode()).isEqualTo(1001);
        assertThat(toUpstream.closeReason()).isEqualTo("idle timeout: no message for 60s");

        // The answers end the connection without waiting for the grace; they are not passed on,
        // each side already has its close.
        pair.fromClient(masked(true, 0, CLOSE, closePayload(1001, "")));
        assertThat(pair.client.isOpen()).isTrue();
        pair.fromUpstream(unmasked(true, 0, CLOSE, closePayload(1001, "")));
        assertThat(pair.client.isOpen()).isFalse();
        assertThat(pair.upstream.isOpen()).isFalse();
        assertThat(pair.toClient()).isEmpty();
        assertThat(pair.toUpstream()).isEmpty();
        pair.finish();
    }

    @Test
    void unansweredCloseEndsAfterTheGrace() {
        TestingRelayPair pair = TestingRelayPair.plain();
        pair.advance(MINUTE);
        assertThat(single(pair.toClient()).closeCode()).isEqualTo(1001);
        assertThat(single(pair.toUpstream()).closeCode()).isEqualTo(1001);
        pair.advance(Duration.ofMillis(999));
        assertThat(pair.client.isOpen()).isTrue();
        pair.advance(Duration.ofMillis(1));
        assertThat(pair.client.isOpen()).isFalse();
        assertThat(pair.upstream.isOpen()).isFalse();
        pair.finish();
    }

    @Test
    void pingsAndPongsPassingThroughCountAsTraffic() {
        TestingRelayPair pair = TestingRelayPair.plain();
        for (int i = 0; i < 5; i++) {
            pair.advance(Duration.ofSeconds(40));
            if (i % 2 == 0) {
                pair.fromClient(masked(PING, "hb"));
            } else {
                pair.fromUpstream(unmasked(PONG, "hb"));
            }
        }
        assertThat(pair.client.isOpen()).isTrue();
        assertThat(TestingFrames.parse(pair.toClient()))
                .extracting(Frame::opcode)
                .containsOnly(PONG);
        assertThat(TestingFrames.parse(pair.toUpstream()))
                .extracting(Frame::opcode)
                .containsOnly(PING);
        pair.finish();
    }

    @Test
    void keepalivePingsDoNotCountButTheClientsPongsDo() {
        TestingRelayPair pair = new TestingRelayPair(MINUTE, Duration.ofSeconds(20));
        // The client answers every ping for five minutes while the backend says nothing.
        for (int i = 0; i < 15; i++) {
            pair.advance(Duration.ofSeconds(20));
            Frame ping = single(pair.toClient());
            assertThat(ping.opcode()).isEqualTo(PING);
            assertThat(ping.masked()).isFalse();
            pair.fromClient(masked(true, 0, PONG, ping.payload()));
        }
        assertThat(pair.toUpstream())
                .as("answers to the proxy's pings stay in the proxy")
                .isEmpty();
        assertThat(pair.client.isOpen()).isTrue();

        // Then the client goes quiet: the proxy's own pings do not keep it open.
        pair.advance(Duration.ofSeconds(20));
        pair.advance(Duration.ofSeconds(20));
        assertThat(TestingFrames.parse(pair.toClient()))
                .extracting(Frame::opcode)
                .containsExactly(PING, PING);
        pair.advance(Duration.ofSeconds(19));
        assertThat(pair.client.isOpen()).isTrue();
        pair.advance(Duration.ofSeconds(1));
        assertThat(TestingFrames.parse(pair.toClient()))
                .extracting(Frame::opcode)
                .endsWith(CLOSE)
                .containsOnlyOnce(CLOSE);
        assertThat(single(pair.toUpstream()).closeReason()).isEqualTo("idle timeout: no message for 60s");
        pair.advance(WebSocketRelay.CLOSE_GRACE);
        pair.finish();
    }

    @Test
    void keepalivePingWaitsUntilTheClientIsBetweenFrames() {
        TestingRelayPair pair = new TestingRelayPair(MINUTE, Duration.ofSeconds(20));
        byte[] big = unmasked(true, 0, BINARY, bytes(1000, 1));
        pair.fromUpstream(Arrays.copyOf(big, 500));
        pair.advance(Duration.ofSeconds(20));
        assertThat(pair.toClient()).as("no ping inside a frame").hasSize(500);
        pair.fromUpstream(Arrays.copyOfRange(big, 500, big.length));
        assertThat(pair.toClient()).hasSize(big.length - 500);
        pair.advance(Duration.ofSeconds(20));
        assertThat(single(pair.toClient()).opcode()).isEqualTo(PING);
        pair.finish();
    }

    @Test
    void goingAwayWaitsForAFrameInFlightThenDropsWhatFollows() {
        TestingRelayPair pair = TestingRelayPair.plain();
        byte[] inFlight = unmasked(true, 0, BINARY, bytes(10, 2));
        pair.fromUpstream(Arrays.copyOf(inFlight, 6));
        assertThat(pair.toClient()).hasSize(6);

        pair.relay.goingAway("the load balancer is restarting; please reconnect");
        assertThat(pair.toClient()).as("nothing inside the frame").isEmpty();
        Frame toUpstream = single(pair.toUpstream());
        assertThat(toUpstream.masked()).isTrue();
        assertThat(toUpstream.closeCode()).isEqualTo(1001);
        assertThat(toUpstream.closeReason()).isEqualTo("the load balancer is restarting; please reconnect");

        pair.fromUpstream(concat(Arrays.copyOfRange(inFlight, 6, inFlight.length), unmasked(TEXT, "dropped")));
        byte[] out = pair.toClient();
        int rest = inFlight.length - 6;
        assertThat(Arrays.copyOf(out, rest)).isEqualTo(Arrays.copyOfRange(inFlight, 6, inFlight.length));
        Frame close = single(Arrays.copyOfRange(out, rest, out.length));
        assertThat(close.masked()).isFalse();
        assertThat(close.closeCode()).isEqualTo(1001);

        pair.fromClient(masked(true, 0, CLOSE, closePayload(1001, "")), masked(TEXT, "dropped too"));
        pair.fromUpstream(unmasked(true, 0, CLOSE, closePayload(1000, "")));
        assertThat(pair.toUpstream()).isEmpty();
        assertThat(pair.client.isOpen()).isFalse();
        pair.finish();
    }

    @Test
    void goingAwayClosesTcpWhenAFrameNeverEnds() {
        TestingRelayPair pair = TestingRelayPair.plain();
        pair.fromClient(Arrays.copyOf(masked(true, 0, BINARY, bytes(100, 3)), 50));
        assertThat(pair.toUpstream()).hasSize(50);
        pair.relay.goingAway("drain");
        assertThat(single(pair.toClient()).closeCode()).isEqualTo(1001);
        assertThat(pair.toUpstream()).isEmpty();
        pair.advance(WebSocketRelay.CLOSE_GRACE.minusMillis(1));
        assertThat(pair.upstream.isOpen())
                .as("the upstream never got its close: wait the grace")
                .isTrue();
        pair.advance(Duration.ofMillis(1));
        assertThat(pair.upstream.isOpen()).isFalse();
        assertThat(pair.client.isOpen()).isFalse();
        pair.finish();
    }

    @Test
    void goingAwayFromAnotherThreadRunsOnTheEventLoop() throws Exception {
        TestingRelayPair pair = TestingRelayPair.plain();
        Thread t = new Thread(() -> pair.relay.goingAway("bye"));
        t.start();
        t.join();
        pair.client.runPendingTasks();
        assertThat(single(pair.toClient()).closeReason()).isEqualTo("bye");
        assertThat(single(pair.toUpstream()).closeReason()).isEqualTo("bye");
        pair.advance(WebSocketRelay.CLOSE_GRACE);
        pair.finish();
    }

    @Test
    void closeHandshakeBetweenThePeersPassesThrough() {
        TestingRelayPair pair = TestingRelayPair.plain();
        byte[] clientClose = masked(true, 0, CLOSE, closePayload(1000, "done"));
        pair.fromClient(concat(clientClose, masked(TEXT, "after close")));
        assertThat(pair.toUpstream()).isEqualTo(clientClose);
        byte[] serverClose = unmasked(true, 0, CLOSE, closePayload(1000, "done"));
        pair.fromUpstream(concat(unmasked(TEXT, "crossing"), serverClose));
        assertThat(pair.toClient()).isEqualTo(concat(unmasked(TEXT, "crossing"), serverClose));
        assertThat(pair.client.isOpen()).isTrue();
        // The backend closes TCP after its close frame; the client follows.
        pair.upstream.close();
        assertThat(pair.client.isOpen()).isFalse();
        pair.finish();
    }

    @Test
    void peersThatNeverCloseTcpAfterTheHandshakeAreClosedAfterTheGrace() {
        TestingRelayPair pair = TestingRelayPair.plain();
        pair.fromClient(masked(true, 0, CLOSE, closePayload(1000, "")));
        pair.fromUpstream(unmasked(true, 0, CLOSE, closePayload(1000, "")));
        pair.toUpstream();
        pair.toClient();
        pair.advance(WebSocketRelay.CLOSE_GRACE);
        assertThat(pair.client.isOpen()).isFalse();
        pair.finish();
    }

    @Test
    void eitherSideClosingClosesTheOtherOnce() {
        TestingRelayPair pair = TestingRelayPair.plain();
        pair.fromUpstream(unmasked(TEXT, "bye"));
        pair.client.close();
        assertThat(pair.upstream.isOpen()).isFalse();
        assertThat(pair.closedCalls).hasValue(1);
        pair.toClient();
        pair.finish();

        TestingRelayPair other = TestingRelayPair.plain();
        other.upstream.close();
        assertThat(other.client.isOpen()).isFalse();
        other.finish();
    }

    @Test
    void goingAwayAfterCloseDoesNothing() {
        TestingRelayPair pair = TestingRelayPair.plain();
        pair.client.close();
        pair.relay.goingAway("late");
        pair.finish();
    }

    @Test
    void aSideIsReadAgainOnlyWhenTheOtherSideIsWritable() {
        TestingRelayPair pair = TestingRelayPair.plain();
        AtomicInteger clientReads = countReads(pair.client);
        AtomicInteger upstreamReads = countReads(pair.upstream);

        pair.fromClient(masked(TEXT, "one"));
        assertThat(clientReads).as("upstream writable: read on").hasValue(1);

        pair.upstream.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        pair.upstream.runPendingTasks();
        pair.fromClient(masked(TEXT, "two"));
        assertThat(pair.toUpstream()).isEqualTo(concat(masked(TEXT, "one"), masked(TEXT, "two")));
        assertThat(clientReads).as("upstream full: the client is not read").hasValue(1);
        pair.fromUpstream(unmasked(TEXT, "the other way still flows"));
        assertThat(upstreamReads).hasValue(1);

        pair.upstream.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        pair.upstream.runPendingTasks();
        assertThat(clientReads).as("upstream drained: the client is read again").hasValue(2);
        pair.toClient();
        pair.finish();
    }

    private static AtomicInteger countReads(Channel ch) {
        AtomicInteger reads = new AtomicInteger();
        ch.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads.incrementAndGet();
                ctx.read();
            }
        });
        return reads;
    }

    @Test
    void closeReasonsAreCutToFitAtACharacterBoundary() {
        byte[] cut = Frames.closeReason("é".repeat(100));
        assertThat(cut.length).isEqualTo(122);
        assertThat(new String(cut, StandardCharsets.UTF_8)).isEqualTo("é".repeat(61));
        assertThat(Frames.closeReason("short")).isEqualTo("short".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void idleTimeoutsRenderAsSeconds() {
        assertThat(WebSocketRelay.seconds(Duration.ofSeconds(60))).isEqualTo("60s");
        assertThat(WebSocketRelay.seconds(Duration.ofMillis(300))).isEqualTo("0.3s");
        assertThat(WebSocketRelay.seconds(Duration.ofMillis(1500))).isEqualTo("1.5s");
    }

    @Test
    void settingsRefuseNonPositiveDurations() {
        assertThatThrownBy(() -> new WebSocketRelay.Settings(Duration.ZERO, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WebSocketRelay.Settings(MINUTE, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new WebSocketRelay.Settings(MINUTE, null).keepalivePingInterval())
                .isNull();
    }

    private static Frame single(byte[] stream) {
        List<Frame> frames = TestingFrames.parse(stream);
        assertThat(frames).hasSize(1);
        return frames.get(0);
    }
}
