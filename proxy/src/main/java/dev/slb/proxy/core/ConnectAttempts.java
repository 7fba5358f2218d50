package dev.slb.proxy.core;

import dev.slb.proxy.routing.BackendSelector;
import io.netty.channel.ConnectTimeoutException;
import java.util.BitSet;

/**
 * The backends one client connection has tried for its current exchange: each once, in scheduler
 * order, and when a connect failed fast (refused or reset, not timed out) those that failed fast
 * once more, since such failures are often transient (a backend's accept queue full, a
 * four-tuple still in TIME_WAIT on its side); HAProxy's retries do the same. A backend that timed
 * out is not waited for again. One per client connection, used on its event loop only.
 */
public final class ConnectAttempts {
    private final BitSet excluded = new BitSet();
    private final BitSet timedOut = new BitSet();
    private boolean failedFast;
    private boolean secondRound;

    /** Starts over, for a new exchange. */
    public void reset() {
        excluded.clear();
        timedOut.clear();
        failedFast = false;
        secondRound = false;
    }

    /** The backend to try next, or -1 when there is none left. */
    public int next(BackendSelector selector) {
        int i = selector.next(excluded);
        if (i < 0 && failedFast && !secondRound) {
            secondRound = true;
            excluded.clear();
            excluded.or(timedOut);
            i = selector.next(excluded);
        }
        return i;
    }

    /** {@code backend} took a connection and closed it unanswered: not tried again for this exchange. */
    public void closedUnanswered(int backend) {
        timedOut.set(backend);
        excluded.set(backend);
    }

    /** A connect to {@code backend} failed with {@code cause}. */
    public void failed(int backend, Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            timedOut.set(backend);
        } else {
            failedFast = true;
        }
        excluded.set(backend);
    }
}
