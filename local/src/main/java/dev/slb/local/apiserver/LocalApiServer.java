package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An API server on loopback that the real kubectl (and the fabric8 client) can use as they use a
 * cluster's: {@link LocalApi} over Netty, with fabric8's CRUD mock as the object store.
 */
public final class LocalApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalApiServer.class);

    /** What {@code /version} reports: the kubectl minor on these machines, so no skew warning. */
    static final Map<String, String> VERSION_INFO = versionInfo();
    /** Bodies larger than this are refused, as a cluster refuses objects over etcd's limit. */
    static final int MAX_BODY_BYTES = 3 * 1024 * 1024 + 512 * 1024;
    /** Unsent watch events a client may have pending before its watch is closed. */
    static final int WATCH_BACKLOG_BYTES = 16 << 20;
    /** How often watches that allow bookmarks get one; a cluster sends them about once a minute. */
    static final Duration BOOKMARK_INTERVAL = Duration.ofSeconds(30);

    private final LocalApi api;
    /** Requests received, by User-Agent: what a client asked, counted at the server (local/bin/measure reads it). */
    private final Map<String, LongAdder> requestsByAgent = new ConcurrentHashMap<>();

    private EventLoopGroup loop;
    private EventExecutorGroup workers;
    private Channel channel;
    private volatile int port;

    public LocalApiServer() {
        this(Clock.systemUTC());
    }

    LocalApiServer(Clock clock) {
        this(clock, WatchHub.HISTORY);
    }

    /** A server whose watches can resume from the last {@code history} changes. */
    LocalApiServer(Clock clock, int history) {
        ObjectMapper mapper = new ObjectMapper();
        Storage storage = new Storage(mapper);
        WatchHub hub = new WatchHub(history);
        storage.listener(hub);
        Discovery discovery = new Discovery(storage, mapper, this::port, VERSION_INFO);
        this.api = new LocalApi(mapper, storage, hub, discovery, clock);
        api.createInitialNamespaces();
    }

    /** Starts on 127.0.0.1, on {@code port} (0 for any free port). */
    public synchronized LocalApiServer start(int listenPort) throws IOException {
        loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new DefaultEventExecutorGroup(4);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                // A watcher more than this behind is cut off (ApiHttpHandler); replies are not affected.
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, WATCH_BACKLOG_BYTES))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("continue", new HttpServerExpectContinueHandler())
                                .addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast("api", new ApiHttpHandler(api, workers, requestsByAgent));
                    }
                });
        try {
            channel = bootstrap
                    .bind(InetAddress.getLoopbackAddress(), listenPort)
                    .sync()
                    .channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while binding", e);
        } catch (Exception e) {
            // Netty rethrows a bind failure (a checked exception) undeclared.
            close();
            throw new IOException("cannot listen on 127.0.0.1:" + listenPort + ": " + e.getMessage(), e);
        }
        port = ((InetSocketAddress) channel.localAddress()).getPort();
        workers.scheduleAtFixedRate(
                api::sendBookmarks, BOOKMARK_INTERVAL.toMillis(), BOOKMARK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("local API server listening on {}", url());
        return this;
    }

    public int port() {
        return port;
    }

    /** HTTP requests received so far from clients whose User-Agent starts with {@code prefix} (watch frames not counted). */
    public long requests(String userAgentPrefix) {
        return requestsByAgent.entrySet().stream()
                .filter(e -> e.getKey().startsWith(userAgentPrefix))
                .mapToLong(e -> e.getValue().sum())
                .sum();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234} (no trailing slash). */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Writes a kubeconfig for this server to {@code file}; returns its absolute path. */
    public Path writeKubeconfig(Path file) throws IOException {
        return KubeconfigWriter.write(file, url(), "default");
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
            channel = null;
        }
        if (loop != null) {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            loop = null;
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workers = null;
        }
    }

    /**
     * Starts the server and writes a kubeconfig. Arguments: {@code [--port N] [--kubeconfig FILE]};
     * defaults are any free port and {@code local/target/kubeconfig} (or {@code target/kubeconfig}
     * when run from inside {@code local/}).
     */
    public static void main(String[] args) throws Exception {
        int port = 0;
        Path kubeconfig = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(requireValue(args, ++i, "--port"));
                case "--kubeconfig" -> kubeconfig = Path.of(requireValue(args, ++i, "--kubeconfig"));
                case "-h", "--help" -> {
                    System.out.println("usage: LocalApiServer [--port N] [--kubeconfig FILE]");
                    return;
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + " (usage: LocalApiServer [--port N] [--kubeconfig FILE])");
            }
        }
        if (kubeconfig == null) {
            Path cwd = Path.of("").toAbsolutePath();
            kubeconfig =
                    cwd.getFileName() != null && cwd.getFileName().toString().equals("local")
                            ? Path.of("target", "kubeconfig")
                            : Path.of("local", "target", "kubeconfig");
        }
        LocalApiServer apiServer = new LocalApiServer().start(port);
        Path written = apiServer.writeKubeconfig(kubeconfig);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            apiServer.close();
                            stopped.countDown();
                        },
                        "slb-local-shutdown"));
        System.out.println("Local API server on " + apiServer.url() + " (plain HTTP, loopback only, no auth).");
        System.out.println("Point kubectl at it:");
        System.out.println("export KUBECONFIG=" + written);
        System.out.println("Ctrl-C stops it.");
        System.out.flush();
        stopped.await();
    }

    private static String requireValue(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static Map<String, String> versionInfo() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", "v1.32.0-slb.local");
        v.put("gitCommit", "0000000000000000000000000000000000000000");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "1970-01-01T00:00:00Z");
        v.put("goVersion", "n/a (Java " + Runtime.version().feature() + ")");
        v.put("compiler", "javac");
        v.put(
                "platform",
                System.getProperty("os.name", "unknown").toLowerCase(java.util.Locale.ROOT) + "/"
                        + System.getProperty("os.arch", "unknown"));
        return Map.copyOf(v);
    }
}
