package dev.slb.proxy.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProxyProtocolReaderTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("198.51.100.7", 40001);
    private static final InetSocketAddress CLIENT6 = new InetSocketAddress("2001:db8::7", 40002);
    private static final InetSocketAddress LB = new InetSocketAddress("203.0.113.10", 443);
    private static final InetSocketAddress LB6 = new InetSocketAddress("2001:db8::10", 443);

    /** A listener's continuation: records what it was told, and adds a handler that records what follows. */
    private static final class Recording implements ProxyProtocolReader.Continuation {
        final List<InetSocketAddress> clients = new ArrayList<>();
        final List<String> refusals = new ArrayList<>();
        final List<String> after = new ArrayList<>();
        boolean allow = true;
        boolean activeSeen;

        @Override
        public boolean accepted(Channel channel, InetSocketAddress client) {
            clients.add(client);
            if (allow) {
                channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        activeSeen = true;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        after.add(b.toString(StandardCharsets.US_ASCII));
                        b.release();
                    }
                });
            }
            return allow;
        }

        @Override
        public void refused(Channel channel, String why) {
            refusals.add(why);
        }
    }

    private static EmbeddedChannel channel(Recording r) throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ProxyProtocolReader.install(ch.pipeline(), Duration.ofSeconds(5), r);
        ch.register();
        return ch;
    }

    private static ByteBuf encoded(int version, InetSocketAddress client, InetSocketAddress destination) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(ProxyProtocolHeaders.of(version, client, destination));
        ByteBuf out = encoder.readOutbound();
        assertFalse(encoder.finishAndReleaseAll());
        return out;
    }

    @Test
    void v1AndV2HeadersNameTheClientAndTheBytesBehindThemFollowUntouched() throws Exception {
        for (int version : new int[] {1, 2}) {
            for (InetSocketAddress[] pair : new InetSocketAddress[][] {{CLIENT, LB}, {CLIENT6, LB6}}) {
                Recording r = new Recording();
                EmbeddedChannel ch = channel(r);
                ByteBuf bytes = Unpooled.buffer();
                bytes.writeBytes(encoded(version, pair[0], pair[1]));
                bytes.writeCharSequence("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII);
                ch.writeInbound(bytes);
                assertThat(r.clients).as("v%d", version).containsExactly(pair[0]);
                assertThat(r.activeSeen).isTrue();
                assertThat(String.join("", r.after)).isEqualTo("GET / HTTP/1.1\r\n\r\n");
                assertThat(ProxyProtocolReader.client(ch)).isEqualTo(pair[0]);
                assertThat(ProxyProtocolReader.destination(ch)).isEqualTo(pair[1]);
                assertThat(ch.pipeline().get(ProxyProtocolReader.READER)).isNull();
                assertThat(ch.pipeline().get(ProxyProtocolReader.DECODER)).isNull();
                assertFalse(ch.finishAndReleaseAll());
            }
        }
    }

    @Test
    void aHeaderInPiecesIsWaitedFor() throws Exception {
        Recording r = new Recording();
        EmbeddedChannel ch = channel(r);
        ByteBuf header = encoded(2, CLIENT, LB);
        ch.writeInbound(header.readRetainedSlice(7));
        assertThat(r.clients).isEmpty();
        ch.writeInbound(header);
        assertThat(r.clients).containsExactly(CLIENT);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void v2TlvsAreReadAndIgnored() throws Exception {
        // A v2 header for 198.51.100.7:40001 -> 203.0.113.10:443 with one ALPN TLV ("h2") after the addresses.
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.writeByte(0x21); // v2, PROXY
        b.writeByte(0x11); // TCP over IPv4
        b.writeShort(12 + 5);
        b.writeBytes(new byte[] {(byte) 198, 51, 100, 7, (byte) 203, 0, 113, 10});
        b.writeShort(40001);
        b.writeShort(443);
        b.writeByte(0x01).writeShort(2).writeBytes("h2".getBytes(StandardCharsets.US_ASCII));
        Recording r = new Recording();
        EmbeddedChannel ch = channel(r);
        ch.writeInbound(b);
        assertThat(r.clients).containsExactly(CLIENT);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aConnectionWithoutAHeaderIsRefusedAndClosedClearly() throws Exception {
        Recording r = new Recording();
        EmbeddedChannel ch = channel(r);
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(r.clients).isEmpty();
        assertThat(r.refusals).singleElement().asString().startsWith("no valid PROXY protocol header");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aHeaderThatDoesNotArriveInTimeIsRefused() throws Exception {
        Recording r = new Recording();
        EmbeddedChannel ch = channel(r);
        ch.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 198.51", StandardCharsets.US_ASCII));
        ch.advanceTimeBy(5, TimeUnit.SECONDS);
        ch.runPendingTasks();
        assertThat(r.refusals).containsExactly("no PROXY protocol header within 5000 ms");
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aClientTheListenerRefusesIsClosedAfterItsHeader() throws Exception {
        Recording r = new Recording();
        r.allow = false;
        EmbeddedChannel ch = channel(r);
        ch.writeInbound(encoded(1, CLIENT, LB));
        assertThat(r.clients).containsExactly(CLIENT);
        assertThat(ch.isOpen()).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }
}
