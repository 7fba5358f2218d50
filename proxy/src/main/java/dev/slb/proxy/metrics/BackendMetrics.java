package dev.slb.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.concurrent.atomic.LongAdder;

/** One backend of one listener: its WebSockets and responses, kept while the listener has the backend. */
public final class BackendMetrics {
    private final CounterDataPoint webSockets;
    private final LongAdder webSocketsClosed = new LongAdder();
    private final CounterDataPoint[] responses = new CounterDataPoint[Labels.STATUS_CLASSES.length];

    BackendMetrics(String listener, String backend, ProxyMetrics families) {
        this.webSockets = families.webSocketsTotal.labelValues(listener, backend);
        for (int i = 0; i < responses.length; i++) {
            responses[i] = families.backendResponses.labelValues(listener, backend, Labels.STATUS_CLASSES[i]);
        }
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
}
