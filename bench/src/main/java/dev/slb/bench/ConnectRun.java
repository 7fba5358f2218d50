package dev.slb.bench;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The connect scenario: C workers, each repeating a whole connection's life (TCP connect, upgrade,
 * one echo, close handshake, TCP close); an operation is one such cycle, timed from connect to close.
 * On loopback the client sockets spread over many source addresses, so the rate is not bounded by
 * one address's ephemeral ports.
 */
final class ConnectRun extends TimedRun {
    /** After a failed cycle a worker pauses, so a refusing server is not hammered in a tight loop. */
    private static final long RETRY_PAUSE_MILLIS = 10;

    ConnectRun(LoadSpec spec, EventLoop loop, ClientFrames frames) throws SSLException {
        super(spec, loop, frames, true);
    }

    @Override
    void start() {
        startWarmup();
        for (int i = 0; i < spec.connections(); i++) {
            open();
        }
    }

    @Override
    public void opened(WsConnection c) {
        c.sendEcho();
    }

    @Override
    public void echoed(WsConnection c, long rttNanos) {
        c.sendClose();
    }

    @Override
    void connectionEnded(WsConnection c) {
        if (c.failure() == null) {
            completed(System.nanoTime() - c.startedAt);
        }
        if (!stopping) {
            if (c.failure() == null) {
                open();
            } else {
                loop.schedule(this::nextCycle, RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        finishIfIdle();
    }

    private void nextCycle() {
        if (!stopping) {
            open();
        }
    }

    @Override
    void windowClosed() {
        // Cycles under way run to their end; no worker starts another.
    }
}
