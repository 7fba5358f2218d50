package dev.slb.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import java.util.concurrent.atomic.LongAdder;

/**
 * One listener's counters and histograms, looked up once per listener name and kept across reloads: every call is one
 * striped add on a data point held here, never a lookup by label values.
 */
public final class ListenerMetrics {
    private static final double NANOS_PER_SECOND = 1e9;

    private final String listener;
    private final ProxyMetrics families;
    private final CounterDataPoint connections;
    private final LongAdder connectionsClosed = new LongAdder();
    private final CounterDataPoint received;
    private final CounterDataPoint sent;
    private final CounterDataPoint[] requests = new CounterDataPoint[Labels.STATUS_CLASSES.length];
    private final DistributionDataPoint requestDuration;
    private final DistributionDataPoint upstreamConnect;
    private final DistributionDataPoint upstreamFirstByte;
    private final CounterDataPoint proxyProtocolRefused;
    /** A UDP listener's series, made at its first flow: other listeners write none. */
    private volatile Udp udp;

    private record Udp(
            CounterDataPoint flows, LongAdder flowsClosed, CounterDataPoint received, CounterDataPoint sent) {}

    ListenerMetrics(String listener, ProxyMetrics families) {
        this.listener = listener;
        this.families = families;
        this.connections = families.connectionsTotal.labelValues(listener);
        this.received = families.receivedBytes.labelValues(listener);
        this.sent = families.sentBytes.labelValues(listener);
        for (int i = 0; i < requests.length; i++) {
            requests[i] = families.requests.labelValues(listener, Labels.STATUS_CLASSES[i]);
        }
        this.requestDuration = families.requestDuration.labelValues(listener);
        this.upstreamConnect = families.upstreamConnect.labelValues(listener);
        this.upstreamFirstByte = families.upstreamFirstByte.labelValues(listener);
        this.proxyProtocolRefused = families.proxyProtocolRefused.labelValues(listener);
    }

    public String listener() {
        return listener;
    }

    /** A client connection was accepted onto this listener (after access control and the replica's limits). */
    public void connectionOpened() {
        connections.inc();
    }

    public void connectionClosed() {
        connectionsClosed.increment();
    }

    long connectionsOpen() {
        return (long) connections.get() - connectionsClosed.sum();
    }

    /** Bytes read from a client, as they came off the wire (TLS records included). */
    public void received(long bytes) {
        received.inc(bytes);
    }

    /** Bytes written to a client. */
    public void sent(long bytes) {
        sent.inc(bytes);
    }

    /** An HTTP response head went to the client with {@code status}, from a backend or from the proxy itself. */
    public void responded(int status) {
        requests[Labels.statusClass(status)].inc();
    }

    /** An HTTP exchange ended, {@code nanos} after its request head was read. */
    public void requestDone(long nanos) {
        requestDuration.observe(nanos / NANOS_PER_SECOND);
    }

    /** A new connection to a backend was established, {@code nanos} after it was begun. */
    public void upstreamConnected(long nanos) {
        upstreamConnect.observe(nanos / NANOS_PER_SECOND);
    }

    /** A backend's response head came, {@code nanos} after the request head was written to it. */
    public void upstreamFirstByte(long nanos) {
        upstreamFirstByte.observe(nanos / NANOS_PER_SECOND);
    }

    /** A WebSocket of this listener ended. Once per connection, so the label lookup here is no per-message cost. */
    public void webSocketClosed(CloseInitiator initiator, int closeCode) {
        families.webSocketCloses
                .labelValues(listener, initiator.label(), Labels.closeCode(closeCode))
                .inc();
    }

    /** Writes an access-log line of this listener (only queued here). */
    public void log(AccessLog.Line line) {
        families.log(line);
    }

    /** A connection was reset because it did not start with a valid PROXY protocol header. */
    public void proxyProtocolRefused() {
        proxyProtocolRefused.inc();
    }

    private Udp udpSeries() {
        Udp u = udp;
        if (u == null) {
            synchronized (this) {
                u = udp;
                if (u == null) {
                    u = new Udp(
                            families.udpFlows.labelValues(listener),
                            new LongAdder(),
                            families.udpDatagrams.labelValues(listener, "received"),
                            families.udpDatagrams.labelValues(listener, "sent"));
                    udp = u;
                }
            }
        }
        return u;
    }

    boolean udp() {
        return udp != null;
    }

    long udpFlowsOpen() {
        Udp u = udp;
        return u == null ? 0 : (long) u.flows().get() - u.flowsClosed().sum();
    }

    /** A UDP flow was opened on this listener. */
    public void udpFlowOpened() {
        udpSeries().flows().inc();
    }

    public void udpFlowClosed() {
        udpSeries().flowsClosed().increment();
    }

    /**
     * A UDP flow was not opened, and its datagram dropped, for {@code reason} (a limit's name, accessControl, noBackend,
     * draining). Rare and bounded: a label lookup here costs nothing that matters.
     */
    public void udpFlowRefused(String reason) {
        families.udpFlowsRefused.labelValues(listener, reason).inc();
    }

    /** A datagram of {@code bytes} came from a client and went on to its flow's backend. */
    public void udpReceived(int bytes) {
        udpSeries().received().inc();
        received.inc(bytes);
    }

    /** A datagram of {@code bytes} came from a backend and went on to its flow's client. */
    public void udpSent(int bytes) {
        udpSeries().sent().inc();
        sent.inc(bytes);
    }

    /** A datagram of an open flow was dropped, for {@code reason}: buffer_full, unreachable, send_failed. */
    public void udpDropped(String reason) {
        families.udpDropped.labelValues(listener, reason).inc();
    }
}
