package dev.slb.local.pods;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PortStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cluster's controllers, kubelet and service proxy do for the proxy Deployments, done
 * on one machine: runs each Deployment's replicas as {@link LocalPod}s (one loopback address
 * each), rolls them on a pod-template change (surge first, SIGTERM drains), keeps Pod objects
 * and the Deployment's status true, and gives each Service of type LoadBalancer a loopback
 * address of its own that spreads connections over the ready replicas.
 *
 * <p>All decisions run on one thread, every {@link #TICK} and whenever a watched object
 * changes, from the informers' caches: the same level-triggered loop a controller runs.
 */
public final class LocalKubelet implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKubelet.class);
    static final Duration TICK = Duration.ofMillis(250);
    static final String TEMPLATE_HASH_LABEL = "pod-template-hash";
    static final String NODE_NAME = "local";
    /** Mounted Secrets and ConfigMaps are re-synced every 2 s (a kubelet takes up to a minute). */
    static final int VOLUME_SYNC_TICKS = 8;

    /**
     * How pods are run.
     *
     * @param launcher the command that starts the proxy image (e.g. {@code proxy/bin/slb-proxy})
     * @param environment added to every pod's environment (e.g. KUBECONFIG)
     */
    public record Settings(
            Path podsDir,
            List<String> launcher,
            Map<String, String> environment,
            AddressPool podAddresses,
            AddressPool serviceAddresses,
            EventLoopGroup network,
            Clock clock) {}

    private final KubernetesClient client;
    private final Settings settings;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "local-kubelet");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, LocalPod> pods = new LinkedHashMap<>();
    /** What each pod's published status says (readiness, restarts, back-off), to write only changes. */
    private final Map<String, String> publishedReady = new HashMap<>();

    private final Map<String, LocalService> services = new HashMap<>();
    private final List<CompletableFuture<?>> terminations = new ArrayList<>();
    private final Map<String, String> failures = new HashMap<>();
    private SharedIndexInformer<Deployment> deployments;
    private SharedIndexInformer<Service> serviceInformer;
    private SharedIndexInformer<Pod> podInformer;
    private volatile boolean closed;
    private long ticks;

    public LocalKubelet(KubernetesClient client, Settings settings) {
        this.client = client;
        this.settings = settings;
    }

    public void start() {
        deployments = client.apps().deployments().inAnyNamespace().inform();
        serviceInformer = client.services().inAnyNamespace().inform();
        podInformer = client.pods().inAnyNamespace().inform();
        loop.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The pods running now (for tests and the launcher's summary). */
    public List<String> podNames() {
        return CompletableFuture.supplyAsync(() -> List.copyOf(pods.keySet()), loop)
                .join();
    }

    private void tick() {
        try {
            tickOnce();
        } catch (Throwable t) {
            // An exception escaping a scheduled task would cancel every later tick, silently.
            LOG.error("local kubelet: a tick failed; the next one runs as usual", t);
        }
    }

    private void tickOnce() {
        if (closed) {
            return;
        }
        Instant now = settings.clock().instant();
        // Each object is handled apart: one that cannot be (a bad field, a missing port) is logged
        // once and does not hold up the others.
        boolean volumes = ++ticks % VOLUME_SYNC_TICKS == 0;
        for (LocalPod pod : List.copyOf(pods.values())) {
            guarded("pod " + pod.namespace + "/" + pod.name, () -> {
                if (podObjectDeleted(pod)) {
                    terminate(pod, "its Pod is being deleted");
                }
                if (volumes && pod.phase() == LocalPod.Phase.RUNNING) {
                    PodVolumes.sync(client, pod.namespace, pod.template.getSpec(), pod.container(), pod.dir);
                }
                if (pod.restartIfDead(now)) {
                    LOG.warn(
                            "pod {}/{} exited on its own (exit code {}); restarted (restart {}), log {}",
                            pod.namespace,
                            pod.name,
                            pod.lastExitCode(),
                            pod.restarts(),
                            pod.dir.resolve("proxy.log"));
                }
                pod.probe(http, now);
                publishPodStatus(pod);
            });
        }
        // After the pods have published what they are: an old pod is taken out (and shown NotReady)
        // only once the new one's readiness is visible, so nobody counts one replica too few.
        for (Deployment d : deployments.getStore().list()) {
            guarded("deployment " + key(d), () -> syncDeployment(d, now));
        }
        for (Deployment d : deployments.getStore().list()) {
            guarded("deployment " + key(d), () -> publishDeploymentStatus(d));
        }
        guarded("services", this::syncServices);
        pods.values().removeIf(p -> p.phase() == LocalPod.Phase.GONE);
    }

    /** A step that may fail; its failure is logged once per distinct message, then at debug. */
    private void guarded(String what, Step step) {
        try {
            step.run();
            failures.remove(what);
        } catch (Exception e) {
            String message = e.toString();
            if (!message.equals(failures.put(what, message))) {
                LOG.warn("local kubelet: {}: {}", what, message, e);
            } else {
                LOG.debug("local kubelet: {} still fails: {}", what, message);
            }
        }
    }

    /** One step of a tick. */
    private interface Step {
        void run() throws Exception;
    }

    // --- Deployments ---

    private void syncDeployment(Deployment d, Instant now) throws IOException {
        String hash = templateHash(d.getSpec().getTemplate());
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        int surge = 1;
        int unavailable = 0;
        if (d.getSpec().getStrategy() != null && d.getSpec().getStrategy().getRollingUpdate() != null) {
            surge = scaled(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge(), desired, true, 1);
            unavailable = scaled(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable(), desired, false, 0);
            if (surge == 0 && unavailable == 0) {
                surge = 1;
            }
        }
        List<LocalPod> mine = active(key(d));
        List<LocalPod> current =
                mine.stream().filter(p -> p.templateHash.equals(hash)).collect(Collectors.toList());
        List<LocalPod> old =
                mine.stream().filter(p -> !p.templateHash.equals(hash)).collect(Collectors.toList());
        int total = mine.size();
        while (current.size() < desired && total < desired + surge) {
            current.add(startPod(d, hash, now));
            total++;
        }
        int ready = (int) mine.stream().filter(LocalPod::ready).count();
        old.sort(Comparator.comparing(LocalPod::ready));
        for (LocalPod pod : old) {
            if (!pod.ready()) {
                terminate(pod, "the pod template changed");
            } else if (ready - 1 >= desired - unavailable) {
                terminate(pod, "the pod template changed");
                ready--;
            }
        }
        if (old.isEmpty() && current.size() > desired) {
            current.sort(
                    Comparator.comparing(LocalPod::ready).thenComparing(p -> p.created, Comparator.reverseOrder()));
            for (LocalPod extra : current.subList(0, current.size() - desired)) {
                terminate(extra, "the Deployment was scaled down to " + desired);
            }
        }
    }

    private static int scaled(IntOrString value, int replicas, boolean roundUp, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String s = value.getStrVal();
        if (s != null && s.endsWith("%")) {
            double share = replicas * Integer.parseInt(s.substring(0, s.length() - 1)) / 100.0;
            return (int) (roundUp ? Math.ceil(share) : Math.floor(share));
        }
        return fallback;
    }

    private LocalPod startPod(Deployment d, String hash, Instant now) throws IOException {
        String ns = d.getMetadata().getNamespace();
        String name = d.getMetadata().getName() + "-" + hash + "-" + randomSuffix();
        InetAddress ip = settings.podAddresses().take();
        Path dir = settings.podsDir().resolve(ns).resolve(name);
        LocalPod pod = new LocalPod(
                ns,
                name,
                key(d),
                hash,
                d.getSpec().getTemplate(),
                ip,
                dir,
                settings.launcher(),
                settings.environment(),
                now);
        boolean created = false;
        try {
            Container container = pod.container();
            if (d.getSpec().getTemplate().getSpec().getContainers().size() != 1) {
                LOG.warn("{}: local/ runs the first container of each pod only", key(d));
            }
            PodVolumes.sync(client, ns, d.getSpec().getTemplate().getSpec(), container, dir);
            createPodObject(d, pod);
            created = true;
            pod.start();
        } catch (IOException | RuntimeException e) {
            // Nothing half-made is left behind: the address goes back, the Pod object away.
            settings.podAddresses().release(ip);
            if (created) {
                client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
            }
            throw e;
        }
        pods.put(ns + "/" + name, pod);
        LOG.info("pod {}/{} started on {} (pid {})", ns, name, ip.getHostAddress(), pod.pid());
        return pod;
    }

    private void createPodObject(Deployment d, LocalPod pod) {
        PodTemplateSpec t = d.getSpec().getTemplate();
        Pod object = new PodBuilder()
                .withNewMetadata()
                .withName(pod.name)
                .withNamespace(pod.namespace)
                .withLabels(withHash(t.getMetadata().getLabels(), pod.templateHash))
                .withAnnotations(t.getMetadata().getAnnotations())
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName(d.getMetadata().getName())
                .withUid(d.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .endOwnerReference()
                .endMetadata()
                .withSpec(t.getSpec())
                .build();
        object.getSpec().setNodeName(NODE_NAME);
        client.pods().inNamespace(pod.namespace).resource(object).create();
    }

    private static Map<String, String> withHash(Map<String, String> labels, String hash) {
        Map<String, String> all = new LinkedHashMap<>(labels == null ? Map.of() : labels);
        all.put(TEMPLATE_HASH_LABEL, hash);
        return all;
    }

    private void terminate(LocalPod pod, String why) {
        if (pod.phase() == LocalPod.Phase.TERMINATING || pod.phase() == LocalPod.Phase.GONE) {
            return;
        }
        Long grace = pod.template.getSpec().getTerminationGracePeriodSeconds();
        LOG.info("pod {}/{}: terminating ({}), SIGTERM to pid {}", pod.namespace, pod.name, why, pod.pid());
        CompletableFuture<Void> done = pod.terminate(Duration.ofSeconds(grace == null ? 30 : grace));
        publishPodStatus(pod);
        if (!closed) {
            // As the Deployment controller does: the Pod is deleted gracefully, so kubectl shows it
            // Terminating while it drains; once the process is gone it is removed for good (below).
            try {
                client.pods().inNamespace(pod.namespace).withName(pod.name).delete();
            } catch (KubernetesClientException e) {
                LOG.debug("pod {}/{} object already gone: {}", pod.namespace, pod.name, e.getMessage());
            }
        }
        terminations.add(done.whenCompleteAsync(
                (v, e) -> {
                    settings.podAddresses().release(pod.ip);
                    publishedReady.remove(pod.namespace + "/" + pod.name);
                    try {
                        client.pods()
                                .inNamespace(pod.namespace)
                                .withName(pod.name)
                                .withGracePeriod(0)
                                .delete();
                    } catch (KubernetesClientException ex) {
                        LOG.debug("pod {}/{} object already gone: {}", pod.namespace, pod.name, ex.getMessage());
                    }
                    LOG.info("pod {}/{} stopped", pod.namespace, pod.name);
                },
                loop));
        terminations.removeIf(CompletableFuture::isDone);
    }

    /** True when the Pod object is being deleted (or is gone): a kubelet then stops the pod. */
    private boolean podObjectDeleted(LocalPod pod) {
        if (pod.phase() != LocalPod.Phase.RUNNING) {
            return false;
        }
        Pod object = podInformer.getStore().getByKey(pod.namespace + "/" + pod.name);
        if (object == null) {
            return pod.created.isBefore(settings.clock().instant().minusSeconds(5));
        }
        return object.getMetadata().getDeletionTimestamp() != null;
    }

    private List<LocalPod> active(String deployment) {
        return pods.values().stream()
                .filter(p -> p.deployment.equals(deployment))
                .filter(p -> p.phase() == LocalPod.Phase.STARTING || p.phase() == LocalPod.Phase.RUNNING)
                .collect(Collectors.toList());
    }

    private void publishPodStatus(LocalPod pod) {
        String key = pod.namespace + "/" + pod.name;
        boolean ready = pod.ready();
        boolean backingOff = pod.backingOff();
        String state = ready + "/" + pod.restarts() + "/" + backingOff + "/" + pod.phase();
        if (Objects.equals(publishedReady.get(key), state) || pod.phase() == LocalPod.Phase.GONE) {
            return;
        }
        String now = settings.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
        String started = pod.startedAt() == null
                ? now
                : pod.startedAt().truncatedTo(ChronoUnit.SECONDS).toString();
        String readyStatus = ready ? "True" : "False";
        List<PodCondition> conditions = List.of(
                condition("PodScheduled", "True", started), condition("Initialized", "True", started),
                condition("ContainersReady", readyStatus, now), condition("Ready", readyStatus, now));
        PodStatus status = new PodStatusBuilder()
                .withPhase("Running")
                .withHostIP("127.0.0.1")
                .withPodIP(pod.ip.getHostAddress())
                .withPodIPs(new PodIPBuilder().withIp(pod.ip.getHostAddress()).build())
                .withStartTime(started)
                .withConditions(conditions)
                .withContainerStatuses(containerStatus(pod, ready, backingOff, started))
                .build();
        try {
            client.pods().inNamespace(pod.namespace).withName(pod.name).editStatus(p -> {
                p.setStatus(status);
                return p;
            });
            publishedReady.put(key, state);
        } catch (KubernetesClientException e) {
            LOG.debug("cannot write the status of pod {}: {}", key, e.getMessage());
        }
    }

    private static io.fabric8.kubernetes.api.model.ContainerStatus containerStatus(
            LocalPod pod, boolean ready, boolean backingOff, String started) {
        ContainerStatusBuilder status = new ContainerStatusBuilder()
                .withName(pod.container().getName())
                .withImage(pod.container().getImage())
                .withImageID("")
                .withContainerID("local://" + pod.pid())
                .withReady(ready)
                .withStarted(pod.phase() == LocalPod.Phase.RUNNING && !backingOff)
                .withRestartCount(pod.restarts());
        if (backingOff) {
            status.withNewState()
                    .withNewWaiting()
                    .withReason("CrashLoopBackOff")
                    .withMessage("back-off restarting the proxy, which exited with " + pod.lastExitCode() + "; see "
                            + pod.dir.resolve("proxy.log"))
                    .endWaiting()
                    .endState();
        } else {
            status.withNewState()
                    .withNewRunning()
                    .withStartedAt(started)
                    .endRunning()
                    .endState();
        }
        if (pod.lastExitCode() != null) {
            status.withNewLastState()
                    .withNewTerminated()
                    .withExitCode(pod.lastExitCode())
                    .withReason("Error")
                    .endTerminated()
                    .endLastState();
        }
        return status.build();
    }

    private static PodCondition condition(String type, String status, String since) {
        return new PodConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withLastTransitionTime(since)
                .build();
    }

    private void publishDeploymentStatus(Deployment d) {
        String hash = templateHash(d.getSpec().getTemplate());
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        List<LocalPod> mine = active(key(d));
        int replicas = mine.size();
        int updated =
                (int) mine.stream().filter(p -> p.templateHash.equals(hash)).count();
        int ready = (int) mine.stream().filter(LocalPod::ready).count();
        int updatedReady = (int) mine.stream()
                .filter(p -> p.templateHash.equals(hash) && p.ready())
                .count();
        DeploymentStatus old = d.getStatus();
        if (old != null
                && Objects.equals(old.getObservedGeneration(), d.getMetadata().getGeneration())
                && Objects.equals(old.getReplicas(), replicas)
                && Objects.equals(old.getUpdatedReplicas(), updated)
                && Objects.equals(old.getReadyReplicas(), ready)
                && Objects.equals(old.getAvailableReplicas(), ready)) {
            return;
        }
        boolean complete = updated == desired && replicas == desired && updatedReady == desired;
        String now = settings.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
        List<DeploymentCondition> conditions = List.of(
                new DeploymentConditionBuilder()
                        .withType("Available")
                        .withStatus(ready >= desired ? "True" : "False")
                        .withReason(ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable")
                        .withMessage(
                                ready >= desired
                                        ? "Deployment has minimum availability."
                                        : "Deployment does not have minimum availability.")
                        .withLastUpdateTime(now)
                        .withLastTransitionTime(now)
                        .build(),
                new DeploymentConditionBuilder()
                        .withType("Progressing")
                        .withStatus("True")
                        .withReason(complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated")
                        .withMessage(
                                complete
                                        ? "Deployment " + d.getMetadata().getName() + " has successfully progressed."
                                        : "Deployment " + d.getMetadata().getName() + " is progressing.")
                        .withLastUpdateTime(now)
                        .withLastTransitionTime(now)
                        .build());
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas)
                .withUpdatedReplicas(updated)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withUnavailableReplicas(Math.max(0, desired - ready))
                .withConditions(conditions)
                .build();
        try {
            client.apps()
                    .deployments()
                    .inNamespace(d.getMetadata().getNamespace())
                    .withName(d.getMetadata().getName())
                    .editStatus(x -> {
                        x.setStatus(status);
                        return x;
                    });
        } catch (KubernetesClientException e) {
            LOG.debug("cannot write the status of deployment {}: {}", key(d), e.getMessage());
        }
    }

    // --- Services ---

    /** One Service of type LoadBalancer, served on a loopback address of its own. */
    private static final class LocalService {
        final InetAddress address;
        final ServiceProxy proxy;
        /** Service port to the port actually served (the same, or port + 10000 without the privilege). */
        final Map<Integer, Integer> served = new LinkedHashMap<>();

        LocalService(InetAddress address, ServiceProxy proxy) {
            this.address = address;
            this.proxy = proxy;
        }
    }

    private void syncServices() {
        Set<String> live = new java.util.HashSet<>();
        for (Service s : serviceInformer.getStore().list()) {
            if (s.getSpec() == null || !"LoadBalancer".equals(s.getSpec().getType())) {
                continue;
            }
            String key = key(s);
            live.add(key);
            LocalService local = services.get(key);
            if (local == null) {
                local = new LocalService(settings.serviceAddresses().take(), new ServiceProxy(settings.network()));
                services.put(key, local);
            }
            // Port by port, as kube-proxy does: a port added or removed leaves the others, and the
            // connections they carry, alone.
            Set<Integer> wanted =
                    s.getSpec().getPorts().stream().map(ServicePort::getPort).collect(Collectors.toSet());
            for (Integer gone : List.copyOf(local.served.keySet())) {
                if (!wanted.contains(gone)) {
                    local.proxy.stopListening(gone);
                    local.served.remove(gone);
                    LOG.info("service {} port {} no longer served", key, gone);
                }
            }
            for (ServicePort port : s.getSpec().getPorts()) {
                if (!local.served.containsKey(port.getPort())) {
                    LocalService service = local;
                    // A port that cannot be bound is said once and tried again at every tick.
                    guarded("service " + key + " port " + port.getPort(), () -> listen(s, service, port.getPort()));
                }
            }
            for (ServicePort port : s.getSpec().getPorts()) {
                local.proxy.endpoints(port.getPort(), endpoints(s, port));
            }
            publishServiceStatus(s, local);
        }
        for (String gone : List.copyOf(services.keySet())) {
            if (!live.contains(gone)) {
                closeService(gone, services.remove(gone));
            }
        }
    }

    /** Listens on one Service port. */
    private void listen(Service s, LocalService local, int port) throws IOException {
        int fallback = port < 1024 ? port + 10000 : port;
        int served = local.proxy.listen(local.address, port, fallback);
        local.served.put(port, served);
        LOG.info("service {} port {} served on {}:{}", key(s), port, local.address.getHostAddress(), served);
    }

    private void closeService(String key, LocalService local) {
        local.proxy.close();
        settings.serviceAddresses().release(local.address);
        LOG.info("service {} no longer served on {}", key, local.address.getHostAddress());
    }

    /** The ready local pods the Service selects, at the port its targetPort names. */
    private List<InetSocketAddress> endpoints(Service s, ServicePort port) {
        Map<String, String> selector = s.getSpec().getSelector();
        List<InetSocketAddress> ready = new ArrayList<>();
        if (selector == null || selector.isEmpty()) {
            return ready;
        }
        for (LocalPod pod : pods.values()) {
            if (!pod.ready() || !pod.namespace.equals(s.getMetadata().getNamespace())) {
                continue;
            }
            Map<String, String> labels = pod.template.getMetadata().getLabels();
            if (labels != null && labels.entrySet().containsAll(selector.entrySet())) {
                Integer target = targetPort(pod.container(), port);
                if (target != null) {
                    ready.add(new InetSocketAddress(pod.ip, target));
                }
            }
        }
        return ready;
    }

    private static Integer targetPort(Container c, ServicePort port) {
        IntOrString target = port.getTargetPort();
        if (target == null) {
            return port.getPort();
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        for (ContainerPort p : c.getPorts()) {
            if (target.getStrVal().equals(p.getName())) {
                return p.getContainerPort();
            }
        }
        return null;
    }

    private void publishServiceStatus(Service s, LocalService local) {
        List<io.fabric8.kubernetes.api.model.PortStatus> portStatus = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : local.served.entrySet()) {
            if (!e.getKey().equals(e.getValue())) {
                // A port below 1024 without the privilege to bind it: served on port + 10000 instead.
                portStatus.add(new PortStatusBuilder()
                        .withPort(e.getKey())
                        .withProtocol("TCP")
                        .withError("slb.dev/ServedOnPort" + e.getValue())
                        .build());
            }
        }
        LoadBalancerIngress ingress = new LoadBalancerIngressBuilder()
                .withIp(local.address.getHostAddress())
                .withIpMode("VIP")
                .withPorts(portStatus.isEmpty() ? null : portStatus)
                .build();
        List<LoadBalancerIngress> current =
                s.getStatus() == null || s.getStatus().getLoadBalancer() == null
                        ? null
                        : s.getStatus().getLoadBalancer().getIngress();
        if (current != null && current.size() == 1 && current.get(0).equals(ingress)) {
            return;
        }
        try {
            client.services()
                    .inNamespace(s.getMetadata().getNamespace())
                    .withName(s.getMetadata().getName())
                    .editStatus(x -> {
                        if (x.getStatus() == null) {
                            x.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatus());
                        }
                        x.getStatus()
                                .setLoadBalancer(
                                        new io.fabric8.kubernetes.api.model.LoadBalancerStatus(List.of(ingress)));
                        return x;
                    });
        } catch (KubernetesClientException e) {
            LOG.debug("cannot write the status of service {}: {}", key(s), e.getMessage());
        }
    }

    // --- shutdown ---

    /** Terminates every pod (SIGTERM, drain, SIGKILL after the grace period) and every service address. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        List<CompletableFuture<?>> waits = CompletableFuture.supplyAsync(
                        () -> {
                            closed = true;
                            for (LocalPod pod : List.copyOf(pods.values())) {
                                terminate(pod, "local/ is stopping");
                            }
                            return List.copyOf(terminations);
                        },
                        loop)
                .join();
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                .orTimeout(70, TimeUnit.SECONDS)
                .exceptionally(e -> null)
                .join();
        CompletableFuture.runAsync(
                        () -> {
                            services.forEach(this::closeService);
                            services.clear();
                        },
                        loop)
                .join();
        loop.shutdown();
        for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {deployments, serviceInformer, podInformer}) {
            if (i != null) {
                i.stop();
            }
        }
    }

    // --- helpers ---

    static String key(io.fabric8.kubernetes.api.model.HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /** A short digest of the pod template, as a ReplicaSet's pod-template-hash. */
    static String templateHash(PodTemplateSpec template) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            b.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
