package dev.slb.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * A load run: its connections all live on one event loop, where every piece of its state is read
 * and written, so nothing is locked. Subclasses decide what a connection does when it opens,
 * echoes and ends; this class opens connections, times out stuck ones and counts failures.
 */
abstract class LoadRun implements WsConnection.Events {
    private static final long WATCHDOG_MILLIS = 100;
    /** How long closing may take after the result is known, before the rest is cut. */
    static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final int ERRORS_SHOWN = 10;
    /** Client sockets on loopback take source addresses 127.0.0.2 to 127.0.0.250 in turn. */
    private static final int SOURCES = 249;

    final LoadSpec spec;
    final EventLoop loop;
    final ClientFrames frames;
    private final Handshake handshake = new Handshake();
    private final SslContext tls;
    private final Bootstrap bootstrap;
    private final InetSocketAddress[] sources;
    private int nextSource;

    private final List<WsConnection> live = new ArrayList<>();
    long errors;
    private boolean closingAll;
    private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
    final CompletableFuture<LoadResult> result = new CompletableFuture<>();

    LoadRun(LoadSpec spec, EventLoop loop, ClientFrames frames, boolean spreadSources) throws SSLException {
        this.spec = spec;
        this.loop = loop;
        this.frames = frames;
        this.tls = spec.target().clientTls();
        this.sources = spreadSources && spec.target().loopbackV4() ? loopbackSources() : null;
        bootstrap = new Bootstrap()
                .group(loop)
                .channel(Io.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        TimeUnit.NANOSECONDS.toMillis(WsConnection.OPEN_TIMEOUT_NANOS));
        if (sources != null && Io.EPOLL) {
            // The port is picked at connect, per destination, not at bind: 28k ports per source address
            // would otherwise cap the connections per address across all destinations.
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
    }

    /** Runs {@code spec} to its end: hands the result to {@code report} as soon as it is known, closes everything, returns it. */
    static LoadResult execute(LoadSpec spec, Consumer<LoadResult> report)
            throws IOException, InterruptedException, TimeoutException {
        ProcStats.cpuMillis(spec.cpuPids()); // a wrong pid fails here, before anything is opened
        ProcStats.rssKib(spec.memPids());
        EventLoopGroup group = Io.singleThreadGroup("load-client");
        try (ClientFrames frames = new ClientFrames(spec.size(), 0x5eedL)) {
            EventLoop loop = group.next();
            LoadRun run = switch (spec.scenario()) {
                case ECHO -> new EchoRun(spec, loop, frames);
                case CONNECT -> new ConnectRun(spec, loop, frames);
                case IDLE -> new IdleRun(spec, loop, frames);
            };
            run.check();
            loop.execute(run::startSafely);
            LoadResult r;
            try {
                r = run.result.get(run.timeLimitNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("load run failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new TimeoutException(
                        "the run did not end within " + TimeUnit.NANOSECONDS.toSeconds(run.timeLimitNanos())
                                + " s (every step has a timeout, so this is a bug in the load client)");
            }
            report.accept(r);
            loop.execute(run::closeAll);
            try {
                run.allClosed.get(CLOSE_GRACE_NANOS + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                System.err.println("load client: connections still open at exit: " + e);
            }
            return r;
        } finally {
            Io.shutdown(group);
        }
    }

    /** Refuses a run that cannot work, before it starts; on the caller's thread. */
    void check() {}

    /** On the loop: opens the first connections and schedules what comes after. */
    abstract void start();

    /** The longest the run may take up to its result, with every timeout hit; the caller waits this long. */
    abstract long timeLimitNanos();

    private void startSafely() {
        try {
            loop.scheduleAtFixedRate(this::watchdog, WATCHDOG_MILLIS, WATCHDOG_MILLIS, TimeUnit.MILLISECONDS);
            start();
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    // ---- connections -----------------------------------------------------------------------------

    /** Starts one connection; its end is always reported through {@link #ended}. */
    WsConnection open() {
        WsConnection c = new WsConnection(this, spec.target(), frames, handshake, tls, System.nanoTime());
        c.slot = live.size();
        live.add(c);
        ChannelFuture connect;
        try {
            InetSocketAddress source = sources == null ? null : sources[nextSource++ % sources.length];
            connect = bootstrap.clone().handler(c).connect(spec.target().address(), source);
        } catch (RuntimeException e) {
            c.fail("connect: " + WsConnection.describe(e));
            return c;
        }
        c.attach(connect);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                // A channel that could not even be created has its future on another executor.
                String why = "connect: " + WsConnection.describe(f.cause());
                if (loop.inEventLoop()) {
                    c.fail(why);
                } else {
                    loop.execute(() -> c.fail(why));
                }
            }
        });
        return c;
    }

    @Override
    public void ended(WsConnection c) {
        int at = c.slot;
        WsConnection last = live.remove(live.size() - 1);
        if (last != c) {
            live.set(at, last);
            last.slot = at;
        }
        c.slot = -1;
        if (c.failure() != null && !closingAll) {
            error(c.failure());
        }
        connectionEnded(c);
        if (closingAll && live.isEmpty()) {
            allClosed.complete(null);
        }
    }

    /** What the scenario does when a connection is gone (it is already out of {@link #live()}). */
    abstract void connectionEnded(WsConnection c);

    List<WsConnection> live() {
        return live;
    }

    void error(String why) {
        errors++;
        if (errors <= ERRORS_SHOWN) {
            System.err.println("load client: error: " + why);
        } else if (errors == ERRORS_SHOWN + 1) {
            System.err.println("load client: more errors; only the first " + ERRORS_SHOWN + " are shown");
        }
    }

    private void watchdog() {
        long now = System.nanoTime();
        List<WsConnection> overdue = null;
        for (WsConnection c : live) {
            if (c.overdue(now)) {
                if (overdue == null) {
                    overdue = new ArrayList<>();
                }
                overdue.add(c);
            }
        }
        if (overdue != null) {
            for (WsConnection c : overdue) {
                c.fail(c.overdueStep());
            }
        }
    }

    /** Closes every connection still open (close handshake first), then cuts what is left after the grace time. */
    void closeAll() {
        closingAll = true;
        if (live.isEmpty()) {
            allClosed.complete(null);
            return;
        }
        closeIdleConnections();
        loop.schedule(() -> cutAll("not closed within the grace time"), CLOSE_GRACE_NANOS, TimeUnit.NANOSECONDS);
    }

    /** Starts the close handshake on every open connection that awaits nothing; busy ones close when done. */
    void closeIdleConnections() {
        // A copy: a write that fails at once ends its connection, which leaves the live list.
        for (WsConnection c : new ArrayList<>(live)) {
            if (c.isOpen() && !c.awaitingEcho()) {
                c.sendClose();
            }
        }
    }

    /** Fails every live connection now. */
    void cutAll(String why) {
        for (WsConnection c : new ArrayList<>(live)) {
            c.fail(why);
        }
    }

    /** The watched processes' CPU time in ms, or null when there are none or one cannot be read. */
    Long cpuMillis() {
        if (spec.cpuPids().isEmpty()) {
            return null;
        }
        try {
            return ProcStats.cpuMillis(spec.cpuPids());
        } catch (IOException | RuntimeException e) {
            System.err.println("load client: cannot read CPU time of " + spec.cpuPids() + ": " + e);
            return null;
        }
    }

    /** The watched processes' summed VmRSS in KiB, or null when there are none or one cannot be read. */
    Long rssKib() {
        if (spec.memPids().isEmpty()) {
            return null;
        }
        try {
            return ProcStats.rssKib(spec.memPids());
        } catch (IOException | RuntimeException e) {
            System.err.println("load client: cannot read memory of " + spec.memPids() + ": " + e);
            return null;
        }
    }

    private static InetSocketAddress[] loopbackSources() {
        InetSocketAddress[] sources = new InetSocketAddress[SOURCES];
        for (int i = 0; i < SOURCES; i++) {
            try {
                sources[i] = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)}), 0);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("four bytes are always an address", e);
            }
        }
        return sources;
    }
}
