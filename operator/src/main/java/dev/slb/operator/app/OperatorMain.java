package dev.slb.operator.app;

import dev.slb.operator.desired.OperatorSettings;
import dev.slb.operator.reconciler.HttpProxyVersions;
import dev.slb.operator.reconciler.LoadBalancerReconciler;
import dev.slb.operator.reconciler.OperatorMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the operator: a client from KUBECONFIG or the in-cluster config, the LoadBalancer
 * reconciler, leader election when running in a pod, and the health and metrics endpoints.
 *
 * <p>Environment: {@code SLB_SERVER_SIDE_APPLY} (default false, the path the tests cover),
 * {@code SLB_PROXY_IMAGE}, {@code POD_NAMESPACE} (turns leader election on, lease
 * {@value #LEASE_NAME} in that namespace), {@code SLB_ADMIN_PORT} (default 8080).
 */
public final class OperatorMain {
    public static final String LEASE_NAME = "slb-operator";
    private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

    private OperatorMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        boolean ssa = Boolean.parseBoolean(env.getOrDefault("SLB_SERVER_SIDE_APPLY", "false"));
        OperatorSettings settings = settings(env);
        int adminPort = Integer.parseInt(env.getOrDefault("SLB_ADMIN_PORT", "8080"));

        KubernetesClient client = new KubernetesClientBuilder().build();
        OperatorMetrics metrics = new OperatorMetrics();
        AtomicBoolean started = new AtomicBoolean();
        AdminServer admin = AdminServer.start(new InetSocketAddress(adminPort), metrics, started::get);

        Operator operator = operator(client, ssa, leaderElection(env));
        operator.register(
                new LoadBalancerReconciler(settings, new HttpProxyVersions(client), Clock.systemUTC(), metrics));
        Runtime.getRuntime().addShutdownHook(new Thread(admin::close, "admin-server-stop"));
        operator.installShutdownHook(Duration.ofSeconds(30));
        operator.start();
        started.set(true);
        LOG.info(
                "slb-operator started: proxy image {}, server-side apply {}, admin port {}",
                settings.proxyImage(),
                ssa,
                admin.port());
    }

    /**
     * The Operator on this client. {@code ssa} switches both the primary's status patches and the
     * dependents' create/update matching to server-side apply; off, JOSDK uses JSON patches and
     * plain updates, which the fabric8 mock supports (it has no server-side apply).
     */
    public static Operator operator(
            KubernetesClient client, boolean ssa, Optional<LeaderElectionConfiguration> leaderElection) {
        return new Operator(o -> {
            o.withKubernetesClient(client)
                    .withUseSSAToPatchPrimaryResource(ssa)
                    .withSSABasedCreateUpdateMatchForDependentResources(ssa)
                    .withCloseClientOnStop(false);
            leaderElection.ifPresent(o::withLeaderElectionConfiguration);
        });
    }

    static OperatorSettings settings(Map<String, String> env) {
        OperatorSettings settings = OperatorSettings.defaults();
        String image = env.get("SLB_PROXY_IMAGE");
        return image == null || image.isBlank() ? settings : settings.withProxyImage(image);
    }

    /** On when POD_NAMESPACE is set (in a pod): lease {@value #LEASE_NAME} in the operator's namespace. */
    static Optional<LeaderElectionConfiguration> leaderElection(Map<String, String> env) {
        String namespace = env.get("POD_NAMESPACE");
        return namespace == null || namespace.isBlank()
                ? Optional.empty()
                : Optional.of(new LeaderElectionConfiguration(LEASE_NAME, namespace));
    }
}
