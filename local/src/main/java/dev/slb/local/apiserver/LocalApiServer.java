package dev.slb.local.apiserver;

import dev.slb.local.apiserver.http.HttpFront;
import dev.slb.local.apiserver.kinds.Kinds;
import dev.slb.local.apiserver.openapi.OpenApi;
import dev.slb.local.apiserver.rest.LocalApi;
import dev.slb.local.apiserver.store.Change;
import dev.slb.local.apiserver.store.GarbageCollector;
import dev.slb.local.apiserver.store.ObjectStore;
import dev.slb.local.apiserver.store.WatchCache;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An API server on loopback that the real kubectl (and the fabric8 client) can use as they use a
 * cluster's: the wiring of its subsystems, the store and its watches ({@code store}), the kinds
 * registry ({@code kinds}), the API's semantics ({@code rest}) and its HTTP front ({@code http}).
 */
public final class LocalApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalApiServer.class);

    /** What {@code /version} reports: the kubectl minor on these machines, so no skew warning. */
    static final Map<String, String> VERSION_INFO = versionInfo();

    private final LocalApi api;
    private HttpFront front;
    /** Requests received, by User-Agent: what a client asked, counted at the server (local/bin/measure reads it). */
    private final Map<String, LongAdder> requestsByAgent = new ConcurrentHashMap<>();

    private volatile int port;

    public LocalApiServer() {
        this(Clock.systemUTC());
    }

    LocalApiServer(Clock clock) {
        this(clock, WatchCache.HISTORY);
    }

    /** A server whose watches can resume from the last {@code history} changes. */
    LocalApiServer(Clock clock, int history) {
        ObjectStore store = new ObjectStore(clock);
        Kinds kinds = new Kinds();
        WatchCache watches = new WatchCache(store, history, WatchCache.HISTORY_BYTES);
        // In this order: the history first, so a change is recorded before the ones it causes.
        store.listen(watches);
        store.listen(change -> {
            if (change.object().kind() == Kinds.CRDS) {
                kinds.crdChanged(change.object().tree(), change.type() == Change.Type.DELETED);
            }
        });
        store.listen(new GarbageCollector(store, kinds));
        this.api = new LocalApi(store, watches, kinds, OpenApi.SHARED, clock, this::port, VERSION_INFO);
        api.createInitialNamespaces();
    }

    /** Starts on 127.0.0.1, on {@code port} (0 for any free port). */
    public synchronized LocalApiServer start(int listenPort) throws IOException {
        front = HttpFront.start(api, listenPort, requestsByAgent);
        port = front.port();
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
        if (front != null) {
            front.close();
            front = null;
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
