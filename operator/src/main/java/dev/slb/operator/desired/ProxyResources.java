package dev.slb.operator.desired;

import dev.slb.model.ProxyConfig;
import dev.slb.model.ProxyContract;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Tier;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Kubernetes resources of one LoadBalancer's proxy fleet, one pure function each: a dependent
 * resource's {@code desired()} is one call here. Every input is a normalized, valid LoadBalancer.
 */
public final class ProxyResources {
    /** The proxy runs as this user and group, never root. */
    public static final long PROXY_UID = 10001;

    static final String TMP_VOLUME = "tmp";
    private static final Pattern VOLUME_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final int SECRET_FILE_MODE = 0440;

    private ProxyResources() {}

    /** The ConfigMap the proxies watch: the rendered config under {@value Names#CONFIG_KEY}, its version annotated. */
    public static ConfigMap configMap(LoadBalancer lb, ProxyConfig config) {
        return new ConfigMapBuilder()
                .withMetadata(metadata(
                        lb, Names.configMap(name(lb)), Map.of(Names.CONFIG_VERSION_ANNOTATION, config.version())))
                .addToData(Names.CONFIG_KEY, ProxyConfigs.yaml(config))
                .build();
    }

    /**
     * The proxy Deployment. Its pod template holds nothing a tier or a config change touches
     * (those reach running proxies through the ConfigMap and the replica count), so only a new
     * image, a new set of TLS Secrets or a new set of pod ports rolls the pods — one at a time,
     * never below the wanted count (maxUnavailable 0, maxSurge 1).
     */
    public static Deployment deployment(LoadBalancer lb, Tier inEffect, OperatorSettings settings) {
        String name = name(lb);
        List<ListenerSpec> listeners = lb.getSpec().listeners;
        SortedSet<String> secrets = secretNames(lb);

        List<ContainerPort> ports = listeners.stream()
                .sorted(Comparator.comparingInt(l -> ProxyConfigs.podPort(l.port)))
                // Unnamed: a port name would carry the listener name into the pod template, and a
                // rename, which the proxy applies by reload, would roll every pod.
                .map(l -> new ContainerPortBuilder()
                        .withContainerPort(ProxyConfigs.podPort(l.port))
                        .withProtocol("TCP")
                        .build())
                .collect(Collectors.toCollection(ArrayList::new));
        ports.add(new ContainerPortBuilder()
                .withName(Names.ADMIN_PORT_NAME)
                .withContainerPort(ProxyConfigs.ADMIN_PORT)
                .withProtocol("TCP")
                .build());

        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        // Netty unpacks its native epoll and BoringSSL libraries here; on a read-only root with no
        // writable /tmp it falls back, silently, to NIO and JDK TLS.
        volumes.add(new VolumeBuilder()
                .withName(TMP_VOLUME)
                .withNewEmptyDir()
                .endEmptyDir()
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName(TMP_VOLUME)
                .withMountPath("/tmp")
                .build());
        for (String secret : secrets) {
            // The whole Secret as a directory, never subPath: only then does a renewed certificate reach the pod.
            volumes.add(new VolumeBuilder()
                    .withName(tlsVolumeName(secret))
                    .withNewSecret()
                    .withSecretName(secret)
                    .withDefaultMode(SECRET_FILE_MODE)
                    // Optional: a Secret deleted to be re-created must not keep pods from starting;
                    // the operator leaves its listeners out of the config meanwhile.
                    .withOptional(true)
                    .endSecret()
                    .build());
            mounts.add(new VolumeMountBuilder()
                    .withName(tlsVolumeName(secret))
                    .withMountPath(ProxyConfigs.tlsDirectory(secret))
                    .withReadOnly(true)
                    .build());
        }

        // The builder is indented as the YAML it makes; the formatter would flatten it.
        // spotless:off
        return new DeploymentBuilder()
                .withMetadata(metadata(lb, Names.deployment(name), Map.of()))
                .withNewSpec()
                    .withReplicas(Sizing.of(inEffect).replicas())
                    .withNewSelector().withMatchLabels(Names.selector(name)).endSelector()
                    .withNewStrategy()
                        .withType("RollingUpdate")
                        .withNewRollingUpdate()
                            .withMaxUnavailable(new IntOrString(0))
                            .withMaxSurge(new IntOrString(1))
                        .endRollingUpdate()
                    .endStrategy()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(Names.labels(name))
                            .addToAnnotations(Names.POD_TEMPLATE_CHECKSUM_ANNOTATION,
                                    podTemplateChecksum(lb, settings))
                        .endMetadata()
                        .withNewSpec()
                            .withServiceAccountName(Names.serviceAccount(name))
                            .withTerminationGracePeriodSeconds(settings.terminationGracePeriod().toSeconds())
                            .withNewSecurityContext()
                                .withRunAsNonRoot(true)
                                .withRunAsUser(PROXY_UID)
                                .withRunAsGroup(PROXY_UID)
                                .withFsGroup(PROXY_UID)
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                            .endSecurityContext()
                            .addNewContainer()
                                .withName(Names.CONTAINER)
                                .withImage(settings.proxyImage())
                                .withImagePullPolicy(settings.imagePullPolicy())
                                .withArgs("--configmap", lb.getMetadata().getNamespace() + "/" + Names.configMap(name))
                                .withEnv(fieldRef("POD_NAME", "metadata.name"),
                                        fieldRef("POD_NAMESPACE", "metadata.namespace"))
                                .withPorts(ports)
                                .withStartupProbe(httpProbe(ProxyContract.HEALTHZ_PATH, 1, 60))
                                .withReadinessProbe(httpProbe(ProxyContract.READYZ_PATH, 2, 1))
                                .withLivenessProbe(httpProbe(ProxyContract.HEALTHZ_PATH, 10, 3))
                                .withResources(new ResourceRequirementsBuilder()
                                        .addToRequests("cpu", new Quantity(settings.cpuRequest()))
                                        .addToRequests("memory", new Quantity(settings.memoryRequest()))
                                        .addToLimits("cpu", new Quantity(settings.cpuLimit()))
                                        .addToLimits("memory", new Quantity(settings.memoryLimit()))
                                        .build())
                                .withNewSecurityContext()
                                    .withReadOnlyRootFilesystem(true)
                                    .withAllowPrivilegeEscalation(false)
                                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                                .endSecurityContext()
                                .withVolumeMounts(mounts)
                            .endContainer()
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
        // spotless:on
    }

