package dev.slb.operator.desired;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.model.ProxyConfig;
import dev.slb.model.ProxyContract;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.ServiceType;
import dev.slb.operator.api.Tier;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The Kubernetes resources of one LoadBalancer's proxy fleet, one pure function each: a dependent
 * resource's {@code desired()} is one call here. Every input is a normalized, valid LoadBalancer.
 */
public final class ProxyResources {
    /** The proxy runs as this user and group, never root. */
    public static final long PROXY_UID = 10001;

    static final String TMP_VOLUME = "tmp";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProxyResources() {}

    /**
     * The ConfigMap the proxies watch: the rendered config under {@value Names#CONFIG_KEY}, its
     * version and the tier in effect annotated (the operator reads the tier back from here).
     */
    public static ConfigMap configMap(LoadBalancer lb, ProxyConfig config, Tier inEffect) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Names.CONFIG_VERSION_ANNOTATION, config.version());
        annotations.put(Names.TIER_ANNOTATION, inEffect.wireName());
        return new ConfigMapBuilder()
                .withMetadata(metadata(lb, Names.configMap(name(lb)), annotations))
                .addToData(Names.CONFIG_KEY, ProxyConfigs.yaml(config))
                .build();
    }

    /**
     * The proxy Deployment. Its pod template holds only what needs a new process: the image, the
     * pod's size and its drain window. Listeners, ports, backends, timeouts, the tier's limits and
     * TLS certificates (Secrets read through the API by name) reach running proxies through the
     * ConfigMap, and the tier's replica count through {@code replicas}, so none of them rolls a
     * pod. When the template does change, pods roll one at a time, never below the wanted count
     * (maxUnavailable 0, maxSurge 1), each draining before it stops.
     */
    public static Deployment deployment(LoadBalancer lb, Tier inEffect, OperatorSettings settings) {
        String name = name(lb);
        // Only the admin port is declared (probes name it). Listener ports are not: declaring them
        // would put the set of ports into the template, and a listener added by reload would roll
        // every pod; the Service targets pod ports by number, which needs no declaration (UDP ports
        // alike: a pod receives on any port, declared or not).
        List<ContainerPort> ports = List.of(new ContainerPortBuilder()
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
        // The builder is indented as the YAML it makes; the formatter would flatten it.
        // spotless:off
        Deployment deployment = new DeploymentBuilder()
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
                        .endMetadata()
                        .withNewSpec()
                            .withServiceAccountName(Names.serviceAccount(name))
                            .withTerminationGracePeriodSeconds(
                                    settings.forInstance(lb.getSpec()).terminationGracePeriod().toSeconds())
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
        deployment
                .getSpec()
                .getTemplate()
                .getMetadata()
                .setAnnotations(new LinkedHashMap<>(Map.of(
                        Names.POD_TEMPLATE_CHECKSUM_ANNOTATION,
                        podTemplateChecksum(deployment.getSpec().getTemplate()))));
        return deployment;
    }

    /**
     * A hash of the pod template as rendered (without this annotation): it changes exactly when the
     * pods must be replaced, so the operator can tell a roll from any other update and say so.
     */
    public static String podTemplateChecksum(PodTemplateSpec template) {
        // On the JSON tree, not on a copy read back into a PodTemplateSpec: the same text, so the same
        // hash (an operator upgrade rolls no pod), without a bean round trip that was a twentieth of
        // the operator's CPU when creating LoadBalancers.
        try {
            ObjectNode tree = JSON.valueToTree(template);
            if (tree.path("metadata").path("annotations") instanceof ObjectNode annotations) {
                annotations.remove(Names.POD_TEMPLATE_CHECKSUM_ANNOTATION);
                if (annotations.isEmpty()) {
                    // As the model leaves out an empty map.
                    ((ObjectNode) tree.get("metadata")).remove("annotations");
                }
            }
            return Hashes.of(JSON.writeValueAsString(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a pod template always serializes", e);
        }
    }

    /** The checksum a Deployment's pod template carries, if any. */
    public static Optional<String> podTemplateChecksum(Deployment deployment) {
        if (deployment.getSpec() == null
                || deployment.getSpec().getTemplate() == null
                || deployment.getSpec().getTemplate().getMetadata() == null
                || deployment.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(deployment
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get(Names.POD_TEMPLATE_CHECKSUM_ANNOTATION));
    }

    /**
     * The Service: each listener port mapped to its pod port over the listener's transport (TCP, or UDP beside TCP
     * on one Service: a mixed-protocol LoadBalancer Service, in Kubernetes since 1.26), type and external traffic
     * policy from the spec. Ports are named by listener, and a Service keys them by port and protocol, so a TCP
     * and a UDP listener on 53 are two ports of it.
     */
    public static Service service(LoadBalancer lb) {
        String name = name(lb);
        List<ServicePort> ports = lb.getSpec().listeners.stream()
                .map(l -> new ServicePortBuilder()
                        .withName(l.name)
                        .withProtocol(l.protocol.transport())
                        .withPort(l.port)
                        .withTargetPort(new IntOrString(ProxyConfigs.podPort(l.port)))
                        .build())
                .toList();
        String proxyProtocolPorts = lb.getSpec().listeners.stream()
                .filter(l -> Boolean.TRUE.equals(l.proxyProtocol))
                .map(l -> l.name)
                .collect(java.util.stream.Collectors.joining(","));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Names.PROXY_PROTOCOL_PORTS_ANNOTATION, proxyProtocolPorts);
        annotations.putAll(ServiceAnnotations.of(lb.getSpec()));
        return new ServiceBuilder()
                .withMetadata(metadata(lb, Names.service(name), annotations))
                .withNewSpec()
                .withType(lb.getSpec().serviceType.name())
                // Kubernetes takes the policy only on Services that take external traffic.
                .withExternalTrafficPolicy(
                        lb.getSpec().serviceType == ServiceType.ClusterIP
                                ? null
                                : lb.getSpec().externalTrafficPolicy.name())
                .withSelector(Names.selector(name))
                .withPorts(ports)
                .endSpec()
                .build();
    }

    /**
     * The addresses a Service's load balancer gives it ({@code status.loadBalancer.ingress[]}: each
     * entry's ip, else its hostname), in its order; empty while it has none.
     */
    public static List<String> ingressAddresses(Service service) {
        List<String> addresses = new ArrayList<>();
        if (service.getStatus() != null
                && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress ingress :
                    service.getStatus().getLoadBalancer().getIngress()) {
                if (ingress.getIp() != null && !ingress.getIp().isEmpty()) {
                    addresses.add(ingress.getIp());
                } else if (ingress.getHostname() != null
                        && !ingress.getHostname().isEmpty()) {
                    addresses.add(ingress.getHostname());
                }
            }
        }
        return addresses;
    }

    /** The proxies' own identity, so their Role can be theirs alone. */
    public static ServiceAccount serviceAccount(LoadBalancer lb) {
        return new ServiceAccountBuilder()
                .withMetadata(metadata(lb, Names.serviceAccount(name(lb)), Map.of()))
                .build();
    }

    /**
     * Read and watch this instance's config ConfigMap and the TLS Secrets its listeners name, each
     * by name, and nothing else: the proxies read both through the API (list and watch with a
     * metadata.name field selector, which resourceNames allow).
     */
    public static Role role(LoadBalancer lb) {
        String name = name(lb);
        RoleBuilder role = new RoleBuilder()
                .withMetadata(metadata(lb, Names.role(name), Map.of()))
                .addNewRule()
                .withApiGroups("")
                .withResources("configmaps")
                .withResourceNames(Names.configMap(name))
                .withVerbs("get", "list", "watch")
                .endRule();
        SortedSet<String> secrets = secretNames(lb);
        if (!secrets.isEmpty()) {
            role.addNewRule()
                    .withApiGroups("")
                    .withResources("secrets")
                    .withResourceNames(List.copyOf(secrets))
                    .withVerbs("get", "list", "watch")
                    .endRule();
        }
        return role.build();
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
        return new TreeSet<>(References.secrets(lb));
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
