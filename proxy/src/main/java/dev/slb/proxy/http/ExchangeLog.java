package dev.slb.proxy.http;

import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.metrics.AccessLog;
import dev.slb.proxy.metrics.ClientTraffic;
import dev.slb.proxy.metrics.Labels;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * One HTTP exchange's access-log line, on a listener with {@code accessLog} on: made when the exchange starts and
 * written when it ends. Exchanges of listeners without it make none.
 */
final class ExchangeLog {
    private final ClientTraffic traffic;

    private ExchangeLog(ClientTraffic traffic) {
        this.traffic = traffic;
    }

    /** The log of an exchange starting now on {@code client}, or null when its listener keeps none. */
    static ExchangeLog start(ListenerRuntime runtime, Channel client) {
        return runtime.config().accessLog() ? new ExchangeLog(ClientTraffic.of(client)) : null;
    }

    /**
     * Queues the line. Bytes are the connection's since its previous exchange ended, as on the wire: this request and
     * its answer (unknown on HTTP/2, whose streams share a connection).
     */
    void end(
            Channel client, ListenerRuntime runtime, int backend, HttpRequest request, int status, long durationNanos) {
        long in = traffic == null ? -1 : traffic.receivedSinceLogged();
        long out = traffic == null ? -1 : traffic.sentSinceLogged();
        if (traffic != null) {
            traffic.markLogged();
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
