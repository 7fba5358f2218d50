package dev.slb.proxy;

import dev.slb.model.BackendHealthReport;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.ReloadReport;
import dev.slb.model.Tls;
import dev.slb.proxy.admin.AdminServer;
import dev.slb.proxy.core.BackendDrains;
import dev.slb.proxy.core.BackendLoad;
import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.core.Transport;
import dev.slb.proxy.health.HealthChecker;
import dev.slb.proxy.http.HttpListenerInitializer;
import dev.slb.proxy.http.UpstreamPools;
import dev.slb.proxy.limits.AccessControlHandler;
import dev.slb.proxy.limits.AccessDenials;
import dev.slb.proxy.limits.AdmissionHandler;
import dev.slb.proxy.limits.ReplicaLimits;
import dev.slb.proxy.metrics.ClientTraffic;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.metrics.ProxyMetrics;
import dev.slb.proxy.proxyprotocol.ProxyProtocolReader;
import dev.slb.proxy.routing.CloseSpread;
import dev.slb.proxy.routing.SourceAffinity;
import dev.slb.proxy.tcp.TcpProxyHandler;
import dev.slb.proxy.tls.CertificateWatcher;
import dev.slb.proxy.tls.ReloadingSslContext;
import dev.slb.proxy.tls.SecretStore;
import dev.slb.proxy.tls.TlsException;
import dev.slb.proxy.tls.TlsProvider;
import dev.slb.proxy.udp.UdpRelay;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: its listeners, admin endpoint and the connections they carry. A new config is
 * applied whole or not at all; listeners whose port stays keep their socket, so accepted and
 * in-flight connections never notice a reload.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    /** A listener taking the PROXY protocol can be reached by anything that does not send it: one line every 10 s. */
    private static final RateLimitedLog proxyProtocolRefusals = new RateLimitedLog(log);

    private final Transport transport;
    /** The TLS provider HTTPS listeners use, as /metrics reports it: openssl, jdk, or none when the forced one is missing. */
    private final String tlsRuntime;

    private final EventLoopGroup workers;
    private EventLoopGroup adminLoop;
    private final UpstreamPools pools;
    private final BackendLoad backendLoad = new BackendLoad();
    private final Connections connections = new Connections();
    private final ReplicaLimits limits;
    private final AdmissionHandler admission;
    private final AccessDenials denials = new AccessDenials();
    private final ProxyMetrics metrics;
    private final ReplicaMetrics replicaMetrics;
    private final ScheduledExecutorService housekeeping;
    private final SecretStore secrets;
    private final HealthChecker healthChecker;
    private final BackendDrains backendDrains;
    /**
     * Bound listeners by transport and port ({@link #key}): a port keeps its socket across reloads while it stays in
     * the config, and a TCP and a UDP listener may have one number.
     */
    private final Map<String, Bound> bound = new HashMap<>();
    /** UDP listeners' sockets kept while the replica drains: their open flows answer through them. */
    private final List<Bound> udpDraining = new ArrayList<>();
    /** Each persistent listener's memory of client picks, by listener name: kept across reloads. */
    private final Map<String, SourceAffinity> affinities = new HashMap<>();

    private final AdminServer admin;
    private volatile ProxyConfig config;
    private volatile boolean draining;
    private volatile boolean stopped;

    /** A listener's socket; {@code udp} is its relay on a UDP listener, null on the others. */
    private record Bound(String bindAddress, Channel channel, AtomicReference<ListenerRuntime> runtime, UdpRelay udp) {
        /** Stops serving: a TCP listener stops accepting (accepted connections carry on); a UDP one ends its flows. */
        void close() {
            if (udp != null) {
                udp.close();
            } else {
                channel.close();
            }
        }
    }

    /** A listener's key in {@link #bound}: its transport and port, as a port is unique per transport. */
    private static String key(Listener l) {
        return l.protocol().transport() + "/" + l.port();
    }

    private ProxyServer(ProxyConfig initial, int workerThreads, SecretStore secrets, OutputStream accessLog)
            throws Exception {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.metrics = new ProxyMetrics(accessLog);
        this.transport = Transport.best();
        this.tlsRuntime = tlsRuntime();
        this.workers = transport.newGroup(workerThreads, "slb-io");
        this.pools = new UpstreamPools(transport);
        this.limits = new ReplicaLimits(initial.limits(), System.nanoTime());
        this.admission = new AdmissionHandler(limits);
        this.healthChecker = new HealthChecker(workers, transport, pools::closeIdle);
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slb-housekeeping");
            t.setDaemon(true);
            return t;
        });
        this.backendDrains = new BackendDrains(connections, housekeeping, () -> config);
        this.replicaMetrics = new ReplicaMetrics(
                metrics.registry(),
                limits,
                denials,
                healthChecker,
                () -> !draining && !stopped,
                transport.name().toLowerCase(Locale.ROOT),
                tlsRuntime);
        try {
            apply(initial);
            InetSocketAddress adminAddress =
                    address(initial.admin().bindAddress(), initial.admin().port());
            // Probes get a thread of their own, so a replica whose loops are saturated still answers
            // /healthz and /readyz rather than being restarted for being busy.
            this.adminLoop = transport.newGroup(1, "slb-admin");
            this.admin = AdminServer.start(adminLoop, transport, adminAddress, new AdminStatus());
        } catch (Exception e) {
            shutdownGroups();
            throw e;
        }
        CertificateWatcher certificates = CertificateWatcher.start(housekeeping, this::tlsContexts);
        // A Secret followed through the API says when it changes: check at once rather than at the next period.
        secrets.onChange(() -> {
            try {
                housekeeping.execute(certificates::checkNow);
            } catch (RejectedExecutionException e) {
                // Stopped meanwhile: nothing is served any more.
            }
        });
        log.info(
                "proxy up: transport {}, TLS {}, {} worker threads, config version {}, admin on {}",
                transport,
                TlsProvider.describeConfigured(),
                workerThreads,
                initial.version(),
                admin.boundAddress());
        if (transport == Transport.NIO && Transport.epollUnavailableReason() != null) {
            log.info("native epoll unavailable ({}); using NIO", Transport.epollUnavailableReason());
        }
    }

    /** Starts serving {@code config} with one worker thread per core. */
    public static ProxyServer start(ProxyConfig config) throws Exception {
        return start(config, Runtime.getRuntime().availableProcessors());
    }

    public static ProxyServer start(ProxyConfig config, int workerThreads) throws Exception {
        return start(config, workerThreads, SecretStore.NONE);
    }

    /** Starts serving {@code config}, reading the TLS Secrets it names (if any) from {@code secrets}. */
    public static ProxyServer start(ProxyConfig config, int workerThreads, SecretStore secrets) throws Exception {
        return start(config, workerThreads, secrets, System.out);
    }

    /** As {@link #start(ProxyConfig, int, SecretStore)}, writing the access log to {@code accessLog}. */
    public static ProxyServer start(ProxyConfig config, int workerThreads, SecretStore secrets, OutputStream accessLog)
            throws Exception {
        return new ProxyServer(config, workerThreads, secrets, accessLog);
    }

    public ProxyConfig config() {
        return config;
    }

    /** Where a listener is accepting, for tests and logs. */
    public InetSocketAddress listenerAddress(String name) {
        synchronized (bound) {
            for (Bound b : bound.values()) {
                if (b.runtime().get().name().equals(name)) {
                    return (InetSocketAddress) b.channel().localAddress();
                }
            }
        }
        throw new IllegalArgumentException("no listener named " + name);
    }

    public InetSocketAddress adminAddress() {
        return admin.boundAddress();
    }

    public Connections connections() {
        return connections;
    }

    /** Every checked backend as this replica's health checks see it now. */
    public List<HealthChecker.Report> backendHealth() {
        return healthChecker.report();
    }

    /** This replica's limits and what they refused. */
    public ReplicaLimits limits() {
        return limits;
    }

    /**
     * Applies a validated config: new ports are bound first, and if one cannot be, or a
     * certificate cannot be loaded, nothing changes and the exception says why.
     */
    public void apply(ProxyConfig next) throws Exception {
        long start = System.nanoTime();
        synchronized (bound) {
            try {
                applyLocked(next, start);
            } catch (Exception | Error e) {
                metrics.reloadRefused();
                if (config != null) {
                    // Listeners and backends of the refused config may have made series: back to the one served.
                    metrics.retain(metricLabels(config));
                }
                throw e;
            }
        }
    }

    private void applyLocked(ProxyConfig next, long start) throws Exception {
        if (draining) {
            throw new IllegalStateException("the proxy is draining; config version " + next.version() + " ignored");
        }
        ProxyConfig previous = config;
        if (previous != null && !Objects.equals(previous.admin(), next.admin())) {
            log.warn(
                    "the admin endpoint changed ({} -> {}); that takes a restart, the old one stays",
                    previous.admin(),
                    next.admin());
        }
        HealthChecker.Plan health = healthChecker.plan(next);
        Map<String, ListenerRuntime> runtimes = new HashMap<>();
        for (Listener l : next.listeners()) {
            runtimes.put(
                    key(l),
                    new ListenerRuntime(
                            next.instance(),
                            next.instanceAddress(),
                            l,
                            backendLoad,
                            tlsFor(l),
                            b -> health.health(l, b),
                            l.persistence() == null
                                    ? null
                                    : affinities.computeIfAbsent(l.name(), n -> new SourceAffinity()),
                            metrics));
        }
        Map<String, Bound> fresh = new HashMap<>();
        try {
            for (Listener l : next.listeners()) {
                Bound old = bound.get(key(l));
                if (old == null) {
                    fresh.put(
                            key(l),
                            l.protocol() == Protocol.UDP
                                    ? bindUdp(l, runtimes.get(key(l)))
                                    : bind(l, runtimes.get(key(l))));
                } else if (!Objects.equals(old.bindAddress(), l.bindAddress())) {
                    // Rebinding means closing the live socket first; should the new bind then
                    // fail, the port would be dead while the old config claims to serve it.
                    throw new IllegalArgumentException("listener " + l.name() + ": moving port " + l.port()
                            + " from bind address " + old.bindAddress() + " to " + l.bindAddress()
                            + " takes a restart");
                }
            }
        } catch (Exception e) {
            fresh.values().forEach(Bound::close);
            throw e;
        }
        List<String> gone = new ArrayList<>();
        for (Map.Entry<String, Bound> e : bound.entrySet()) {
            ListenerRuntime runtime = runtimes.get(e.getKey());
            if (runtime == null) {
                gone.add(e.getKey());
            } else if (!fresh.containsKey(e.getKey())) {
                e.getValue().runtime().set(runtime);
            }
        }
        for (String port : gone) {
            Bound b = bound.remove(port);
            // Closing the server socket stops new connections; accepted ones carry on. A UDP flow has no socket of
            // its own to the client: its listener's goes, and so do its flows.
            b.close();
            log.info(
                    b.udp() == null
                            ? "listener {} on {} removed; its open connections carry on"
                            : "listener {} on {} removed, and its UDP flows with it",
                    b.runtime().get().name(),
                    port);
        }
        bound.putAll(fresh);
        health.commit();
        affinities
                .keySet()
                .retainAll(next.listeners().stream()
                        .filter(l -> l.persistence() != null)
                        .map(Listener::name)
                        .collect(Collectors.toSet()));
        limits.apply(next.limits(), System.nanoTime());
        config = next;
        int leaving = backendDrains.reloaded(previous, next);
        metrics.retain(metricLabels(next));
        metrics.reloaded(next.version(), Duration.ofNanos(System.nanoTime() - start), connections.size(), leaving);
        secrets.retainOnly(next.listeners().stream()
                .filter(l -> l.tls() != null)
                .flatMap(l -> l.tls().secretNames().stream())
                .collect(Collectors.toSet()));
    }

    /** Each listener's name and its backends' labels, default group and backend groups alike. */
    private static Map<String, Set<String>> metricLabels(ProxyConfig c) {
        Map<String, Set<String>> labels = new HashMap<>();
        for (Listener l : c.listeners()) {
            labels.put(
                    l.name(),
                    l.allBackends().stream()
                            .map(b -> Labels.backend(b.address(), b.port()))
                            .collect(Collectors.toSet()));
        }
        return labels;
    }

    private ReloadingSslContext tlsFor(Listener l) throws TlsException {
        if (l.protocol() != Protocol.HTTPS) {
            return null;
        }
        Bound existing = bound.get(key(l));
        ReloadingSslContext current =
                existing == null ? null : existing.runtime().get().tls();
        Tls currentTls =
                existing == null ? null : existing.runtime().get().config().tls();
        if (current != null && l.tls().equals(currentTls) && current.http2() == l.http2Enabled()) {
            return current;
        }
        // A new context for new handshakes; open connections keep the protocol they negotiated.
        return ReloadingSslContext.load(l.tls(), TlsProvider.configured(), secrets, l.http2Enabled());
    }

    private Bound bind(Listener l, ListenerRuntime runtime) throws Exception {
        AtomicReference<ListenerRuntime> ref = new AtomicReference<>(runtime);
        ChannelInitializer<Channel> http = new HttpListenerInitializer(ref::get, pools, connections, limits);
        ProxyProtocolReader.Continuation afterHeader = new ProxyProtocolReader.Continuation() {
            @Override
            public boolean accepted(Channel ch, InetSocketAddress client) {
                ListenerRuntime current = ref.get();
                // The header names the real client: access control applies to it, not to the outer load balancer.
                ClientTraffic traffic = (ClientTraffic) ch.pipeline().get(ClientTraffic.NAME);
                if (traffic != null) {
                    traffic.client(client);
                }
                if (!current.accessRules().allows(client.getAddress())) {
                    AccessControlHandler.denied(current, client, denials);
                    return false;
                }
                serve(ch, current, http);
                return true;
            }

            @Override
            public void refused(Channel ch, String why) {
                ref.get().metrics().proxyProtocolRefused();
                String name = ref.get().name();
                proxyProtocolRefusals.info(
                        "proxy protocol " + name,
                        () -> "listener " + name + ": reset a connection from " + ch.remoteAddress() + ": " + why
                                + ". The listener has proxyProtocol on, so whatever connects to it must send a PROXY"
                                + " protocol header (v1 or v2) first; turn it off if nothing in front sends one");
            }
        };
        ChannelInitializer<Channel> child = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ListenerRuntime current = ref.get();
                ch.pipeline().addFirst(ClientTraffic.NAME, new ClientTraffic(current.metrics()));
                if (current.config().proxyProtocol()) {
                    ProxyProtocolReader.install(ch.pipeline(), current.config().requestHeaderTimeout(), afterHeader);
                } else {
                    serve(ch, current, http);
                }
            }
        };
        Channel channel = new ServerBootstrap()
                // Accepting on an I/O loop, not a thread of its own: on a one-core replica (the pod
                // size the operator deploys) a new connection is then registered without waking
                // another thread; with more loops, Netty hands connections to them in turn.
                .group(workers, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel server) {
                        // Access control first: a denied client must not use up the replica's connection limits.
                        server.pipeline().addLast(new AccessControlHandler(ref::get, denials), admission);
                    }
                })
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Transport.WATER_MARK)
                .childHandler(child)
                .bind(address(l.bindAddress(), l.port()))
                .sync()
                .channel();
        log.info("listener {} ({}) accepting on {}", l.name(), l.protocol(), channel.localAddress());
        return new Bound(l.bindAddress(), channel, ref, null);
    }

    /** Binds a UDP listener's socket, whose relay keeps a flow per client (address and port). */
    private Bound bindUdp(Listener l, ListenerRuntime runtime) throws Exception {
        AtomicReference<ListenerRuntime> ref = new AtomicReference<>(runtime);
        UdpRelay relay = new UdpRelay(ref::get, transport, connections, limits, denials);
        Channel channel = new Bootstrap()
                .group(workers)
                .channel(transport.datagramChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Transport.MAX_DATAGRAM_BYTES))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Transport.WATER_MARK)
                .handler(relay)
                .bind(address(l.bindAddress(), l.port()))
                .sync()
                .channel();
        log.info("listener {} (UDP) receiving on {}", l.name(), channel.localAddress());
        return new Bound(l.bindAddress(), channel, ref, relay);
    }

    /** Adds what serves a connection of {@code current}'s protocol, once it is known who the client is. */
    private void serve(Channel ch, ListenerRuntime current, ChannelInitializer<Channel> http) {
        if (current.config().protocol() == Protocol.TCP) {
            ch.pipeline().addLast("tcp-proxy", new TcpProxyHandler(current, transport, connections));
        } else {
            ch.pipeline().addLast(http);
        }
    }

    private List<ReloadingSslContext> tlsContexts() {
        List<ReloadingSslContext> contexts = new ArrayList<>();
        synchronized (bound) {
            bound.values().forEach(b -> {
                ReloadingSslContext tls = b.runtime().get().tls();
                if (tls != null) {
                    contexts.add(tls);
                }
            });
        }
        return contexts;
    }

    /**
     * Drains and stops, the way SIGTERM asks: not ready (still accepting) for the grace period,
     * then no new connections, in-flight requests finish, the WebSocket and TCP connections left
     * close over the last third of the drain window (WebSocket with close code 1001), each at its own
     * moment, and at the end of the window whatever is left is closed.
     */
    public void drainAndStop() {
        ProxyConfig current = config;
        Duration grace = current.drain().readinessGracePeriod();
        Duration window = current.drain().timeout();
        synchronized (bound) {
            if (draining) {
                return;
            }
            draining = true;
        }
        connections.startGracePeriod();
        log.info("draining: /readyz reports not ready; still accepting for {}", grace);
        sleep(grace);
        synchronized (bound) {
            for (Bound b : bound.values()) {
                if (b.udp() != null) {
                    // No new flows; the socket stays for the open ones, which answer through it.
                    b.udp().refuseNewFlows();
                    udpDraining.add(b);
                } else {
                    b.channel().close().syncUninterruptibly();
                }
            }
            bound.clear();
        }
        connections.startDrain();
        log.info("draining: stopped accepting; waiting up to {} for {} connections", window, connections.size());
        long start = System.nanoTime();
        long spreadAt = start + CloseSpread.start(window).toNanos();
        long deadline = start + window.toNanos();
        while (connections.size() > 0 && System.nanoTime() < spreadAt) {
            sleep(Duration.ofMillis(50));
        }
        List<Connections.Drainable> streams = connections.streaming();
        if (!streams.isEmpty()) {
            // Each at its own point of the window's last third: clients reconnect a few at a time.
            log.info(
                    "draining: closing {} WebSocket/TCP connections over the last third of the window", streams.size());
            for (Connections.Drainable stream : streams) {
                Duration at =
                        CloseSpread.offset(window, ThreadLocalRandom.current().nextDouble());
                try {
                    housekeeping.schedule(stream::closeNow, at.toNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    stream.closeNow();
                }
            }
        }
        while (connections.size() > 0 && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(50));
        }
        if (connections.size() > 0) {
            log.info("drain window over: closing {} connections (WebSocket with 1001)", connections.size());
            connections.closeAll();
            long closeDeadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (connections.size() > 0 && System.nanoTime() < closeDeadline) {
                sleep(Duration.ofMillis(20));
            }
        }
        close();
        log.info("drained and stopped");
    }

    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        synchronized (bound) {
            bound.values().forEach(Bound::close);
            bound.clear();
            udpDraining.forEach(Bound::close);
            udpDraining.clear();
        }
        housekeeping.shutdownNow();
        healthChecker.close();
        if (admin != null) {
            admin.close();
        }
        pools.closeIdle();
        shutdownGroups();
        metrics.close();
    }

    private void shutdownGroups() {
        if (adminLoop != null) {
            adminLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static String tlsRuntime() {
        try {
            return TlsProvider.configured().name().toLowerCase(Locale.ROOT);
        } catch (TlsException e) {
            return "none";
        }
    }

    private static InetSocketAddress address(String host, int port) {
        return host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the admin endpoint reports. */
    private final class AdminStatus implements AdminServer.Status {
        @Override
        public boolean live() {
            return !stopped;
        }

        @Override
        public boolean ready() {
            return !draining && !stopped;
        }

        @Override
        public String configVersion() {
            return config.version();
        }

        @Override
        public BackendHealthReport backends() {
            return new BackendHealthReport(healthChecker.report().stream()
                    .map(r -> new BackendHealthReport.Entry(
                            r.listener(), r.address(), r.port(), r.healthy(), r.healthy() ? null : r.lastFailure()))
                    .toList());
        }

        @Override
        public String reloadsJson() {
            return new ReloadReport(true, metrics.reloads()).write();
        }

        @Override
        public String configJson() {
            ProxyConfig c = config;
            StringBuilder sb = new StringBuilder(256);
            sb.append("{\"version\":")
                    .append(Json.quote(c.version()))
                    .append(",\"instance\":")
                    .append(c.instance() == null ? "null" : Json.quote(c.instance()))
                    .append(",\"ready\":")
                    .append(ready())
                    .append(",\"connections\":")
                    .append(connections.size())
                    .append(",\"limits\":")
                    .append(Json.limits(c.limits()))
                    .append(",\"listeners\":[");
            for (int i = 0; i < c.listeners().size(); i++) {
                Listener l = c.listeners().get(i);
                sb.append(i == 0 ? "" : ",")
                        .append("{\"name\":")
                        .append(Json.quote(l.name()))
                        .append(",\"protocol\":\"")
                        .append(l.protocol())
                        .append('"')
                        .append(",\"port\":")
                        .append(l.port())
                        .append(",\"websocket\":")
                        .append(
                                l.protocol().isHttp()
                                        ? (l.websocketEnabled() ? "\"Enabled\"" : "\"Disabled\"")
                                        : "null")
                        .append(",\"backends\":")
                        .append(l.backends().size())
                        .append('}');
            }
            return sb.append("]}").toString();
        }

        @Override
        public String metrics() {
            return replicaMetrics.text();
        }
    }
}
