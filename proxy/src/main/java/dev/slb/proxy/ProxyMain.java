package dev.slb.proxy;

import dev.slb.model.ConfigCodec;
import dev.slb.model.InvalidConfigException;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.config.ConfigSource;
import dev.slb.proxy.config.FileConfigSource;
import dev.slb.proxy.config.KubernetesConfigSource;
import dev.slb.proxy.config.KubernetesSecrets;
import dev.slb.proxy.tls.SecretStore;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy process: {@code java -jar slb-proxy.jar --config FILE}. Serves the config, follows
 * changes to it without a restart, and drains on SIGTERM.
 */
public final class ProxyMain {
    private static final Logger log = LoggerFactory.getLogger(ProxyMain.class);

    /** How long a SIGTERM during start waits for the server before it drains. */
    private static final java.time.Duration START_WAIT = java.time.Duration.ofSeconds(30);

    private ProxyMain() {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("slb-proxy: " + e.getMessage());
            usage();
            System.exit(2);
            return;
        }
        if (options == Options.HELP) {
            usage();
            return;
        }
        if (options.configFile() != null) {
            run(new FileConfigSource(options.configFile()), options.placement(), SecretStore.NONE, () -> {});
            return;
        }
        // One client for the ConfigMap and the TLS Secrets: in a pod the service account, else KUBECONFIG.
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.autoConfigure(null))
                        .withUserAgent("slb-proxy")
                        .build())
                .build();
        KubernetesSecrets secrets = new KubernetesSecrets(client, options.namespace());
        run(
                new KubernetesConfigSource(client, options.namespace(), options.name()),
                options.placement(),
                secrets,
                () -> {
                    secrets.close();
                    client.close();
                });
    }

    private static void usage() {
        System.err.println(
                "usage: slb-proxy --config FILE | --configmap NAMESPACE/NAME [--bind-address IP] [--root DIR]\n"
                        + "  FILE               the proxy config (YAML); it is followed, and a valid change is applied without\n"
                        + "                     a restart; relative certificate paths in it are taken from its folder\n"
                        + "  NAMESPACE/NAME     a ConfigMap whose key " + KubernetesConfigSource.KEY
                        + " holds the proxy config, read\n"
                        + "                     and watched through the Kubernetes API (in a pod with its service account, else\n"
                        + "                     KUBECONFIG); a valid change is applied without a restart. TLS Secrets the\n"
                        + "                     config names (tls.secretName) are read and followed the same way, in NAMESPACE\n"
                        + "  --bind-address IP  listeners and the admin port that the config puts on all addresses (bindAddress\n"
                        + "                     absent, 0.0.0.0 or ::) listen on IP instead, the way a pod's network namespace\n"
                        + "                     makes them listen on the pod IP; an explicit bindAddress is kept. IP is a\n"
                        + "                     literal address such as 127.0.0.2, never a host name\n"
                        + "  --root DIR         absolute file paths in the config (tls.certificateFile, tls.privateKeyFile) are\n"
                        + "                     read under DIR, the way a container sees its mounted volumes:\n"
                        + "                     /etc/slb/tls/x/tls.crt is read from DIR/etc/slb/tls/x/tls.crt\n"
                        + "  --bind-address and --root let pods run as plain processes side by side on one machine (local/ does).");
    }

    static void run(ConfigSource source, Placement placement, SecretStore secrets, Runnable closeClients)
            throws Exception {
        if (placement.bindAddress() != null) {
            log.info(
                    "--bind-address {}: listeners and the admin port that the config puts on all addresses listen on {} only",
                    placement.bindAddress(),
                    placement.bindAddress());
        }
        if (placement.root() != null) {
            log.info("--root {}: absolute file paths in the config are read under it", placement.root());
        }
        ProxyConfig initial;
        try {
            initial = placement.apply(ConfigCodec.parse(source.read()));
        } catch (InvalidConfigException e) {
            System.err.println("slb-proxy: the config in " + source.describe() + " cannot be served:");
            e.problems().forEach(p -> System.err.println("  " + p));
            System.exit(2);
            return;
        }
        // The drain hook is in place before anything listens: /readyz answers 200 as soon as the
        // admin port is up, and a SIGTERM from then on must drain, not end the process outright.
        AtomicReference<ProxyServer> running = new AtomicReference<>();
        AtomicReference<Reloader> reloading = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch startedOrFailed = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            source.close();
                            Reloader reloader = reloading.get();
                            if (reloader != null) {
                                reloader.close();
                            }
                            // Listeners accept before the server is handed over (a SIGTERM can come while
                            // it finishes starting): wait for it, so what it accepted is drained too.
                            try {
                                startedOrFailed.await(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            ProxyServer server = running.get();
                            if (server != null) {
                                server.drainAndStop();
                            }
                            closeClients.run();
                            stopped.countDown();
                        },
                        "slb-drain"));
        ProxyServer server;
        try {
            server = ProxyServer.start(initial, Runtime.getRuntime().availableProcessors(), secrets);
            running.set(server);
        } finally {
            startedOrFailed.countDown();
        }
        Reloader reloader = new Reloader(server, source, placement);
        reloading.set(reloader);
        source.watch(reloader::offer);
        stopped.await();
    }

    /**
     * Applies config texts in the order the source delivers them. A valid config that cannot be
     * applied yet — typically a certificate file the kubelet has not synced into the pod — is tried
     * again every few seconds until it works or a newer config arrives; an invalid one is refused
     * for good, and the last good config keeps serving either way.
     */
    private static final class Reloader implements AutoCloseable {
        private static final long RETRY_SECONDS = 5;

        private final ProxyServer server;
        private final ConfigSource source;
        private final Placement placement;
        private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slb-config-retry");
            t.setDaemon(true);
            return t;
        });
        private String latest;

        Reloader(ProxyServer server, ConfigSource source, Placement placement) {
            this.server = server;
            this.source = source;
            this.placement = placement;
        }

        void offer(String text) {
            synchronized (this) {
                latest = text;
            }
            apply(text, true);
        }

        private void apply(String text, boolean firstTry) {
            synchronized (this) {
                if (!text.equals(latest)) {
                    return; // a newer config arrived meanwhile
                }
                String serving = server.config().version();
                ProxyConfig next;
                try {
                    next = placement.apply(ConfigCodec.parse(text));
                } catch (InvalidConfigException e) {
                    log.error(
                            "config from {} refused; still serving version {}: {}",
                            source.describe(),
                            serving,
                            String.join("; ", e.problems()));
                    return;
                }
                if (next.equals(server.config())) {
                    return;
                }
                try {
                    server.apply(next);
                    log.info("config version {} applied (was {})", next.version(), serving);
                } catch (Exception e) {
                    if (firstTry) {
                        log.error(
                                "config version {} could not be applied; still serving version {}; retrying every {}s: {}",
                                next.version(),
                                serving,
                                RETRY_SECONDS,
                                e.toString());
                    }
                    retries.schedule(() -> apply(text, false), RETRY_SECONDS, TimeUnit.SECONDS);
                }
            }
        }

        @Override
        public void close() {
            retries.shutdownNow();
        }
    }

    /** The command line, checked: where the config comes from and where this process stands. */
    record Options(Path configFile, String namespace, String name, Placement placement) {
        /** What {@code -h} and {@code --help} ask for: the usage, and nothing else. */
        static final Options HELP = new Options(null, null, null, Placement.AS_WRITTEN);

        /** Parses a command line; a message fit for stderr is in the exception when it cannot be served. */
        static Options parse(String... args) {
            Path configFile = null;
            String configMap = null;
            String bindAddress = null;
            Path root = null;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                switch (option) {
                    case "-h", "--help" -> {
                        return HELP;
                    }
                    case "--config" -> configFile = Path.of(value(args, ++i, option, "FILE, the proxy config"));
                    case "--configmap" -> configMap = value(args, ++i, option, "NAMESPACE/NAME");
                    case "--bind-address" -> bindAddress = value(args, ++i, option, "an IP literal such as 127.0.0.2");
                    case "--root" -> root = Path.of(value(args, ++i, option, "a directory"));
                    default -> throw new IllegalArgumentException("unknown argument: " + option);
                }
            }
            if (configFile != null && configMap != null) {
                throw new IllegalArgumentException("give --config or --configmap, not both");
            }
            if (configFile == null && configMap == null) {
                throw new IllegalArgumentException("give --config FILE or --configmap NAMESPACE/NAME");
            }
            if (bindAddress != null && !Placement.isIpLiteral(bindAddress)) {
                throw new IllegalArgumentException("--bind-address needs an IP literal, not '" + bindAddress
                        + "' (such as 127.0.0.2; host names are not looked up)");
            }
            if (root != null && !Files.isDirectory(root)) {
                throw new IllegalArgumentException("--root needs an existing directory that stands for the pod's root"
                        + " filesystem, not '" + root + "'");
            }
            if (configFile != null) {
                // An absolute --config is a path in the pod's filesystem too (a mounted ConfigMap).
                Path file = root != null && configFile.isAbsolute()
                        ? Path.of(new Placement(null, root, null).file(configFile.toString()))
                        : configFile;
                return new Options(
                        file, null, null, new Placement(file.toAbsolutePath().getParent(), root, bindAddress));
            }
            int slash = configMap.indexOf('/');
            if (slash <= 0 || slash == configMap.length() - 1 || configMap.indexOf('/', slash + 1) >= 0) {
                throw new IllegalArgumentException("--configmap takes NAMESPACE/NAME, not '" + configMap + "'");
            }
            // Relative certificate paths have no folder to be taken from: they stay as written.
            return new Options(
                    null,
                    configMap.substring(0, slash),
                    configMap.substring(slash + 1),
                    new Placement(null, root, bindAddress));
        }

        private static String value(String[] args, int i, String option, String what) {
            // "--root --bind-address 127.0.0.2" lost its directory; taking the next option as one would hide that.
            if (i >= args.length || args[i].startsWith("--")) {
                throw new IllegalArgumentException(option + " needs " + what + " after it");
            }
            return args[i];
        }
    }
}
