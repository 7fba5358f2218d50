package dev.slb.local.services;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The external address of one local Service of type LoadBalancer: listens on its ports and spreads
 * new TCP connections round-robin over the ready endpoints, as kube-proxy does in a cluster.
 */
public final class ServiceProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceProxy.class);
    static final Path UNPRIVILEGED_PORT_START = Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start");

    private final EventLoopGroup group;
    private final Predicate<Throwable> fallBackOn;
    private final ConcurrentHashMap<Integer, ServicePortState> ports = new ConcurrentHashMap<>();
    private final ChannelGroup relayed = new DefaultChannelGroup("service-relays", GlobalEventExecutor.INSTANCE);
    private volatile boolean closed;

    /**
     * A proxy on {@code group}, an NIO group the caller owns and shuts down; it falls back to the
     * fallback port only when binding the Service port needs privileges. {@link #listen} and
     * {@link #close} block, so call them from outside the group's event loops.
     */
    public ServiceProxy(EventLoopGroup group) {
        // Not on "address in use": that port is someone else's, and the user has to free it, not move.
        this(group, ServiceProxy::permissionDenied);
    }

    /** Tests decide what makes a bind fall back: as root no port needs privileges. */
    ServiceProxy(EventLoopGroup group, Predicate<Throwable> fallBackOn) {
        this.group = Objects.requireNonNull(group, "group");
        this.fallBackOn = Objects.requireNonNull(fallBackOn, "fallBackOn");
    }

    /**
     * Listens on {@code address:port} for the Service port {@code port}; when that needs privileges
     * this process lacks, on {@code address:fallbackPort} instead (0 picks any free port).
     *
     * @return the port actually served: {@code port}, or the fallback one
     * @throws IOException when neither can be bound, or {@code port} fails for another reason (in use)
     * @throws IllegalStateException when this Service port already listens, or the proxy is closed
     */
    public synchronized int listen(InetAddress address, int port, int fallbackPort) throws IOException {
        Objects.requireNonNull(address, "address");
        checkPort(port, 1, "port");
        checkPort(fallbackPort, 0, "fallbackPort");
        if (closed) {
            throw new IllegalStateException("service proxy is closed");
        }
        ServicePortState state = ports.computeIfAbsent(port, ServicePortState::new);
        if (state.listener() != null) {
            throw new IllegalStateException("service port " + port + " already listens on " + state.name());
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, ServiceRelayHandler.WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (track(ch)) {
                            ch.pipeline().addLast("relay", new ServiceRelayHandler(state, ServiceProxy.this));
                        }
                    }
                });
        String host = address.getHostAddress();
        ChannelFuture bound = bootstrap.bind(address, port).awaitUninterruptibly();
        if (bound.isSuccess()) {
            state.listening(bound.channel(), host + ":" + port);
            LOG.info("service port {}: serving on {}:{}", port, host, port);
            return port;
        }
        Throwable cause = bound.cause();
        if (!fallBackOn.test(cause)) {
            throw new IOException("cannot listen on " + host + ":" + port + ": " + cause.getMessage(), cause);
        }
        ChannelFuture fallback = bootstrap.bind(address, fallbackPort).awaitUninterruptibly();
        if (!fallback.isSuccess()) {
            IOException failure = new IOException(
                    "cannot listen on " + host + ":" + port + " (" + cause.getMessage() + ") nor on the fallback port "
                            + host + ":" + fallbackPort + ": "
                            + fallback.cause().getMessage(),
                    fallback.cause());
            failure.addSuppressed(cause);
            throw failure;
        }
        int served = ((InetSocketAddress) fallback.channel().localAddress()).getPort();
        state.listening(fallback.channel(), host + ":" + served + " (service port " + port + ")");
        LOG.info(
                "service port {}: cannot listen on {}:{} ({}{}); serving on {}:{} instead",
                port,
                host,
                port,
                cause.getMessage(),
                privilegeHint(port),
                host,
                served);
        return served;
    }

    /**
     * Stops listening on one Service port, as a Service that loses a port does; the other ports and
     * every connection already relayed (through this port too) carry on, as established connections
     * do when kube-proxy removes a port's rules.
     *
     * @return whether the port was listening
     */
    public synchronized boolean stopListening(int servicePort) {
        ServicePortState state = ports.remove(servicePort);
        Channel listener = state == null ? null : state.listener();
        if (listener == null) {
            return false;
        }
        listener.close().awaitUninterruptibly();
        LOG.info("{}: no longer listening; connections already relayed carry on", state.name());
        return true;
    }

    /**
     * Replaces the ready endpoints of one Service port; new connections use them from now on, and
     * connections already relayed stay on the endpoint they have. Any thread may call this, at any time.
     */
    public void endpoints(int servicePort, List<InetSocketAddress> ready) {
        checkPort(servicePort, 1, "servicePort");
        Objects.requireNonNull(ready, "ready");
        ports.computeIfAbsent(servicePort, ServicePortState::new).ready(ready);
    }

    /**
     * Whether new connections to this Service port start with a PROXY protocol v2 header naming
     * the client, as a cloud load balancer asked for it does; connections already relayed are as
     * they began. Any thread may call this, at any time.
     */
    public void proxyProtocol(int servicePort, boolean on) {
        checkPort(servicePort, 1, "servicePort");
        ports.computeIfAbsent(servicePort, ServicePortState::new).proxyProtocol(on);
    }

    /** How many connections to this Service port were closed at once because no endpoint was ready. */
    public long refused(int servicePort) {
        ServicePortState state = ports.get(servicePort);
        return state == null ? 0 : state.refused();
    }

    /** Stops listening and closes every connection still relayed, both sides. */
    @Override
    public synchronized void close() {
        closed = true;
        for (ServicePortState state : ports.values()) {
            Channel listener = state.listener();
            if (listener != null) {
                listener.close().awaitUninterruptibly();
            }
        }
        relayed.close().awaitUninterruptibly();
    }

    /** Bytes written by the relays and not yet taken by the kernel: what back-pressure keeps bounded. */
    long queuedBytes() {
        long total = 0;
        for (Channel ch : relayed) {
            ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
            if (buffer != null) {
                total += buffer.totalPendingWriteBytes();
            }
        }
        return total;
    }

    /** Registers a relayed channel so that {@link #close} finds it; false (and closed) when too late. */
    boolean track(Channel ch) {
        relayed.add(ch);
        // Checked after adding: either close() sees the channel in the group or this sees the flag.
        if (closed) {
            ch.close();
            return false;
        }
        return true;
    }

    /** Whether a bind failed because the port needs privileges (EACCES), not because it is taken. */
    static boolean permissionDenied(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            // The JDK maps EACCES to a BindException whose message is strerror's text; nothing finer exists.
            if (t instanceof SocketException && t.getMessage() != null) {
                String message = t.getMessage().toLowerCase(Locale.ROOT);
                if (message.contains("permission denied") || message.contains("access is denied")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The lowest port anyone may bind on Linux; empty where the kernel does not say. */
    static OptionalInt unprivilegedPortStart() {
        // One buffered read: a sysctl file answers a read at a non-zero offset with end of file, so
        // Files.readString (which reads the first byte alone, the file's size being 0) would see "1".
        try (BufferedReader reader = Files.newBufferedReader(UNPRIVILEGED_PORT_START)) {
            String line = reader.readLine();
            return line == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(line.trim()));
        } catch (IOException | NumberFormatException | SecurityException e) {
            return OptionalInt.empty();
        }
    }

    private static String privilegeHint(int port) {
        OptionalInt start = unprivilegedPortStart();
        if (start.isPresent() && port < start.getAsInt()) {
            return "; ports below " + start.getAsInt() + " need privileges, see " + UNPRIVILEGED_PORT_START;
        }
        return "";
    }

    private static void checkPort(int port, int min, String what) {
        if (port < min || port > 65535) {
            throw new IllegalArgumentException(what + " must be between " + min + " and 65535, not " + port);
        }
    }
}
