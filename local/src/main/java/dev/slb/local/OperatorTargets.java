package dev.slb.local;

import dev.slb.local.apiserver.LocalApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Measures the operator's targets (local/TARGETS.md says what they are and what was measured),
 * driving the real operator process against local/'s API server, as a user's {@code kubectl}
 * would. Its own client is called {@value #AGENT}, so that the server can count the operator's
 * requests apart from the ones it makes.
 *
 * <ul>
 *   <li>{@code scale [--count N] [--rest SECONDS]}: the API server and the operator alone (no
 *       pods): N LoadBalancers created at once, the time until every one is Accepted with its
 *       seven objects, then the operator's requests per second at rest, its RSS and threads.
 *   <li>{@code programmed [--instances N] [--changes N]}: the whole of local/ (pods included): N
 *       instances, then that many reloadable changes spread over them; for each, when the proxies
 *       served it and when the status said Programmed.
 * </ul>
 */
public final class OperatorTargets {
    static final String AGENT = "slb-measure";
    static final ResourceDefinitionContext LOAD_BALANCERS = new ResourceDefinitionContext.Builder()
            .withGroup("slb.dev")
            .withVersion("v1alpha1")
            .withKind("LoadBalancer")
            .withPlural("loadbalancers")
            .withNamespaced(true)
            .build();

    private OperatorTargets() {}

    public static void main(String[] args) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        // Run from the repository or from local/ (a checkout may itself be named local, so look for crds/).
        if (!Files.isDirectory(repo.resolve("crds")) && repo.getParent() != null) {
            repo = repo.getParent();
        }
        String what = args.length == 0 ? "" : args[0];
        Map<String, Integer> options = options(args);
        switch (what) {
            case "scale" -> scale(repo, options.getOrDefault("--count", 1000), options.getOrDefault("--rest", 60));
            case "programmed" ->
                programmed(repo, options.getOrDefault("--instances", 5), options.getOrDefault("--changes", 30));
            default -> {
                System.err.println("usage: OperatorTargets scale [--count N] [--rest SECONDS]"
                        + " | programmed [--instances N] [--changes N]");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static Map<String, Integer> options(String[] args) {
        Map<String, Integer> options = new java.util.HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            options.put(args[i], Integer.parseInt(args[i + 1]));
        }
        return options;
    }

    // ---- scale

    private static void scale(Path repo, int count, int restSeconds) throws Exception {
        Path dir = Files.createTempDirectory("slb-measure-scale");
        try (LocalApiServer server = new LocalApiServer().start(0)) {
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            try (KubernetesClient client = client(server.url())) {
                DemoObjects.installCrds(client, repo.resolve("crds"));
                serverAlone(client, count * 8);
                // As LocalCluster runs it; more from this process's JAVA_OPTS (a flight recording, say).
                OperatorProcess operator = new OperatorProcess(
                        repo,
                        dir,
                        kubeconfig,
                        Map.of(
                                "JAVA_OPTS",
                                OperatorProcess.JVM_LIMITS + " "
                                        + System.getenv().getOrDefault("JAVA_OPTS", "")));
                Runtime.getRuntime().addShutdownHook(new Thread(operator::stop));
                operator.start(() -> {});
                try {
                    scale(client, server, operator.pid(), count, restSeconds);
                } finally {
                    operator.stop();
                }
            }
        }
        System.out.println("operator log: " + dir.resolve("operator.log"));
    }

    /**
     * What the API server does alone: {@code n} ConfigMaps created (8 at a time, as the operator's
     * threads write) and deleted again, so the time the operator takes can be laid beside it.
     */
    private static void serverAlone(KubernetesClient client, int n) throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(8);
        long cpu0 = ownCpuNanos();
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "probe-" + i;
            done.add(writers.submit(() -> client.configMaps()
                    .inNamespace("default")
                    .resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .endMetadata()
                            .addToData("config.yaml", "x".repeat(2000))
                            .build())
                    .create()));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double took = seconds(start);
        double cpu = (ownCpuNanos() - cpu0) / 1e9;
        System.out.printf(
                "the API server alone: %d creates (8 at a time) in %.1f s, %.0f per second, %.1f s of CPU in this"
                        + " process (the server and this client)%n",
                n, took, n / took, cpu);
        done.clear();
        for (int i = 0; i < n; i++) {
            String name = "probe-" + i;
            done.add(writers.submit(() ->
                    client.configMaps().inNamespace("default").withName(name).delete()));
        }
        for (Future<?> f : done) {
            f.get();
        }
        writers.shutdown();
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** CPU seconds a process has used (utime + stime of /proc/PID/stat, at 100 ticks a second). */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    private static void scale(
            KubernetesClient client, LocalApiServer server, long operatorPid, int count, int restSeconds)
            throws Exception {
        // Followed with informers, so that waiting asks the server nothing per check.
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        SharedIndexInformer<GenericKubernetesResource> lbs = followLoadBalancers(client, lb -> {
            if (trueCondition(lb, "Accepted") != null) {
                accepted.add(lb.getMetadata().getName());
            }
        });
        List<SharedIndexInformer<? extends HasMetadata>> owned = List.of(
                managed(client, ConfigMap.class),
                managed(client, Deployment.class),
                managed(client, io.fabric8.kubernetes.api.model.Service.class),
                managed(client, ServiceAccount.class),
                managed(client, Role.class),
                managed(client, RoleBinding.class),
                managed(client, PodDisruptionBudget.class));
        System.out.printf("creating %d LoadBalancers (slb.s1.small, one HTTP listener, a static backend)%n", count);
        double operatorCpu0 = cpuSeconds(operatorPid);
        long serverCpu0 = ownCpuNanos();
        long start = System.nanoTime();
        ExecutorService creators = Executors.newFixedThreadPool(8);
        List<Future<?>> created = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = "lb-" + i;
            created.add(creators.submit(() -> client.genericKubernetesResources(LOAD_BALANCERS)
                    .inNamespace("default")
                    .resource(loadBalancer(name))
                    .create()));
        }
        for (Future<?> f : created) {
            f.get();
        }
        creators.shutdown();
        double createdAfter = seconds(start);
        Supplier<Boolean> done = () -> accepted.size() >= count
                && owned.stream().allMatch(i -> i.getStore().list().size() >= count);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!done.get() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        double allAccepted = seconds(start);
        System.out.printf(
                "created in %.1f s; all %d Accepted with their 7 objects each after %.1f s%s%n",
                createdAfter, count, allAccepted, done.get() ? "" : " (NOT ALL: gave up after 10 minutes)");
        System.out.printf(
                "requests at the API server so far: operator %d, this tool %d; CPU meanwhile: operator %.1f s,"
                        + " API server (with this tool) %.1f s%n",
                server.requests("slb-operator"),
                server.requests(AGENT),
                cpuSeconds(operatorPid) - operatorCpu0,
                (ownCpuNanos() - serverCpu0) / 1e9);

        // At rest: let the first round of proxy-less status writes settle, then count.
        Thread.sleep(15_000);
        long before = server.requests("slb-operator");
        long t0 = System.nanoTime();
        Thread.sleep(restSeconds * 1000L);
        long rest = server.requests("slb-operator") - before;
        double window = seconds(t0);
        System.out.printf(
                "at rest: %d requests from the operator in %.0f s (%.2f per second)%n", rest, window, rest / window);
        Map<String, String> status = procStatus(operatorPid);
        System.out.printf(
                "operator process: RSS %s, %s threads (VmHWM, its peak RSS: %s)%n",
                status.get("VmRSS"), status.get("Threads"), status.get("VmHWM"));
        lbs.stop();
        owned.forEach(SharedIndexInformer::stop);
    }

    private static <T extends HasMetadata> SharedIndexInformer<T> managed(KubernetesClient client, Class<T> type) {
        return client.resources(type)
                .inNamespace("default")
                .withLabel("app.kubernetes.io/managed-by", "slb-operator")
                .inform();
    }

    private static GenericKubernetesResource loadBalancer(String name) {
        return loadBalancer(
                name,
                Map.of(
                        "tier", "slb.s1.small",
                        "listeners", List.of(Map.of("name", "web", "protocol", "HTTP", "port", 80)),
                        "backends", List.of(Map.of("address", "192.0.2.10", "port", 8080))));
    }

    /** A LoadBalancer in the default namespace with this spec, as the API takes it. */
    static GenericKubernetesResource loadBalancer(String name, Map<String, Object> spec) {
        GenericKubernetesResource lb = new GenericKubernetesResource();
        lb.setApiVersion("slb.dev/v1alpha1");
        lb.setKind("LoadBalancer");
        lb.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(name)
                .withNamespace("default")
                .build());
        lb.setAdditionalProperty("spec", spec);
        return lb;
    }

    /** The condition of this type when it is True (with its observedGeneration), else null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> trueCondition(GenericKubernetesResource lb, String type) {
        Object status = lb.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> conditions)) {
            return null;
        }
        for (Object c : conditions) {
            Map<String, Object> condition = (Map<String, Object>) c;
            if (type.equals(condition.get("type")) && "True".equals(condition.get("status"))) {
                return condition;
            }
        }
        return null;
    }

    /** An informer on the LoadBalancers of the default namespace, calling {@code seen} with each one added or changed. */
    static SharedIndexInformer<GenericKubernetesResource> followLoadBalancers(
            KubernetesClient client, java.util.function.Consumer<GenericKubernetesResource> seen) {
        return client.genericKubernetesResources(LOAD_BALANCERS)
                .inNamespace("default")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(GenericKubernetesResource lb) {
                        seen.accept(lb);
                    }

                    @Override
                    public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource lb) {
                        seen.accept(lb);
                    }

                    @Override
                    public void onDelete(GenericKubernetesResource lb, boolean unknown) {}
                });
    }

    // ---- programmed

    private static void programmed(Path repo, int instances, int changes) throws Exception {
        Path dir = Files.createTempDirectory("slb-measure-programmed");
        int block = 90;
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(repo, dir.resolve("run"), 0, block))) {
            try (KubernetesClient client = client(cluster.apiUrl())) {
                Programmed.run(client, instances, changes);
            }
        }
        System.out.println("logs: " + dir.resolve("run"));
    }

    // ---- helpers

    static KubernetesClient client(String url) {
        Config config = new ConfigBuilder()
                .withMasterUrl(url)
                .withNamespace("default")
                .withUserAgent(AGENT)
                .withRequestTimeout(30_000)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Fields of /proc/PID/status (VmRSS, VmHWM, Threads). */
    static Map<String, String> procStatus(long pid) throws IOException {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** The p-th percentile (0..100) of the values, nearest rank. */
    static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
