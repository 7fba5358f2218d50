package dev.slb.local.pods;

import dev.slb.local.kube.AddressPool;
import dev.slb.local.kube.Controller;
import dev.slb.local.kube.Pods;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet of local/'s one node: runs each Pod scheduled to it as a {@link LocalPod} (a local
 * process on a loopback address of its own, its volumes under the pod's directory), probes its
 * readiness, restarts it when it dies, writes the Pod's status, and when the Pod is deleted sends
 * SIGTERM, waits out the grace period and removes the Pod object for good.
 */
public final class PodRunner extends Controller {

    private static final Logger LOG = LoggerFactory.getLogger(PodRunner.class);
    /** How often probes, restarts and volumes are looked at (a kubelet's sync loop). */
    public static final Duration TICK = Duration.ofMillis(250);
    /** Mounted Secrets and ConfigMaps are re-synced every 2 s (a kubelet takes up to a minute). */
    static final int VOLUME_SYNC_TICKS = 8;

    /**
     * How pods are run.
     *
     * @param podsDir where each pod's directory (its root filesystem, its log) goes
     * @param launcher the command that stands for the proxy image's entrypoint (e.g. {@code proxy/bin/slb-proxy})
     * @param imageFiles where the image's files are on this machine, by path prefix (e.g. {@code
     *     /opt/slb-proxy/} is {@code proxy/}), for containers that name a command
     * @param environment added to every pod's environment (e.g. KUBECONFIG)
     * @param addresses the pod IPs
     * @param containers how pods run as containers, or null to run them as processes
     */
    public record Settings(
            Path podsDir,
            List<String> launcher,
            Map<String, String> imageFiles,
            Map<String, String> environment,
            AddressPool addresses,
            Containers containers,
            Clock clock) {}

    private final SharedIndexInformer<Pod> pods;
    private final Settings settings;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Map<String, LocalPod> running = new LinkedHashMap<>();
    /** What each pod's published status says (readiness, restarts, back-off), to write only changes. */
    private final Map<String, String> published = new HashMap<>();

    private final List<CompletableFuture<?>> terminations = new ArrayList<>();
    private boolean closing;
    private long ticks;

    public PodRunner(KubernetesClient client, SharedIndexInformer<Pod> pods, Settings settings) {
        super("local-kubelet", client);
        this.pods = pods;
        this.settings = settings;
    }

    /** The pods running now (for tests and the launcher's summary). */
    public List<String> podNames() {
        return onLoop(() -> List.copyOf(running.keySet()));
    }

    @Override
    protected void sync() {
        if (closing) {
            return;
        }
        Instant now = settings.clock().instant();
        for (Pod pod : pods.getStore().list()) {
            String key = key(pod);
            if (!Pods.NODE_NAME.equals(pod.getSpec().getNodeName()) || running.containsKey(key)) {
                continue;
            }
            if (Pods.terminating(pod)) {
                // Deleted before it ran here (or by an earlier run): nothing to drain.
                guarded(
                        "pod " + key,
                        () -> remove(
                                pod.getMetadata().getNamespace(),
                                pod.getMetadata().getName()));
            } else {
                guarded("pod " + key, () -> start(pod, now));
            }
        }
        boolean volumes = ++ticks % VOLUME_SYNC_TICKS == 0;
        for (LocalPod pod : List.copyOf(running.values())) {
            guarded("pod " + pod.namespace + "/" + pod.name, () -> tend(pod, now, volumes));
        }
        running.values().removeIf(p -> p.phase() == LocalPod.Phase.GONE);
    }

    private void tend(LocalPod pod, Instant now, boolean volumes) throws IOException {
        Pod object = pods.getStore().getByKey(pod.namespace + "/" + pod.name);
        if (object == null || Pods.terminating(object)) {
            terminate(pod, object == null ? "its Pod is gone" : "its Pod is being deleted");
        }
        if (volumes && pod.phase() == LocalPod.Phase.RUNNING) {
            PodVolumes.sync(client, pod.namespace, pod.spec, pod.container(), pod.dir);
        }
        if (pod.restartIfDead(now)) {
            LOG.warn(
                    "pod {}/{} exited on its own (exit code {}); restarted (restart {}), log {}",
                    pod.namespace,
                    pod.name,
                    pod.lastExitCode(),
                    pod.restarts(),
                    pod.log());
        }
        pod.probe(http, now);
        publishStatus(pod);
    }

