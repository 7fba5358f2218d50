package dev.slb.bench;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The idle scenario: memory of the watched processes before any connection and after N open,
 * quiet ones. Connections open at most {@link #IN_FLIGHT} at a time, each proven with one echo;
 * opening stops at a deadline or after too many failures, so a server that cannot take N
 * connections gives a short count, not a hang.
 */
final class IdleRun extends LoadRun {
    /** Upgrades in flight at once. */
    static final int IN_FLIGHT = 200;
    /** File descriptors this JVM needs besides its sockets (jars, epoll, pipes). */
    static final int FD_MARGIN = 100;
    /** Opening gives up after this many failures: the server is refusing, and more tries tell nothing new. */
    static final int MAX_OPEN_FAILURES = 100;

    private final long openDeadlineNanos;
    private Long rssBefore;
    private int launched;
    private int inFlight;
    private int open;
    private boolean launching;
    private boolean openingOver;
    private boolean settling;

    IdleRun(LoadSpec spec, EventLoop loop, ClientFrames frames) throws SSLException {
        super(spec, loop, frames, true);
        // Room for slow handshakes: a second per 200 connections on top of the per-connection timeout.
        openDeadlineNanos = WsConnection.OPEN_TIMEOUT_NANOS
                + WsConnection.REPLY_TIMEOUT_NANOS
                + TimeUnit.SECONDS.toNanos(Math.max(30, spec.connections() / IN_FLIGHT));
    }

    @Override
    void check() {
        // HotSpot raises its soft limit to the hard one as it starts (-XX:+MaxFDLimit, on by default
        // on Linux), so this is the hard limit unless that flag was turned off.
        long limit = ProcStats.openFilesLimit();
        if (limit > 0 && spec.connections() + FD_MARGIN > limit) {
            throw new IllegalArgumentException(
                    "cannot open " + spec.connections() + " connections: this process may have "
                            + limit + " open files (ulimit -n), and needs one per connection plus about " + FD_MARGIN
                            + ". Raise ulimit -n (within the hard limit, ulimit -Hn) or ask for fewer connections.");
        }
    }

    @Override
    void start() {
        rssBefore = rssKib();
        loop.schedule(this::openingDeadline, openDeadlineNanos, TimeUnit.NANOSECONDS);
        launch();
    }

    private void launch() {
        if (launching) {
            return; // a connection that failed at once, inside the loop below: the loop goes on
        }
        launching = true;
        try {
            while (!openingOver && inFlight < IN_FLIGHT && launched < spec.connections()) {
                launched++;
                inFlight++;
                open();
            }
        } finally {
            launching = false;
        }
        settleIfOpened();
    }

    @Override
    public void opened(WsConnection c) {
        c.sendEcho();
    }

    @Override
    public void echoed(WsConnection c, long rttNanos) {
        c.counted = true;
        open++;
        inFlight--;
        launch();
    }

    @Override
    void connectionEnded(WsConnection c) {
        if (c.counted) {
            open--;
        } else {
            inFlight--;
            if (errors >= MAX_OPEN_FAILURES && !openingOver) {
                openingOver = true;
                System.err.println("load client: " + errors + " connections failed; opening no more ("
                        + (launched - inFlight) + " of " + spec.connections() + " tried)");
            }
        }
        if (!settling) {
            launch();
        }
    }

    private void openingDeadline() {
        if (settling) {
            return;
        }
        openingOver = true;
        System.err.println("load client: " + open + " of " + spec.connections() + " connections open after "
                + TimeUnit.NANOSECONDS.toSeconds(openDeadlineNanos) + " s; opening no more");
        for (WsConnection c : live().toArray(new WsConnection[0])) {
            if (!c.counted) {
                c.fail("not open before the opening deadline");
            }
        }
    }

    private void settleIfOpened() {
        if (settling || inFlight > 0 || !(openingOver || launched == spec.connections())) {
            return;
        }
        settling = true;
        if (open < spec.connections()) {
            System.err.println("load client: only " + open + " of " + spec.connections() + " connections opened");
        }
        loop.schedule(this::settled, spec.settle().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void settled() {
        result.complete(new LoadResult.Idle(spec.connections(), open, errors, rssBefore, rssKib()));
    }

    @Override
    long timeLimitNanos() {
        return openDeadlineNanos
                + WsConnection.REPLY_TIMEOUT_NANOS
                + spec.settle().toNanos()
                + TimeUnit.SECONDS.toNanos(10);
    }
}
