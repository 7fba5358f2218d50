package dev.slb.operator.app;

import dev.slb.model.Durations;
import dev.slb.operator.desired.OperatorSettings;
import dev.slb.operator.reconciler.HttpProxyVersions;
import dev.slb.operator.reconciler.LoadBalancerReconciler;
import dev.slb.operator.reconciler.OperatorMetrics;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.health.EventSourceHealthIndicator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the operator: a client from KUBECONFIG or the in-cluster config, the LoadBalancer
 * reconciler, leader election when running in a pod, and the health and metrics endpoints.
 *
 * <p>Environment (every one optional): {@code SLB_PROXY_IMAGE}; {@code SLB_SERVER_SIDE_APPLY}
 * (default false, the path the tests cover); {@code SLB_ADMIN_ADDRESS} (default all addresses, so
 * probes reach the pod IP) and {@code SLB_ADMIN_PORT} (default 8080); {@code SLB_RESYNC_INTERVAL}
 * (default 5m: every LoadBalancer is reconciled at least this often, which repairs an edited
 * status); {@code SLB_RECONCILE_THREADS} (default 8); {@code SLB_PROXY_READINESS_GRACE_PERIOD}
 * and {@code SLB_PROXY_DRAIN_TIMEOUT} (defaults 5s and 30s: how a stopping proxy drains);
 * {@code POD_NAMESPACE} (turns leader election on, lease {@value #LEASE_NAME} in that
 * namespace); {@code SLB_LOG_FORMAT} (json, the default, or text; read by logback.xml).
 */
public final class OperatorMain {
    public static final String LEASE_NAME = "slb-operator";
    /** The User-Agent of every request the operator makes. */
    public static final String USER_AGENT = "slb-operator";
    /** The name of the client interceptor that counts API errors for {@code slb_operator_api_errors_total}. */
    public static final String API_ERRORS = "slb-api-errors";
    /** Reconciles run concurrently on this many threads; each reads caches and writes only what changed. */
    static final int DEFAULT_RECONCILE_THREADS = 8;

    static final Duration DEFAULT_RESYNC = Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

    private OperatorMain() {}

    /** The settings read from the environment, checked. */
    record Options(
            boolean serverSideApply,
            OperatorSettings settings,
            InetSocketAddress admin,
            Duration resync,
            int reconcileThreads,
            Optional<LeaderElectionConfiguration> leaderElection) {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = options(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("slb-operator: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Named, so that the API server's audit log and request counts tell the operator's requests apart.
        OperatorMetrics metrics = new OperatorMetrics();
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.autoConfigure(null))
                        .withUserAgent(USER_AGENT)
                        .build())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(API_ERRORS, metrics.apiErrors()))
                .build();
        AtomicBoolean started = new AtomicBoolean();
        Operator operator = operator(
                client,
                options.serverSideApply(),
                options.leaderElection(),
                options.reconcileThreads(),
                metrics.josdk());
        AdminServer admin = AdminServer.start(options.admin(), metrics, new AdminServer.Health() {
            @Override
            public boolean started() {
                return started.get();
            }

            @Override
            public List<String> unhealthy() {
                return unhealthyEventSources(operator);
            }
        });
        HttpProxyVersions versions = new HttpProxyVersions();
        operator.register(
                new LoadBalancerReconciler(options.settings(), versions, Clock.systemUTC(), metrics),
                o -> o.withReconciliationMaxInterval(options.resync()));
        Runtime.getRuntime().addShutdownHook(new Thread(admin::close, "admin-server-stop"));
        operator.installShutdownHook(Duration.ofSeconds(30));
        operator.start();
        started.set(true);
        LOG.info(
                "slb-operator started: proxy image {}, server-side apply {}, admin on {}:{}, resync every {},"
                        + " {} reconcile threads",
                options.settings().proxyImage(),
                options.serverSideApply(),
                options.admin().getHostString(),
                admin.port(),
                Durations.format(options.resync()),
                options.reconcileThreads());
    }

    /** Every event source that is not healthy, as {@code controller/source: status}. */
    public static List<String> unhealthyEventSources(Operator operator) {
        List<String> unhealthy = new ArrayList<>();
        for (Map.Entry<String, Map<String, EventSourceHealthIndicator>> controller :
                operator.getRuntimeInfo().unhealthyEventSources().entrySet()) {
            controller
                    .getValue()
                    .forEach((source, indicator) ->
                            unhealthy.add(controller.getKey() + "/" + source + ": " + indicator.getStatus()));
        }
        return unhealthy;
    }

    /** The Operator on this client, with JOSDK's default number of reconcile threads' worth of ours. */
    public static Operator operator(
            KubernetesClient client, boolean ssa, Optional<LeaderElectionConfiguration> leaderElection) {
        return operator(client, ssa, leaderElection, DEFAULT_RECONCILE_THREADS);
    }

    /**
     * The Operator on this client. {@code ssa} switches both the primary's status patches and the
     * dependents' create/update matching to server-side apply; off, JOSDK uses JSON patches and
     * plain updates, which the fabric8 mock supports (it has no server-side apply). Reconciles run
     * on {@code threads} threads, and the dependents of one reconcile on as many: JOSDK's default
     * (200 each) is sized for reconcilers that block, and ours never wait on anything but a write.
     */
    public static Operator operator(
            KubernetesClient client, boolean ssa, Optional<LeaderElectionConfiguration> leaderElection, int threads) {
        return operator(client, ssa, leaderElection, threads, Metrics.NOOP);
    }

    /** As above, with JOSDK reporting its reconciles to {@code metrics} ({@link OperatorMetrics#josdk()}). */
    public static Operator operator(
            KubernetesClient client,
            boolean ssa,
            Optional<LeaderElectionConfiguration> leaderElection,
            int threads,
            Metrics metrics) {
        return new Operator(o -> {
            o.withKubernetesClient(client)
                    .withMetrics(metrics)
                    .withUseSSAToPatchPrimaryResource(ssa)
                    .withSSABasedCreateUpdateMatchForDependentResources(ssa)
                    .withConcurrentReconciliationThreads(threads)
                    .withConcurrentWorkflowExecutorThreads(threads)
                    .withCloseClientOnStop(false);
            leaderElection.ifPresent(o::withLeaderElectionConfiguration);
        });
    }

    /** Reads and checks the environment; a message fit for stderr is in the exception when a value is wrong. */
    static Options options(Map<String, String> env) {
        OperatorSettings settings = settings(env);
        String address = env.getOrDefault("SLB_ADMIN_ADDRESS", "");
        int port = integer(env, "SLB_ADMIN_PORT", 8080, 0, 65535);
        InetSocketAddress admin;
        try {
            admin = address.isBlank()
                    ? new InetSocketAddress(port)
                    : new InetSocketAddress(InetAddress.getByName(address), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("SLB_ADMIN_ADDRESS '" + address + "' is not an address", e);
        }
        Duration resync = duration(env, "SLB_RESYNC_INTERVAL", DEFAULT_RESYNC);
        if (resync.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException(
                    "SLB_RESYNC_INTERVAL " + Durations.format(resync) + " is too short: at least 10s (default 5m)");
        }
        return new Options(
                Boolean.parseBoolean(env.getOrDefault("SLB_SERVER_SIDE_APPLY", "false")),
                settings,
                admin,
                resync,
                integer(env, "SLB_RECONCILE_THREADS", DEFAULT_RECONCILE_THREADS, 1, 64),
                leaderElection(env));
    }

    static OperatorSettings settings(Map<String, String> env) {
        OperatorSettings settings = OperatorSettings.defaults();
        String image = env.get("SLB_PROXY_IMAGE");
        if (image != null && !image.isBlank()) {
            settings = settings.withProxyImage(image);
        }
        Duration grace = duration(env, "SLB_PROXY_READINESS_GRACE_PERIOD", settings.readinessGracePeriod());
        Duration drain = duration(env, "SLB_PROXY_DRAIN_TIMEOUT", settings.drainTimeout());
        return settings.withDrain(grace, drain);
    }

    /** On when POD_NAMESPACE is set (in a pod): lease {@value #LEASE_NAME} in the operator's namespace. */
    static Optional<LeaderElectionConfiguration> leaderElection(Map<String, String> env) {
        String namespace = env.get("POD_NAMESPACE");
        return namespace == null || namespace.isBlank()
                ? Optional.empty()
                : Optional.of(new LeaderElectionConfiguration(LEASE_NAME, namespace));
    }

    private static Duration duration(Map<String, String> env, String name, Duration fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        Duration d;
        try {
            d = Durations.parse(value.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    name + " '" + value + "' is not a duration: write it as 500ms, 30s, 5m or 1h", e);
        }
        if (d.isNegative() || d.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException(name + " " + value + " is out of range (0s to 24h)");
        }
        return d;
    }

    private static int integer(Map<String, String> env, String name, int fallback, int min, int max) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + value + "' is not a number from " + min + " to " + max);
        }
    }
}
