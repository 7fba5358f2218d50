package dev.slb.proxy;

import dev.slb.model.ConfigCodec;
import dev.slb.model.InvalidConfigException;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import dev.slb.proxy.config.ConfigSource;
import dev.slb.proxy.config.FileConfigSource;
import dev.slb.proxy.config.KubernetesConfigSource;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy process: {@code java -jar slb-proxy.jar --config FILE}. Serves the config, follows
 * changes to it without a restart, and drains on SIGTERM.
 */
public final class ProxyMain {
    private static final Logger log = LoggerFactory.getLogger(ProxyMain.class);

    private ProxyMain() {}

    public static void main(String[] args) throws Exception {
        Path configFile = null;
        String configMap = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configFile = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--configmap" -> configMap = i + 1 < args.length ? args[++i] : null;
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    usage();
                    System.exit(2);
                }
            }
        }
        if ((configFile == null) == (configMap == null)) {
            if (configFile != null) {
                System.err.println("give --config or --configmap, not both");
            }
            usage();
            System.exit(2);
        }
        if (configMap != null) {
            int slash = configMap.indexOf('/');
            if (slash <= 0 || slash == configMap.length() - 1 || configMap.indexOf('/', slash + 1) >= 0) {
                System.err.println("--configmap takes NAMESPACE/NAME, not '" + configMap + "'");
                usage();
                System.exit(2);
            }
            // Relative certificate paths have no folder to be taken from: they stay as written.
            run(new KubernetesConfigSource(configMap.substring(0, slash), configMap.substring(slash + 1)), null);
            return;
        }
        Path base = configFile.toAbsolutePath().getParent();
        run(new FileConfigSource(configFile), base);
    }

    /** Certificate and key paths that are relative are taken from the config file's folder. */
    static ProxyConfig resolvePaths(ProxyConfig config, Path base) {
        if (base == null) {
            return config;
        }
        return config.withListeners(config.listeners().stream()
                .map(l -> l.tls() == null ? l : l.withTls(new Tls(
                        base.resolve(l.tls().certificateFile()).toString(),
                        base.resolve(l.tls().privateKeyFile()).toString(),
                        l.tls().policy())))
                .toList());
    }

    private static void usage() {
        System.err.println("usage: slb-proxy --config FILE | --configmap NAMESPACE/NAME\n"
                + "  FILE            the proxy config (YAML); it is followed, and a valid change is applied without a restart\n"
                + "  NAMESPACE/NAME  a ConfigMap whose key " + KubernetesConfigSource.KEY + " holds the proxy config, read\n"
                + "                  and watched through the Kubernetes API (in a pod with its service account, else\n"
                + "                  KUBECONFIG); a valid change is applied without a restart");
    }

    static void run(ConfigSource source, Path base) throws Exception {
        ProxyConfig initial;
        try {
            initial = resolvePaths(ConfigCodec.parse(source.read()), base);
        } catch (InvalidConfigException e) {
            System.err.println("slb-proxy: the config in " + source.describe() + " cannot be served:");
            e.problems().forEach(p -> System.err.println("  " + p));
            System.exit(2);
            return;
        }
        ProxyServer server = ProxyServer.start(initial);
        CountDownLatch stopped = new CountDownLatch(1);
        Reloader reloader = new Reloader(server, source, base);
        source.watch(reloader::offer);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            source.close();
            reloader.close();
            server.drainAndStop();
            stopped.countDown();
        }, "slb-drain"));
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
        private final Path base;
        private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slb-config-retry");
            t.setDaemon(true);
            return t;
        });
        private String latest;

        Reloader(ProxyServer server, ConfigSource source, Path base) {
            this.server = server;
            this.source = source;
            this.base = base;
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
                    next = resolvePaths(ConfigCodec.parse(text), base);
                } catch (InvalidConfigException e) {
                    log.error("config from {} refused; still serving version {}: {}", source.describe(), serving,
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
                        log.error("config version {} could not be applied; still serving version {}; retrying every {}s: {}",
                                next.version(), serving, RETRY_SECONDS, e.toString());
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
}
