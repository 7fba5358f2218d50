package dev.slb.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.concurrent.atomic.LongAdder;

/** One backend of one listener: its WebSockets, responses and bytes, kept while the listener has the backend. */
public final class BackendMetrics {
    private final CounterDataPoint webSockets;
    private final LongAdder webSocketsClosed = new LongAdder();
    private final CounterDataPoint[] responses = new CounterDataPoint[Labels.STATUS_CLASSES.length];
    private final CounterDataPoint received;
    private final CounterDataPoint sent;

    BackendMetrics(String listener, String backend, ProxyMetrics families) {
        this.webSockets = families.webSocketsTotal.labelValues(listener, backend);
        for (int i = 0; i < responses.length; i++) {
            responses[i] = families.backendResponses.labelValues(listener, backend, Labels.STATUS_CLASSES[i]);
        }
        this.received = families.backendReceivedBytes.labelValues(listener, backend);
        this.sent = families.backendSentBytes.labelValues(listener, backend);
    }

    /** A WebSocket to this backend was established (the backend answered 101). */
    public void webSocketOpened() {
        webSockets.inc();
    }

    public void webSocketClosed() {
        webSocketsClosed.increment();
    }

    long webSocketsOpen() {
        return (long) webSockets.get() - webSocketsClosed.sum();
    }

    /** The backend answered a request with {@code status}. */
    public void responded(int status) {
        responses[Labels.statusClass(status)].inc();
    }

    /** Bytes read from the backend, as they came off the wire. */
    void received(long bytes) {
        received.inc(bytes);
    }

    /** Bytes written to the backend. */
    void sent(long bytes) {
        sent.inc(bytes);
    }
}
