package dev.slb.proxy.metrics;

import dev.slb.model.ReloadReport.Reload;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy's per-listener and per-backend metrics and its reload record, in a Prometheus registry. Labels are the
 * listener's name and the backend's {@code address:port} only (never a client or a path), and a listener or backend
 * that leaves the config has its series deleted at the reload ({@link #retain}), so a long-lived replica does not
 * gather dead series. Histograms are per listener only.
 */
public final class ProxyMetrics {
    private static final double[] REQUEST_SECONDS = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60};
    private static final double[] CONNECT_SECONDS = {.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5};
    private static final double[] RELOAD_SECONDS = {.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, ListenerMetrics> listeners = new ConcurrentHashMap<>();
    private final Map<List<String>, BackendMetrics> backends = new ConcurrentHashMap<>();

    final Counter connectionsTotal = counter(
            "slb_listener_connections_total",
            "Client connections accepted onto each listener (after access control and the replica's limits).",
            "listener");
    final Counter receivedBytes = counter(
            "slb_received_bytes_total", "Bytes read from clients, TLS records included, by listener.", "listener");
    final Counter sentBytes =
            counter("slb_sent_bytes_total", "Bytes written to clients, TLS records included, by listener.", "listener");
    final Counter requests = counter(
            "slb_requests_total",
            "HTTP responses sent to clients by listener and status class (2xx..5xx; 1xx is a WebSocket's 101), whether"
                    + " a backend or the proxy answered (a 502 or 503 of the proxy's own counts here).",
            "listener",
            "code_class");
    final Counter backendResponses = counter(
            "slb_backend_responses_total",
            "HTTP responses backends sent, by listener, backend and status class.",
            "listener",
            "backend",
            "code_class");
    final Counter backendReceivedBytes = counter(
            "slb_backend_received_bytes_total",
            "Bytes read from backends, by listener and backend: HTTP responses, WebSocket frames and TCP streams as on"
                    + " the wire (health checks not included).",
            "listener",
            "backend");
    final Counter backendSentBytes = counter(
            "slb_backend_sent_bytes_total",
            "Bytes written to backends, by listener and backend: HTTP requests, WebSocket frames and TCP streams as"
                    + " on the wire (a PROXY protocol header included; health checks not).",
            "listener",
            "backend");
    final Counter webSocketsTotal = counter(
            "slb_websockets_total",
            "WebSocket connections established, by listener and backend.",
            "listener",
            "backend");
    final Counter webSocketCloses = counter(
            "slb_websocket_closes_total",
            "WebSocket connections ended, by listener, initiator (client, backend, idle_timeout, drain, limit) and"
                    + " close code (1000..1015, 3xxx, 4xxx; none when the connection ended without a close frame).",
            "listener",
            "initiator",
            "code_class");
    final Counter proxyProtocolRefused = counter(
            "slb_proxy_protocol_refused_total",
            "Connections reset because they did not begin with a valid PROXY protocol header, on listeners with"
                    + " proxyProtocol on, by listener.",
            "listener");
    final Counter udpFlows = counter(
            "slb_udp_flows_total",
            "UDP flows (a client address and port, pinned to one backend) opened on each listener. A flow counts"
                    + " against the replica's maxConnections while open, in slb_connections too.",
            "listener");
    final Counter udpFlowsRefused = counter(
            "slb_udp_flows_refused_total",
            "UDP flows not opened, their datagrams dropped, by listener and reason: maxConnections or"
                    + " newConnectionsPerSecond (the replica's limits, also in slb_connections_refused_total),"
                    + " accessControl, noBackend, draining.",
            "listener",
            "reason");
    final Counter udpDatagrams = counter(
            "slb_udp_datagrams_total",
            "Datagrams relayed on UDP listeners, by listener and direction: received (from clients, sent on to"
                    + " backends) or sent (from backends, to clients). Their bytes are in slb_received_bytes_total and"
                    + " slb_sent_bytes_total.",
            "listener",
            "direction");
    final Counter udpDropped = counter(
            "slb_udp_datagrams_dropped_total",
            "Datagrams of open UDP flows dropped, by listener and reason: buffer_full (the socket's send buffer and"
                    + " the flow's bounded queue were full), unreachable (the backend's host answered with an ICMP"
                    + " error; the flow ends), send_failed.",
            "listener",
            "reason");
    final Histogram requestDuration = histogram(
            "slb_request_duration_seconds",
            "HTTP exchanges from the request head read to the response's last byte written, by listener.",
            REQUEST_SECONDS,
            "listener");
    final Histogram upstreamConnect = histogram(
            "slb_upstream_connect_duration_seconds",
            "How long new connections to backends took to establish, by listener.",
            CONNECT_SECONDS,
            "listener");
    final Histogram upstreamFirstByte = histogram(
            "slb_upstream_first_byte_seconds",
            "From the request head written to a backend to its response head, by listener.",
            REQUEST_SECONDS,
            "listener");
    private final Counter reloads = counter(
            "slb_config_reloads_total",
            "Config versions this replica was given: applied, or refused (the one before keeps serving).",
            "outcome");
    private final CounterDataPoint reloadsApplied = reloads.labelValues("applied");
    private final CounterDataPoint reloadsRefused = reloads.labelValues("refused");
    private final Histogram reloadDuration = histogram(
            "slb_config_reload_duration_seconds",
            "How long applying a config version took (ports bound, certificates loaded, state swapped).",
            RELOAD_SECONDS);

    private final CounterDataPoint accessLogDropped = counter(
                    "slb_access_log_dropped_total",
                    "Access-log lines dropped because standard output fell a queue's length behind (traffic is never"
                            + " held for the log).")
            .labelValues();
    private final AccessLog accessLog;

    /** How many applied versions {@link #reloads()} remembers. */
    static final int RELOADS_KEPT = 16;

    /**
     * What applying each config version did ({@link Reload}: the admin port's contract with the operator). A reload
     * closes none at once: closed is always 0, said so a reader need not infer it.
     */
    private final ArrayDeque<Reload> applied = new ArrayDeque<>(RELOADS_KEPT);

    private volatile String version;
    private volatile long kept;
    private volatile long draining;

    /** Metrics whose access log goes to standard output. */
    public ProxyMetrics() {
        this(System.out);
    }

    /** Metrics whose access log goes to {@code accessLogOut}. */
    public ProxyMetrics(OutputStream accessLogOut) {
        this.accessLog = new AccessLog(accessLogOut, accessLogDropped::inc);
        GaugeWithCallback.builder()
                .name("slb_listener_connections_open")
                .help("Client connections open now, by listener (a removed listener's connections that carry on are"
                        + " no longer counted here, but still in slb_connections).")
                .labelNames("listener")
                .callback(cb -> listeners.forEach((name, l) -> cb.call(l.connectionsOpen(), name)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_udp_flows_open")
                .help("UDP flows open now, by listener.")
                .labelNames("listener")
                .callback(cb -> listeners.forEach((name, l) -> {
                    if (l.udp()) {
                        cb.call(l.udpFlowsOpen(), name);
                    }
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_websockets_open")
                .help("WebSocket connections open now, by listener and backend.")
                .labelNames("listener", "backend")
                .callback(cb -> backends.forEach((key, b) -> cb.call(b.webSocketsOpen(), key.get(0), key.get(1))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_config_info")
                .help("Always 1, labelled with the config version this replica serves.")
                .labelNames("version")
                .callback(cb -> {
                    String v = version;
                    if (v != null) {
                        cb.call(1, v);
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_config_reload_connections")
                .help("At the last reload, the connections open then, by what the reload did to them: kept, or"
                        + " draining (WebSocket and TCP connections on a backend that left, closed within its"
                        + " listener's connectionDrain). A reload closes none at once.")
                .labelNames("state")
                .callback(cb -> {
                    cb.call(kept, "kept");
                    cb.call(draining, "draining");
                })
                .register(registry);
    }

    /** The registry the admin endpoint writes; the replica's own gauges (limits, readiness) are added to it too. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** The listener's metrics; the same object for as long as a listener of that name stays in the config. */
    public ListenerMetrics listener(String name) {
        return listeners.computeIfAbsent(name, n -> new ListenerMetrics(n, this));
    }

    /** The metrics of a backend ({@link Labels#backend}) of a listener, the same object while the listener has it. */
    public BackendMetrics backend(String listener, String backend) {
        return backends.computeIfAbsent(List.of(listener, backend), k -> new BackendMetrics(listener, backend, this));
    }

    /**
     * Deletes the series of the listeners and backends a reload removed. {@code kept} maps each listener that stays
     * to its backends' labels. A connection of a removed listener still open counts on, unseen: its totals went with
     * the series.
     */
    public void retain(Map<String, Set<String>> kept) {
        listeners.keySet().retainAll(kept.keySet());
        backends.keySet()
                .removeIf(
                        k -> !kept.containsKey(k.get(0)) || !kept.get(k.get(0)).contains(k.get(1)));
        for (StatefulMetric<?, ?> byListener : List.of(
                connectionsTotal,
                receivedBytes,
                sentBytes,
                requests,
                webSocketCloses,
                proxyProtocolRefused,
                udpFlows,
                udpFlowsRefused,
                udpDatagrams,
                udpDropped,
                requestDuration,
                upstreamConnect,
                upstreamFirstByte)) {
            byListener.removeIf(labels -> !kept.containsKey(labels.get(0)));
        }
        for (StatefulMetric<?, ?> byBackend :
                List.of(webSocketsTotal, backendResponses, backendReceivedBytes, backendSentBytes)) {
            byBackend.removeIf(labels ->
                    !kept.containsKey(labels.get(0)) || !kept.get(labels.get(0)).contains(labels.get(1)));
        }
    }

    /** A config version was applied in {@code took}; {@code open} connections were open, {@code draining} of them closing. */
    public void reloaded(String version, Duration took, long open, long draining) {
        this.version = Objects.requireNonNull(version, "version");
        this.kept = Math.max(0, open - draining);
        this.draining = draining;
        reloadsApplied.inc();
        reloadDuration.labelValues().observe(took.toNanos() / 1e9);
        synchronized (applied) {
            if (applied.size() == RELOADS_KEPT) {
                applied.removeFirst();
            }
            applied.addLast(new Reload(version, Instant.now(), took, this.kept, draining, 0));
        }
    }

    /** The last applied versions' reloads, oldest first. */
    public List<Reload> reloads() {
        synchronized (applied) {
            return List.copyOf(applied);
        }
    }

    /** Writes an access-log line (from an event loop: it only queues). */
    public void log(AccessLog.Line line) {
        accessLog.log(line);
    }

    /** Writes the access-log lines still queued and stops its writer. */
    public void close() {
        accessLog.close();
    }

    /** A config version could not be applied; the one before keeps serving. */
    public void reloadRefused() {
        reloadsRefused.inc();
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder()
                .name(name)
                .help(help)
                .labelNames(labels)
                .withoutExemplars()
                .register(registry);
    }

    private Histogram histogram(String name, String help, double[] buckets, String... labels) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .unit(Unit.SECONDS)
                .labelNames(labels)
                .classicOnly()
                .classicUpperBounds(buckets)
                .withoutExemplars()
                .register(registry);
    }
}
