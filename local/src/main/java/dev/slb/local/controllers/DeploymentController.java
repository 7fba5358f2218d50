package dev.slb.local.controllers;

import dev.slb.local.kube.Controller;
import dev.slb.local.kube.Pods;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deployment controller (with the ReplicaSet controller's part folded in): Pod objects from
 * each Deployment's template, scheduled to the local node; a template change rolls them, surge
 * first, an old pod deleted only once enough new ones are Ready; the Deployment's status from its
 * pods. It starts no process: the kubelet runs what it creates.
 */
public final class DeploymentController extends Controller {

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);

    /** How long a created Pod is counted before the informer shows it (a cluster's "expectations"). */
    private static final Duration EXPECTATION = Duration.ofSeconds(30);

    private final SharedIndexInformer<Deployment> deployments;
    private final SharedIndexInformer<Pod> pods;
    private final Clock clock;
    /** Pods this controller created that its informer has not shown yet, with when they were made. */
    private final Map<String, Created> created = new HashMap<>();
    /** Pods it deleted whose deletion the informer has not shown yet. */
    private final Set<String> deleted = new HashSet<>();

    private record Created(Pod pod, Instant at) {}

    public DeploymentController(
            KubernetesClient client,
            SharedIndexInformer<Deployment> deployments,
            SharedIndexInformer<Pod> pods,
            Clock clock) {
        super("deployment-controller", client);
        this.deployments = deployments;
        this.pods = pods;
        this.clock = clock;
    }

    @Override
    protected void sync() {
        Instant now = clock.instant();
        created.entrySet()
                .removeIf(e -> pods.getStore().getByKey(e.getKey()) != null
                        || e.getValue().at().isBefore(now.minus(EXPECTATION)));
        deleted.removeIf(k -> {
            Pod p = pods.getStore().getByKey(k);
            return p == null || Pods.terminating(p);
        });
        for (Deployment d : deployments.getStore().list()) {
            guarded("deployment " + key(d), () -> {
                syncDeployment(d, now);
                publishStatus(d);
            });
        }
    }

    private void syncDeployment(Deployment d, Instant now) {
        String hash = templateHash(d.getSpec().getTemplate());
        int desired = replicas(d);
        int surge = 1;
        int unavailable = 0;
        if (d.getSpec().getStrategy() != null && d.getSpec().getStrategy().getRollingUpdate() != null) {
            surge = scaled(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge(), desired, true, 1);
            unavailable = scaled(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable(), desired, false, 0);
            if (surge == 0 && unavailable == 0) {
                surge = 1;
            }
        }
        List<Pod> mine = active(d);
        List<Pod> current = new ArrayList<>(
                mine.stream().filter(p -> hash.equals(hashOf(p))).toList());
        List<Pod> old = new ArrayList<>(
                mine.stream().filter(p -> !hash.equals(hashOf(p))).toList());
        int total = mine.size();
        while (current.size() < desired && total < desired + surge) {
            current.add(createPod(d, hash, now));
            total++;
        }
        int ready = (int) mine.stream().filter(Pods::ready).count();
        old.sort(Comparator.comparing(Pods::ready));
        for (Pod pod : old) {
            if (!Pods.ready(pod)) {
                delete(pod, "the pod template changed");
            } else if (ready - 1 >= desired - unavailable) {
                delete(pod, "the pod template changed");
                ready--;
            }
        }
        if (old.isEmpty() && current.size() > desired) {
            current.sort(Comparator.comparing(Pods::ready)
                    .thenComparing(p -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()));
            for (Pod extra : current.subList(0, current.size() - desired)) {
                delete(extra, "the Deployment was scaled down to " + desired);
            }
        }
    }

    /** The Deployment's pods that are not being deleted, including those created but not seen yet. */
    private List<Pod> active(Deployment d) {
        String uid = d.getMetadata().getUid();
        List<Pod> mine = new ArrayList<>();
        for (Pod p : pods.getStore().list()) {
            if (ownedBy(p, uid) && !Pods.terminating(p) && !deleted.contains(key(p))) {
                mine.add(p);
            }
        }
        for (Created c : created.values()) {
            if (ownedBy(c.pod(), uid)) {
                mine.add(c.pod());
            }
        }
        return mine;
    }

    private static boolean ownedBy(Pod p, String uid) {
        return p.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && uid.equals(o.getUid()));
    }

    private Pod createPod(Deployment d, String hash, Instant now) {
        PodTemplateSpec t = d.getSpec().getTemplate();
        Map<String, String> labels = new LinkedHashMap<>(
                t.getMetadata().getLabels() == null ? Map.of() : t.getMetadata().getLabels());
        labels.put(Pods.TEMPLATE_HASH_LABEL, hash);
        Pod object = new PodBuilder()
                .withNewMetadata()
                .withName(d.getMetadata().getName() + "-" + hash + "-" + randomSuffix())
                .withNamespace(d.getMetadata().getNamespace())
                .withLabels(labels)
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
        object.getSpec().setNodeName(Pods.NODE_NAME);
        Pod made = client.pods()
                .inNamespace(object.getMetadata().getNamespace())
                .resource(object)
                .create();
        created.put(key(made), new Created(made, now));
        return made;
    }

    /** Deletes gracefully, as a cluster's controllers do: the kubelet drains the pod, then removes it. */
    private void delete(Pod pod, String why) {
        if (!deleted.add(key(pod))) {
            return;
        }
        LOG.info("pod {}: deleting it ({})", key(pod), why);
        try {
            client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .delete();
        } catch (KubernetesClientException e) {
            LOG.debug("pod {} already gone: {}", key(pod), e.getMessage());
        }
    }

    private void publishStatus(Deployment d) {
        String hash = templateHash(d.getSpec().getTemplate());
        int desired = replicas(d);
        List<Pod> mine = active(d);
        int replicas = mine.size();
        int updated = (int) mine.stream().filter(p -> hash.equals(hashOf(p))).count();
        int ready = (int) mine.stream().filter(Pods::ready).count();
        int updatedReady = (int) mine.stream()
                .filter(p -> hash.equals(hashOf(p)) && Pods.ready(p))
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
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        String name = d.getMetadata().getName();
        List<DeploymentCondition> conditions = List.of(
                condition(
                        "Available",
                        ready >= desired,
                        ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                        ready >= desired
                                ? "Deployment has minimum availability."
                                : "Deployment does not have minimum availability.",
                        now),
                condition(
                        "Progressing",
                        true,
                        complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                        complete
                                ? "Deployment " + name + " has successfully progressed."
                                : "Deployment " + name + " is progressing.",
                        now));
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
                    .withName(name)
                    .editStatus(x -> {
                        x.setStatus(status);
                        return x;
                    });
        } catch (KubernetesClientException e) {
            LOG.debug("cannot write the status of deployment {}: {}", key(d), e.getMessage());
        }
    }

    private static DeploymentCondition condition(
            String type, boolean status, String reason, String message, String now) {
        return new DeploymentConditionBuilder()
                .withType(type)
                .withStatus(status ? "True" : "False")
                .withReason(reason)
                .withMessage(message)
                .withLastUpdateTime(now)
                .withLastTransitionTime(now)
                .build();
    }

    private static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    private static String hashOf(Pod p) {
        return p.getMetadata().getLabels() == null
                ? null
                : p.getMetadata().getLabels().get(Pods.TEMPLATE_HASH_LABEL);
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

    /** A short digest of the pod template, as a ReplicaSet's pod-template-hash. */
    public static String templateHash(PodTemplateSpec template) {
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
