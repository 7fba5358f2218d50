package dev.slb.proxy.http;

/** What a pooled upstream connection reports to the client exchange that holds it. Called on its event loop. */
interface UpstreamExchange {
    void upstreamRead(Object msg);

    void upstreamWritabilityChanged(boolean writable);

    void upstreamClosed();
}
