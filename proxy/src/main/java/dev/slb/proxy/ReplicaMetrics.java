package dev.slb.proxy;

import dev.slb.model.Limits;
import dev.slb.proxy.health.HealthChecker;
import dev.slb.proxy.limits.AccessDenials;
import dev.slb.proxy.limits.ReplicaLimits;
import dev.slb.proxy.metrics.Labels;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The replica-wide series of {@code /metrics} (connections, limits and their refusals, readiness, the runtime in use,
 * each backend's health), read from the state the proxy keeps anyway when Prometheus scrapes, and the writing of the
 * whole registry in the Prometheus text format.
 */
final class ReplicaMetrics {
    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    ReplicaMetrics(
            PrometheusRegistry registry,
            ReplicaLimits limits,
            AccessDenials denials,
            HealthChecker health,
            BooleanSupplier ready,
            String transport,
            String tls) {
        this.registry = registry;
        GaugeWithCallback.builder()
                .name("slb_connections")
                .help("Client connections open now, on every listener, UDP flows included.")
                .callback(cb -> cb.call(limits.open()))
                .register(registry);
        CounterWithCallback.builder()
                .name("slb_connections_accepted_total")
                .help("Client connections admitted.")
                .callback(cb -> cb.call(limits.accepted()))
                .register(registry);
        CounterWithCallback.builder()
                .name("slb_connections_refused_total")
                .help("Client connections reset at once because a limit was reached, by limit.")
                .labelNames("limit")
                .callback(cb -> {
                    for (ReplicaLimits.Refusal r : ReplicaLimits.Refusal.values()) {
                        cb.call(limits.refused(r), r.limit());
                    }
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("slb_connections_denied_total")
                .help("Client connections reset at once because the listener's accessControl does not allow the"
                        + " client's address, by listener.")
                .labelNames("listener")
                .callback(cb -> denials.counts().forEach((listener, count) -> cb.call(count, listener)))
                .register(registry);
        CounterWithCallback.builder()
                .name("slb_requests_refused_total")
                .help("HTTP requests answered 503 because a limit was reached, by limit.")
                .labelNames("limit")
                .callback(cb -> cb.call(limits.rejectedRequests(), "requestsPerSecond"))
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_limit")
                .help("This replica's share of the tier's limits; absent means none.")
                .labelNames("limit")
                .callback(cb -> {
                    Limits l = limits.limits();
                    limit(cb, "maxConnections", l.maxConnections());
                    limit(cb, "newConnectionsPerSecond", l.newConnectionsPerSecond());
                    limit(cb, "requestsPerSecond", l.requestsPerSecond());
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_ready")
                .help("1 while this replica takes new traffic, 0 while draining.")
                .callback(cb -> cb.call(ready.getAsBoolean() ? 1 : 0))
                .register(registry);
        // A pod whose root filesystem is read-only and whose /tmp is missing (or noexec) falls back
        // to NIO and JDK TLS without failing; this series makes that visible to monitoring.
        GaugeWithCallback.builder()
                .name("slb_runtime_info")
                .help("Always 1. transport: epoll (native) or nio; tls: openssl (BoringSSL) or jdk. nio or jdk in a"
                        + " container means Netty found no writable, executable /tmp for its native libraries.")
                .labelNames("transport", "tls")
                .callback(cb -> cb.call(1, transport, tls))
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_backend_healthy")
                .help("1 while new work may go to the backend (its health checks pass and it is not ejected), 0 while"
                        + " not, by listener and backend.")
                .labelNames("listener", "backend")
                .callback(cb -> health.report()
                        .forEach(
                                r -> cb.call(r.healthy() ? 1 : 0, r.listener(), Labels.backend(r.address(), r.port()))))
                .register(registry);
        CounterWithCallback.builder()
                .name("slb_backend_ejections_total")
                .help("Times a backend was ejected for failing connections or answers in a row (passive health), by"
                        + " listener and backend.")
                .labelNames("listener", "backend")
                .callback(cb -> health.report()
                        .forEach(r -> cb.call(r.ejections(), r.listener(), Labels.backend(r.address(), r.port()))))
                .register(registry);
    }

    private static void limit(GaugeWithCallback.Callback cb, String name, Long value) {
        if (value != null) {
            cb.call(value, name);
        }
    }

    /** Every series, in the Prometheus text format (version 0.0.4). */
    String text() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
