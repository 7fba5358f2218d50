package dev.slb.local;

import dev.slb.local.apiserver.LocalApiServer;
import dev.slb.local.kube.AddressPool;
import dev.slb.local.pods.Containers;
import dev.slb.local.process.StaleProcesses;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole system on one machine: the embedded API server, the operator (a child process, as
 * it runs in a cluster), local pods for the proxy Deployments it creates, a load-balancer
 * address per proxy Service, and a demo backend (a Deployment of two pods and its Service) and a TLS
 * Secret, so every sample works as it is.
 */
public final class LocalCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);
    public static final int BACKEND_PORT = 8080;

    /**
     * Where things are.
     *
     * @param repository the repository root (for crds/, the proxy launcher and the built jars)
     * @param state a directory this run owns: kubeconfig, logs, pods (emptied on start)
     * @param apiPort the API server's port on 127.0.0.1 (0 for any free one)
     * @param block the second octet of every address this run uses, so that two runs (say,
     *     local/bin/up and the tests) never share one: the demo backend's Service is 127.B.0.2, pods are
     *     127.B.0.10 to .250, load balancers 127.B.1.1, .2, ...
     * @param operatorEnvironment added to the operator's environment (its settings, e.g. a short
     *     drain for tests); local/ sets text logs and a loopback admin port itself
     * @param containers pods run as containers from their images, through podman, rather than as
     *     processes (local/bin/up --containers)
     * @param images with containers: what podman runs for an image a pod names (an image ID, say),
     *     when it is not the image of that name
     */
    public record Options(
            Path repository,
            Path state,
            int apiPort,
            int block,
            Map<String, String> operatorEnvironment,
            boolean containers,
            Map<String, String> images) {
        public Options {
            if (block < 0 || block > 255) {
                throw new IllegalArgumentException("the address block is the second octet of 127.B.x.y, 0..255");
            }
            operatorEnvironment = Map.copyOf(operatorEnvironment);
            images = Map.copyOf(images);
        }

        public Options(Path repository, Path state, int apiPort, int block, Map<String, String> operatorEnvironment) {
            this(repository, state, apiPort, block, operatorEnvironment, false, Map.of());
        }

        public Options(Path repository, Path state, int apiPort, int block) {
            this(repository, state, apiPort, block, Map.of());
        }
    }

    private final Options options;
    static final String STATE_MARKER = ".slb-local-state";

    private final Object lifecycle = new Object();
    private volatile boolean closing;
    private boolean stopped;
    private OperatorProcess operator;
    private LocalApiServer apiServer;
    private KubernetesClient client;
    private EventLoopGroup network;
    private LocalNode node;
    private Path kubeconfig;

    private LocalCluster(Options options) {
        this.options = options;
    }

    /** Starts everything; on failure stops what it started and throws. */
    public static LocalCluster start(Options options) throws IOException, InterruptedException {
        LocalCluster cluster = new LocalCluster(options);
        cluster.boot();
        return cluster;
    }

    /** Starts everything, step by step; {@link #close} from another thread stops it between steps. */
    private void boot() throws IOException, InterruptedException {
        synchronized (lifecycle) {
            try {
                bootSteps();
            } catch (IOException | InterruptedException | RuntimeException e) {
                closing = true; // or the operator's watcher restarts the operator that stopAll stops
                stopAll();
                throw e;
            }
        }
    }

    private void checkNotClosing() throws IOException {
        if (closing) {
            throw new IOException("stopped while starting");
        }
    }

    private void bootSteps() throws IOException, InterruptedException {
        Path repo = options.repository();
        Path proxyJar = repo.resolve("proxy/target/slb-proxy.jar");
        Path operatorJar = repo.resolve("operator/target/slb-operator.jar");
        for (Path jar : List.of(proxyJar, operatorJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IOException(jar + " is missing: build it first (mvn -q -B -DskipTests package)");
            }
        }
        StaleProcesses.stopThoseRecordedIn(options.state());
        claimStateDirectory(options.state());
        checkNotClosing();

        apiServer = new LocalApiServer().start(options.apiPort());
        kubeconfig = apiServer.writeKubeconfig(options.state().resolve("kubeconfig"));
        Config config = new ConfigBuilder()
                .withMasterUrl(apiServer.url())
                .withNamespace("default")
                .withRequestTimeout(20_000)
                .build();
        client = new KubernetesClientBuilder().withConfig(config).build();

        DemoObjects.installCrds(client, repo.resolve("crds"));
        DemoObjects.create(client, options.state(), options.block());
        checkNotClosing();
        network = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        node = new LocalNode(
                client,
                new LocalNode.Settings(
                        options.state().resolve("pods"),
                        List.of(repo.resolve("proxy/bin/slb-proxy").toString()),
                        // The proxy image's files (its launcher, its jar) are the build's.
                        Map.of("/opt/slb-proxy/", repo.resolve("proxy").toString() + "/"),
                        Map.of("KUBECONFIG", kubeconfig.toString(), "SLB_PROXY_JAR", proxyJar.toString()),
                        new AddressPool(options.block(), 0, 10, 250),
                        new AddressPool(options.block(), 1, 1, 254),
                        network,
                        options.containers() ? containers() : null,
                        Clock.systemUTC()));
        node.start();
        checkNotClosing();

        operator = new OperatorProcess(repo, options.state(), kubeconfig, options.operatorEnvironment());
        startOperator();
        DemoObjects.awaitBackend(client, Duration.ofSeconds(90), this::checkNotClosing);
    }

    /** Pods as containers: they read the API server's kubeconfig as their own users, from a mount. */
    private Containers containers() throws IOException {
        Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));
        Map<String, String> podman = new java.util.HashMap<>();
        if (System.getenv("CONTAINERS_CONF") == null) {
            // What deploy/images/build uses: the settings podman needs on machines like these.
            podman.put(
                    "CONTAINERS_CONF",
                    options.repository()
                            .resolve("deploy/images/containers.conf")
                            .toString());
        }
        return new Containers(options.state().toString(), kubeconfig, podman, options.images());
    }

    /**
     * Starts the operator and waits until it is ready; it is restarted if it exits on its own. Tests
     * stop and start it to show what a running instance sees across an operator restart or upgrade.
     */
    public void startOperator() throws IOException, InterruptedException {
        operator.start(this::checkNotClosing);
    }

    /** Stops the operator (SIGTERM, as a Deployment's rollout does); the pods and everything else run on. */
    public void stopOperator() {
        operator.stop();
    }

    /**
     * Empties the state directory for this run, but only one local/ made (it carries a marker) or
     * an empty one: {@code --state} pointed at the wrong place must not delete someone's files.
     */
    private static void claimStateDirectory(Path state) throws IOException {
        Path marker = state.resolve(STATE_MARKER);
        if (Files.isDirectory(state)) {
            boolean empty;
            try (Stream<Path> entries = Files.list(state)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty && !Files.exists(marker)) {
                throw new IOException(state + " is not empty and was not made by local/; give --state an empty or new"
                        + " directory (local/ empties it on every start)");
            }
            deleteTree(state);
        }
        Files.createDirectories(state);
        Files.writeString(marker, "made by slb-operator local/; emptied on every start\n");
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public String apiUrl() {
        return apiServer.url();
    }

    /** The CA that clients trust for the demo's HTTPS and wss listeners. */
    public Path caCertificate() {
        return options.state().resolve("tls").resolve("tls.crt");
    }

    /** Something to check while waiting; it throws to stop the wait. */
    interface Check {
        void check() throws IOException;
    }

    /**
     * Stops everything it started: the operator, the pods (drained), the API server.
     * Safe while {@link #start} is still running (it stops between steps) and more than once.
     */
    @Override
    public void close() {
        closing = true;
        synchronized (lifecycle) {
            stopAll();
        }
    }

    private void stopAll() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (operator != null) {
            operator.stop(); // first, so that it does not react to the teardown
        }
        if (node != null) {
            node.close();
        }
        if (client != null) {
            client.close();
        }
        if (network != null) {
            network.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (apiServer != null) {
            apiServer.close();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Starts the whole system and waits for Ctrl-C. Arguments: {@code [--port N] [--state DIR]
     * [--block B] [--containers]}; the defaults are port 0 (any), {@code local/target/run} and block 0 (addresses
     * 127.0.x.y).
     */
    public static void main(String[] args) throws Exception {
        int port = 0;
        int block = 0;
        boolean containers = false;
        Path repo = Path.of("").toAbsolutePath();
        if (repo.getFileName() != null && repo.getFileName().toString().equals("local")) {
            repo = repo.getParent();
        }
        Path state = repo.resolve("local/target/run");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--state" -> state = Path.of(args[++i]).toAbsolutePath();
                case "--block" -> block = Integer.parseInt(args[++i]);
                case "--containers" -> containers = true;
                default ->
                    throw new IllegalArgumentException("unknown argument " + args[i]
                            + " (usage: LocalCluster [--port N] [--state DIR] [--block B] [--containers])");
            }
        }
        LocalCluster cluster = new LocalCluster(new Options(repo, state, port, block, Map.of(), containers, Map.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        // Before anything starts: Ctrl-C while starting must stop what has started so far.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println(
                                    "\nStopping: the operator, then every pod (each drains), the API server.");
                            cluster.close();
                            System.out.println("Stopped.");
                            stopped.countDown();
                        },
                        "slb-local-shutdown"));
        try {
            cluster.boot();
        } catch (IOException e) {
            if (cluster.closing) {
                return; // stopped while starting; the shutdown hook has stopped what had started
            }
            System.err.println("local/ could not start: " + e.getMessage());
            System.exit(1);
        }
        System.out.println(banner(cluster, repo));
        System.out.flush();
        stopped.await();
    }

    private static String banner(LocalCluster cluster, Path repo) {
        String kubeconfig = repo.relativize(cluster.kubeconfig()).toString();
        String ca = repo.relativize(cluster.caCertificate()).toString();
        String lb = "127." + cluster.options.block() + ".1.1";
        String state = cluster.options.state().startsWith(repo)
                ? repo.relativize(cluster.options.state()).toString()
                : cluster.options.state().toString();
        return """

          slb-operator runs locally: API server %s, the operator, and a demo backend (2 pods).
          In another shell, from the repository root:

            export KUBECONFIG=$PWD/%s
            kubectl apply -f crds/samples/shared.yaml
            kubectl wait --for=condition=Ready slb/demo --timeout=90s
            kubectl get slb demo                  # ADDRESS is the load balancer, e.g. %s
            curl -s http://%s/hello
            curl -s --cacert %s https://%s/hello

          Logs: %s/*.log, each pod's in %s/pods/<ns>/<pod>/proxy.log.
          Ctrl-C stops everything (the proxies drain first).
        """.formatted(cluster.apiUrl(), kubeconfig, lb, lb, ca, lb, state, state);
    }
}
