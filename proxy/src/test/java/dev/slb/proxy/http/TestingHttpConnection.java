package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Limits;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.proxy.core.BackendLoad;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.limits.ReplicaLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client connection of an HTTP listener, as {@link HttpListenerInitializer} builds it, on
 * {@link EmbeddedChannel}s: the client's bytes go in, the proxy's answer comes out, every backend
 * connection the proxy opens is an EmbeddedChannel the test answers for, and time is a
 * {@link MockTicker} moved by hand. Nothing touches a network.
 */
final class TestingHttpConnection {
    static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.7", 40000);
    static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8080);

    /** What a connect to a backend does. */
    enum Dial {
        ACCEPT,
        /** Refused at once (fails fast, so it gets a second round). */
        REFUSE,
        /** Times out (never tried again for the exchange). */
        TIME_OUT,
        /** Left pending; the test completes {@link Upstream#connect()} itself. */
        HOLD
    }

    /** A backend connection the proxy opened. */
    record Upstream(InetSocketAddress address, EmbeddedChannel channel, ChannelPromise connect) {}

    final MockTicker ticker = Ticker.newMockTicker();
    final Connections connections = new Connections();
    final ReplicaLimits limits = new ReplicaLimits(Limits.UNLIMITED, System.nanoTime());
    final BackendLoad backendLoad = new BackendLoad();
    final AtomicReference<ListenerRuntime> runtime = new AtomicReference<>();
    /** Every connect the proxy made, in order, accepted or not. */
    final List<Upstream> dialed = new ArrayList<>();

    final TestingClientChannel client;
    private final Map<Integer, Dial> plan = new HashMap<>();
    private final List<ByteBuf> fed = new ArrayList<>();
    private int reads;

    TestingHttpConnection(Listener config) {
        runtime.set(new ListenerRuntime(config, backendLoad, null));
        UpstreamPools pools = new UpstreamPools(loop -> new UpstreamPool(this::dial));
        client = new TestingClientChannel(EmbeddedChannel.builder()
                .ticker(ticker)
                .register(false)
                .handlers(
                        new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void read(ChannelHandlerContext ctx) {
                                reads++;
                                ctx.read();
                            }
                        },
                        new HttpListenerInitializer(runtime::get, pools, connections, limits)));
        // As the listener's child channels are: reads happen only when the handler asks.
        client.config().setAutoRead(false);
        try {
            client.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP listener with backends on 127.0.0.1 ports 1, 2, ... (never connected to), every other setting at its default. */
    static Listener listener(int backends) {
        List<Backend> bs = new ArrayList<>();
        for (int i = 1; i <= backends; i++) {
            bs.add(new Backend("127.0.0.1", i));
        }
        return Listener.of("web", Protocol.HTTP, LISTENER.getPort(), bs);
    }

    /** What connects to the backend on {@code port} do from now on; ACCEPT unless told. */
    TestingHttpConnection dial(int port, Dial what) {
        plan.put(port, what);
        return this;
    }

    private ChannelFuture dial(InetSocketAddress address, Duration connectTimeout) {
        EmbeddedChannel up = EmbeddedChannel.builder().ticker(ticker).build();
        UpstreamPool.initialize(up.pipeline());
        ChannelPromise connect = up.newPromise();
        dialed.add(new Upstream(address, up, connect));
        switch (plan.getOrDefault(address.getPort(), Dial.ACCEPT)) {
            case ACCEPT -> connect.setSuccess();
            case REFUSE -> {
                up.close();
                connect.setFailure(new ConnectException("Connection refused"));
            }
            case TIME_OUT -> {
                up.close();
                connect.setFailure(new ConnectTimeoutException("connection timed out: " + address));
            }
            case HOLD -> {}
        }
        return connect;
    }

    /** The backend connection dialed {@code index}-th (from 0). */
    EmbeddedChannel upstream(int index) {
        return dialed.get(index).channel();
    }

    /** The client sends {@code text}, in one read. */
    TestingHttpConnection fromClient(String text) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        fed.add(b);
        client.writeInbound(b);
        client.runPendingTasks();
        return this;
    }

    /** The backend on connection {@code index} sends {@code text}, in one read. */
    TestingHttpConnection fromBackend(int index, String text) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        fed.add(b);
        upstream(index).writeInbound(b);
        client.runPendingTasks();
        return this;
    }

    /** Everything the proxy wrote to the client since the last call. */
    String toClient() {
        return drain(client);
    }

    /** Everything the proxy wrote on backend connection {@code index} since the last call. */
    String toBackend(int index) {
        return drain(upstream(index));
    }

    /** Moves time on and runs what became due. */
    void advance(Duration d) {
        ticker.advance(d.toNanos(), TimeUnit.NANOSECONDS);
        client.runScheduledPendingTasks();
        client.runPendingTasks();
    }

    /** How many times the proxy asked to read the client so far. */
    int reads() {
        return reads;
    }

    /** How many backend connections to {@code port} count as in use, for least-connections scheduling. */
    int load(int port) {
        return backendLoad.counter(new InetSocketAddress("127.0.0.1", port)).get();
    }

    /**
     * Closes what is left and checks that nothing was left unread or unreleased on any channel, that
     * every buffer the proxy was given was released, and that no backend connection still counts.
     */
    void finish() {
        assertThat(client.finishAndReleaseAll())
                .as("client channel had leftovers")
                .isFalse();
        for (Upstream u : dialed) {
            assertThat(u.channel().finishAndReleaseAll())
                    .as("backend connection %s had leftovers", u.address())
                    .isFalse();
        }
        client.runPendingTasks();
        assertThat(fed)
                .as("every buffer read was released")
                .allSatisfy(b -> assertThat(b.refCnt()).isZero());
        for (Upstream u : dialed) {
            assertThat(load(u.address().getPort()))
                    .as("backend %s load", u.address())
                    .isZero();
        }
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            try {
                out.append(b.toString(StandardCharsets.ISO_8859_1));
            } finally {
                b.release();
            }
        }
        return out.toString();
    }

    /** An EmbeddedChannel with the addresses of a TCP connection, as the handler reads them. */
    static final class TestingClientChannel extends EmbeddedChannel {
        TestingClientChannel(EmbeddedChannel.Builder builder) {
            super(builder);
        }

        @Override
        protected SocketAddress localAddress0() {
            return isActive() ? LISTENER : null;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return isActive() ? CLIENT : null;
        }
    }
}
