package dev.slb.proxy.http;

import dev.slb.model.Listener;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.metrics.AccessLog;
import dev.slb.proxy.metrics.BackendMetrics;
import dev.slb.proxy.metrics.ClientTraffic;
import dev.slb.proxy.metrics.CloseInitiator;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.metrics.ListenerMetrics;
import dev.slb.proxy.websocket.WebSocketRelay;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands a client connection whose upgrade the backend accepted (101) over to a WebSocket relay:
 * the relay starts on both channels, the HTTP handlers leave both pipelines, and the drain and the
 * backend's load follow the relay from then on.
 */
final class WebSocketSwitch {
    private WebSocketSwitch() {}

    /**
     * Starts the relay between the client channel of {@code http} and {@code upstream}.
     *
     * @param http     the context of the client's HTTP handler, which leaves the pipeline
     * @param drained  what the drain held for this connection until now
     * @param backend  the backend {@code upstream} leads to; its load counts the relay until it ends
     */
    static void relay(
            ChannelHandlerContext http,
            Channel upstream,
            ListenerRuntime runtime,
            int backend,
            Connections connections,
            Connections.Drainable drained) {
        Listener config = runtime.config();
        // The drain now deals with the relay alone: nothing keeps the HTTP handler, its request and
        // the removed HTTP codecs alive for the connection's lifetime (they cost an idle WebSocket
        // connection about twice its memory).
        Channel client = http.channel();
        RelayedConnection relayed = new RelayedConnection(
                connections,
                runtime.load(backend),
                runtime.metrics(),
                runtime.metrics(backend),
                runtime.config().accessLog() ? ClientTraffic.of(client) : null,
                Labels.backend(runtime.address(backend)));
        relayed.relay = WebSocketRelay.start(
                client,
                upstream,
                new WebSocketRelay.Settings(
                        config.idleTimeout(), config.websocket().keepalivePingInterval()),
                relayed);
        if (!relayed.closed) {
            connections.add(relayed, runtime.name(), runtime.address(backend));
        }
        connections.remove(drained);
        // Out with HTTP; bytes the decoders still hold flow on to the relay as they are removed.
        // A WebSocket has no use for half-closure: a client's FIN ends the relay, and the backend hears of it.
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        client.pipeline().remove(http.handler());
        client.pipeline().remove(HttpListenerInitializer.CODEC);
        if (client.pipeline().get(ResponseCompressor.NAME) != null) {
            client.pipeline().remove(ResponseCompressor.NAME);
        }
        upstream.pipeline().remove(UpstreamHandler.NAME);
        upstream.pipeline().remove(UpstreamPool.ENCODER);
        upstream.pipeline().remove(UpstreamPool.DECODER);
    }

    /** A connection switched to WebSocket, as the drain and the backend load see it. */
    private static final class RelayedConnection implements Connections.Drainable, WebSocketRelay.Ending {
        private final Connections connections;
        private final AtomicInteger backendLoad;
        private final ListenerMetrics listenerMetrics;
        private final BackendMetrics backendMetrics;
        /** The connection's traffic, when its listener keeps an access log; null otherwise. */
        private final ClientTraffic accessLog;

        private final String backend;
        private final long startedNanos = System.nanoTime();
        volatile WebSocketRelay relay;
        /** Both channels closed; set on the event loop, possibly while the relay starts. */
        boolean closed;

        RelayedConnection(
                Connections connections,
                AtomicInteger backendLoad,
                ListenerMetrics listenerMetrics,
                BackendMetrics backendMetrics,
                ClientTraffic accessLog,
                String backend) {
            this.connections = connections;
            this.accessLog = accessLog;
            this.backend = backend;
            this.backendLoad = backendLoad;
            this.listenerMetrics = listenerMetrics;
            this.backendMetrics = backendMetrics;
            backendMetrics.webSocketOpened();
        }

        /** The relay's end. */
        @Override
        public void ended(CloseInitiator initiator, int closeCode) {
            closed = true;
            listenerMetrics.webSocketClosed(initiator, closeCode);
            backendMetrics.webSocketClosed();
            if (accessLog != null) {
                WebSocketRelay r = relay;
                listenerMetrics.log(AccessLog.Line.stream(
                        "websocket",
                        accessLog.client(),
                        listenerMetrics.listener(),
                        backend,
                        System.nanoTime() - startedNanos,
                        accessLog.received(),
                        accessLog.sent(),
                        r == null ? 0 : r.framesFromClient(),
                        r == null ? 0 : r.framesFromUpstream(),
                        closeCode,
                        initiator.label()));
            }
            backendLoad.decrementAndGet();
            connections.remove(this);
        }

        @Override
        public void finishAndClose() {
            // A WebSocket stays open until the drain window ends; its backend decides before that.
        }

        @Override
        public void closeNow() {
            relay.goingAway("the load balancer is restarting or scaling in; please reconnect");
        }

        @Override
        public void backendGone() {
            relay.goingAway("the backend of this connection is going away; please reconnect");
        }

        @Override
        public boolean isStreaming() {
            return true;
        }
    }
}