    private void start(Pod object, Instant now) throws IOException {
        String ns = object.getMetadata().getNamespace();
        String name = object.getMetadata().getName();
        if (object.getSpec().getContainers().size() != 1) {
            LOG.warn("pod {}/{}: local/ runs the first container of each pod only", ns, name);
        }
        InetAddress ip = settings.addresses().take();
        Path dir = settings.podsDir().resolve(ns).resolve(name);
        LocalPod pod = new LocalPod(
                ns,
                name,
                object.getSpec(),
                ip,
                dir,
                settings.launcher(),
                settings.imageFiles(),
                settings.environment(),
                settings.containers(),
                now);
        try {
            PodVolumes.sync(client, ns, object.getSpec(), pod.container(), dir);
            pod.start();
        } catch (IOException | RuntimeException e) {
            settings.addresses().release(ip); // nothing half-made is left behind
            throw e;
        }
        running.put(ns + "/" + name, pod);
        LOG.info("pod {}/{} started on {} (pid {})", ns, name, ip.getHostAddress(), pod.pid());
        publishStatus(pod);
    }

    private void terminate(LocalPod pod, String why) {
        if (pod.phase() == LocalPod.Phase.TERMINATING || pod.phase() == LocalPod.Phase.GONE) {
            return;
        }
        Long grace = pod.spec.getTerminationGracePeriodSeconds();
        LOG.info("pod {}/{}: terminating ({}), SIGTERM to pid {}", pod.namespace, pod.name, why, pod.pid());
        CompletableFuture<Void> done = pod.terminate(Duration.ofSeconds(grace == null ? 30 : grace));
        publishStatus(pod);
        terminations.add(done.whenCompleteAsync(
                (v, e) -> {
                    settings.addresses().release(pod.ip);
                    published.remove(pod.namespace + "/" + pod.name);
                    remove(pod.namespace, pod.name);
                    LOG.info("pod {}/{} stopped", pod.namespace, pod.name);
                },
                loop()));
        terminations.removeIf(CompletableFuture::isDone);
    }

    /** Ends the Pod's deletion, as a kubelet does once the containers are gone. */
    private void remove(String namespace, String name) {
        try {
            client.pods()
                    .inNamespace(namespace)
                    .withName(name)
                    .withGracePeriod(0)
                    .delete();
        } catch (KubernetesClientException e) {
            LOG.debug("pod {}/{} object already gone: {}", namespace, name, e.getMessage());
        }
    }

    private void publishStatus(LocalPod pod) {
        String key = pod.namespace + "/" + pod.name;
        boolean ready = pod.ready();
        boolean backingOff = pod.backingOff();
        String state = ready + "/" + pod.restarts() + "/" + backingOff + "/" + pod.phase();
        if (Objects.equals(published.get(key), state) || pod.phase() == LocalPod.Phase.GONE) {
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
            published.put(key, state);
        } catch (KubernetesClientException e) {
            LOG.debug("cannot write the status of pod {}: {}", key, e.getMessage());
        }
    }

    private ContainerStatus containerStatus(LocalPod pod, boolean ready, boolean backingOff, String started) {
        ContainerStatusBuilder status = new ContainerStatusBuilder()
                .withName(pod.container().getName())
                .withImage(pod.container().getImage())
                .withImageID("")
                .withContainerID(
                        settings.containers() == null
                                ? "local://" + pod.pid()
                                : "podman://" + Containers.name(pod.namespace, pod.name))
                .withReady(ready)
                .withStarted(pod.phase() == LocalPod.Phase.RUNNING && !backingOff)
                .withRestartCount(pod.restarts());
        if (backingOff) {
            status.withNewState()
                    .withNewWaiting()
                    .withReason("CrashLoopBackOff")
                    .withMessage("back-off restarting the container, which exited with " + pod.lastExitCode() + "; see "
                            + pod.log())
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

    /** Terminates every pod (SIGTERM, drain, SIGKILL after the grace period), then stops. */
    @Override
    public void close() {
        List<CompletableFuture<?>> waits = onLoop(() -> {
            closing = true;
            for (LocalPod pod : List.copyOf(running.values())) {
                terminate(pod, "local/ is stopping");
            }
            return List.copyOf(terminations);
        });
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                .orTimeout(70, TimeUnit.SECONDS)
                .exceptionally(e -> null)
                .join();
        super.close();
    }
}
