package dev.slb.bench;

import io.netty.channel.EventLoop;
import javax.net.ssl.SSLException;

/**
 * The echo scenario: C long-lived connections, each sending its next message as soon as the echo
 * of the last one is back. The warm-up starts once every connection has opened (or failed).
 */
final class EchoRun extends TimedRun {
    private int settled;

    EchoRun(LoadSpec spec, EventLoop loop, ClientFrames frames) throws SSLException {
        super(spec, loop, frames, false);
    }

    @Override
    void start() {
        for (int i = 0; i < spec.connections(); i++) {
            open();
        }
    }

    @Override
    public void opened(WsConnection c) {
        c.sendEcho();
        oneSettled();
    }

    @Override
    public void echoed(WsConnection c, long rttNanos) {
        completed(rttNanos);
        if (stopping) {
            c.sendClose();
        } else {
            c.sendEcho();
        }
    }

    @Override
    void connectionEnded(WsConnection c) {
        if (!c.everOpen()) {
            oneSettled();
        }
        finishIfIdle();
    }

    @Override
    void windowClosed() {
        // Connections waiting for an echo close when it comes back (see echoed).
        closeIdleConnections();
    }

    private void oneSettled() {
        if (++settled == spec.connections()) {
            startWarmup();
        }
    }
}