    /**
     * A hash of exactly what needs new pods: the image, the set of TLS Secret names and the set of
     * pod ports. Not the config version, the replica count or the limits, so a tier change or a
     * backend change never restarts a running pod.
     */
    public static String podTemplateChecksum(LoadBalancer lb, OperatorSettings settings) {
        SortedSet<Integer> podPorts = new TreeSet<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            podPorts.add(ProxyConfigs.podPort(l.port));
        }
        return Hashes.of("image=" + settings.proxyImage() + "\nsecrets=" + String.join(",", secretNames(lb))
                + "\nports=" + podPorts.stream().map(String::valueOf).collect(Collectors.joining(",")) + "\n");
    }

    /** The Service: each listener port mapped to its pod port, type from spec.serviceType. */
    public static Service service(LoadBalancer lb) {
        String name = name(lb);
        List<ServicePort> ports = lb.getSpec().listeners.stream()
                .map(l -> new ServicePortBuilder()
                        .withName(l.name)
                        .withProtocol("TCP")
                        .withPort(l.port)
                        .withTargetPort(new IntOrString(ProxyConfigs.podPort(l.port)))
                        .build())
                .toList();
        return new ServiceBuilder()
                .withMetadata(metadata(lb, Names.service(name), Map.of()))
                .withNewSpec()
                .withType(lb.getSpec().serviceType.name())
                .withSelector(Names.selector(name))
                .withPorts(ports)
                .endSpec()
                .build();
    }

    /** The proxies' own identity, so their Role can be theirs alone. */
    public static ServiceAccount serviceAccount(LoadBalancer lb) {
        return new ServiceAccountBuilder()
                .withMetadata(metadata(lb, Names.serviceAccount(name(lb)), Map.of()))
                .build();
    }

    /** Read and watch this instance's config ConfigMap, and nothing else. */
    public static Role role(LoadBalancer lb) {
        String name = name(lb);
        return new RoleBuilder()
                .withMetadata(metadata(lb, Names.role(name), Map.of()))
                .addNewRule()
                .withApiGroups("")
                .withResources("configmaps")
                .withResourceNames(Names.configMap(name))
                .withVerbs("get", "list", "watch")
                .endRule()
                .build();
    }

    public static RoleBinding roleBinding(LoadBalancer lb) {
        String name = name(lb);
        return new RoleBindingBuilder()
                .withMetadata(metadata(lb, Names.roleBinding(name), Map.of()))
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("Role")
                .withName(Names.role(name))
                .endRoleRef()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(Names.serviceAccount(name))
                .withNamespace(lb.getMetadata().getNamespace())
                .endSubject()
                .build();
    }

    /** At most one proxy down at a time for voluntary disruptions; none for a single replica, which it would pin. */
    public static Optional<PodDisruptionBudget> podDisruptionBudget(LoadBalancer lb, Tier inEffect) {
        if (Sizing.of(inEffect).replicas() <= 1) {
            return Optional.empty();
        }
        String name = name(lb);
        return Optional.of(new PodDisruptionBudgetBuilder()
                .withMetadata(metadata(lb, Names.podDisruptionBudget(name), Map.of()))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector()
                .withMatchLabels(Names.selector(name))
                .endSelector()
                .endSpec()
                .build());
    }

    /** The owner reference every resource carries, so deleting the LoadBalancer deletes them. */
    public static OwnerReference ownerReference(LoadBalancer lb) {
        return new OwnerReferenceBuilder()
                .withApiVersion(lb.getApiVersion())
                .withKind(lb.getKind())
                .withName(lb.getMetadata().getName())
                .withUid(lb.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** The distinct TLS Secret names, sorted. */
    static SortedSet<String> secretNames(LoadBalancer lb) {
        SortedSet<String> secrets = new TreeSet<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            if (l.tls != null) {
                secrets.add(l.tls.secretName);
            }
        }
        return secrets;
    }

    /** A volume name is a DNS label (no dots, at most 63); a Secret name that is not one is hashed. */
    static String tlsVolumeName(String secretName) {
        String candidate = "tls-" + secretName;
        return candidate.length() <= 63 && VOLUME_NAME.matcher(candidate).matches()
                ? candidate
                : "tls-" + Hashes.of(secretName);
    }

    private static Probe httpProbe(String path, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath(path)
                .withPort(new IntOrString(Names.ADMIN_PORT_NAME))
                .endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    private static EnvVar fieldRef(String name, String fieldPath) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath(fieldPath)
                .endFieldRef()
                .endValueFrom()
                .build();
    }

    private static ObjectMeta metadata(LoadBalancer lb, String name, Map<String, String> annotations) {
        ObjectMetaBuilder meta = new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(lb.getMetadata().getNamespace())
                .withLabels(Names.labels(name(lb)))
                .withOwnerReferences(ownerReference(lb));
        if (!annotations.isEmpty()) {
            meta.withAnnotations(annotations);
        }
        return meta.build();
    }

    private static String name(LoadBalancer lb) {
        return lb.getMetadata().getName();
    }
}
