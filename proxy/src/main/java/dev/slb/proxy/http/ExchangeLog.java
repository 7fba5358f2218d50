package dev.slb.proxy.http;

import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.metrics.AccessLog;
import dev.slb.proxy.metrics.ClientTraffic;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.metrics.StreamTraffic;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * One HTTP exchange's access-log line, on a listener with {@code accessLog} on: made when the exchange starts and
 * written when it ends. Exchanges of listeners without it make none.
 */
final class ExchangeLog {
    private final ClientTraffic traffic;
    /** The exchange's HTTP/2 stream's own bytes, or null on HTTP/1.x. */
    private final StreamTraffic stream;

    private ExchangeLog(ClientTraffic traffic, StreamTraffic stream) {
        this.traffic = traffic;
        this.stream = stream;
    }

    /** The log of an exchange starting now on {@code client}, or null when its listener keeps none. */
    static ExchangeLog start(ListenerRuntime runtime, Channel client) {
        return runtime.config().accessLog()
                ? new ExchangeLog(ClientTraffic.of(client), StreamTraffic.of(client))
                : null;
    }

    /**
     * Queues the line. On HTTP/1.x, bytes are the connection's since its previous exchange ended, as on the wire: this
     * request and its answer. On HTTP/2, whose streams share a connection, they are the stream's own ({@link
     * StreamTraffic}).
     */
    void end(
            Channel client, ListenerRuntime runtime, int backend, HttpRequest request, int status, long durationNanos) {
        long in;
        long out;
        if (stream != null) {
            in = stream.received();
            out = stream.sent();
        } else {
            in = traffic == null ? -1 : traffic.receivedSinceLogged();
            out = traffic == null ? -1 : traffic.sentSinceLogged();
            if (traffic != null) {
                traffic.markLogged();
            }
        }
        runtime.metrics()
                .log(AccessLog.Line.http(
                        traffic == null ? String.valueOf(client.remoteAddress()) : traffic.client(),
                        runtime.name(),
                        backend < 0 ? null : Labels.backend(runtime.address(backend)),
                        durationNanos,
                        in,
                        out,
                        request == null ? null : request.method().name(),
                        request == null ? null : request.uri(),
                        status));
    }
}
