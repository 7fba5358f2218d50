package dev.slb.proxy.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A relay between two {@link EmbeddedChannel}s on frozen, hand-driven time: bytes go in as the
 * client's or the upstream's reads and come out as what the relay wrote to the other side.
 */
final class TestingRelayPair {
    final EmbeddedChannel client = new EmbeddedChannel();
    final EmbeddedChannel upstream = new EmbeddedChannel();
    final AtomicInteger closedCalls = new AtomicInteger();
    private final List<ByteBuf> fed = new ArrayList<>();
    final WebSocketRelay relay;

    TestingRelayPair(Duration idleTimeout, Duration keepalive) {
        this(idleTimeout, keepalive, true);
    }

    TestingRelayPair(Duration idleTimeout, Duration keepalive, boolean begin) {
        client.freezeTime();
        upstream.freezeTime();
        // As in the proxy: the relay decides when each side is read.
        client.config().setAutoRead(false);
        upstream.config().setAutoRead(false);
        relay = WebSocketRelay.start(
                client, upstream, new WebSocketRelay.Settings(idleTimeout, keepalive), closedCalls::incrementAndGet);
        if (begin) {
            client.runPendingTasks();
        }
    }

    static TestingRelayPair plain() {
        return new TestingRelayPair(Duration.ofSeconds(60), null);
    }

    void fromClient(byte[]... reads) {
        for (byte[] r : reads) {
            client.writeInbound(track(Unpooled.wrappedBuffer(r)));
        }
    }

    void fromUpstream(byte[]... reads) {
        for (byte[] r : reads) {
            upstream.writeInbound(track(Unpooled.wrappedBuffer(r)));
        }
    }

    /** Remembers a buffer handed to the relay, so {@link #finish()} can check it was released. */
    ByteBuf track(ByteBuf buf) {
        fed.add(buf);
        return buf;
    }

    /** Everything the relay wrote toward the upstream since the last call. */
    byte[] toUpstream() {
        return drain(upstream);
    }

    /** Everything the relay wrote toward the client since the last call. */
    byte[] toClient() {
        return drain(client);
    }

    void advance(Duration d) {
        client.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        client.runScheduledPendingTasks();
        client.runPendingTasks();
    }

    /** Closes what is left and checks that nothing was left unread or unreleased in either channel. */
    void finish() {
        assertThat(client.finishAndReleaseAll())
                .as("client channel had leftovers")
                .isFalse();
        assertThat(upstream.finishAndReleaseAll())
                .as("upstream channel had leftovers")
                .isFalse();
        assertThat(closedCalls).hasValue(1);
        assertThat(fed)
                .as("every buffer read was released")
                .allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    private static byte[] drain(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            try {
                out.writeBytes(ByteBufUtil.getBytes(b));
            } finally {
                b.release();
            }
        }
        return out.toByteArray();
    }
}
