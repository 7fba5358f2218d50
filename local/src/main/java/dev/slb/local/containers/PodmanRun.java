package dev.slb.local.containers;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The {@code podman run} arguments that run one container of a pod the way a kubelet runs it:
 * the image's entrypoint with the container's command and arguments, its environment, its
 * volumes, the pod's and the container's security context, its resource limits and its
 * termination grace period.
 *
 * <p>What differs from a cluster, on purpose: the container shares the host's network (a pod
 * here stands on a loopback address of its own, given to it by the caller, as local/'s process
 * pods do), so container ports are not published; an emptyDir is a tmpfs; Secret and ConfigMap
 * volumes are directories the caller has written; the service account's token mount is left to
 * the caller (local/'s API server is plain HTTP on loopback, reached with a kubeconfig). A pod
 * that uses anything else (other volume types, environment from Secrets, a seccomp profile file)
 * is refused with the list of what cannot be run, rather than run differently.
 */
public final class PodmanRun {

    /** One extra bind mount, such as the kubeconfig that stands for the service account. */
    public record Mount(Path source, String destination, boolean readOnly) {
        public Mount {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(destination, "destination");
        }
    }

    /**
     * Where and how this pod's container runs.
     *
     * @param containerName the podman container name
     * @param image         the image to run: the container's image, or the ID it was resolved to
     * @param namespace     the pod's namespace (the downward API's {@code metadata.namespace})
     * @param podName       the pod's name ({@code metadata.name}, and the container's host name)
     * @param podIp         the pod's address ({@code status.podIP})
     * @param volumes       host directories holding the pod's Secret and ConfigMap volumes, by volume name
     * @param extraMounts   bind mounts the kubelet would add (none of the pod spec's)
     * @param extraEnv      variables the kubelet would add, e.g. {@code KUBECONFIG} for the API server
     * @param extraOptions  podman options added before the image, e.g. {@code --rm} or labels
     * @param extraArgs     arguments added after the container's own, e.g. {@code --bind-address IP}
     */
    public record Placement(
            String containerName,
            String image,
            String namespace,
            String podName,
            String podIp,
            Map<String, Path> volumes,
            List<Mount> extraMounts,
            Map<String, String> extraEnv,
            List<String> extraOptions,
            List<String> extraArgs) {
        public Placement {
            Objects.requireNonNull(containerName, "containerName");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(podName, "podName");
            Objects.requireNonNull(podIp, "podIp");
            volumes = Map.copyOf(volumes);
            extraMounts = List.copyOf(extraMounts);
            extraEnv = new LinkedHashMap<>(extraEnv);
            extraOptions = List.copyOf(extraOptions);
            extraArgs = List.copyOf(extraArgs);
        }
    }

    private PodmanRun() {}

    /**
     * The arguments after {@code podman}: {@code run}, the options, the image, then the
     * container's arguments and {@code extraArgs}.
     *
     * @throws IllegalArgumentException listing everything in the pod that cannot be run as a cluster would
     */
    public static List<String> arguments(PodSpec pod, Container container, Placement where) {
        List<String> problems = new ArrayList<>();
        List<String> run = new ArrayList<>(List.of("run", "--name", where.containerName()));
        run.add("--pull=" + pullPolicy(container.getImagePullPolicy(), problems));
        run.add("--network=host");
        run.add("--hostname=" + where.podName());
        run.add("--label=io.kubernetes.pod.namespace=" + where.namespace());
        run.add("--label=io.kubernetes.pod.name=" + where.podName());
        run.add("--label=io.kubernetes.container.name=" + container.getName());
        if (pod.getTerminationGracePeriodSeconds() != null) {
            // What `podman stop` waits between SIGTERM and SIGKILL, as the kubelet waits the grace period.
            run.add("--stop-timeout=" + pod.getTerminationGracePeriodSeconds());
        }
        security(pod.getSecurityContext(), container.getSecurityContext(), run, problems);
        resources(container, run, problems);
        volumes(pod, container, where, run, problems);
        for (Mount m : where.extraMounts()) {
            run.add(bind(m.source(), m.destination(), m.readOnly()));
        }
        for (Map.Entry<String, String> e :
                environment(container, where, problems).entrySet()) {
            run.add("--env=" + e.getKey() + "=" + e.getValue());
        }
        if (container.getWorkingDir() != null) {
            run.add("--workdir=" + container.getWorkingDir());
        }
        if (container.getCommand() != null && !container.getCommand().isEmpty()) {
            // podman takes a JSON array here; an overridden entrypoint drops the image's CMD, as in a cluster.
            run.add("--entrypoint=" + jsonArray(container.getCommand()));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("container " + container.getName() + " of pod " + where.namespace() + "/"
                    + where.podName() + " cannot be run as a cluster would: " + String.join("; ", problems));
        }
        run.addAll(where.extraOptions());
        run.add(where.image());
        if (container.getArgs() != null) {
            run.addAll(container.getArgs());
        }
        run.addAll(where.extraArgs());
        return run;
    }

    private static String pullPolicy(String policy, List<String> problems) {
        // No registry is needed when the image is present: IfNotPresent and Never never reach one.
        return switch (policy == null ? "IfNotPresent" : policy) {
            case "IfNotPresent" -> "missing";
            case "Never" -> "never";
            case "Always" -> "always";
            default -> {
                problems.add("imagePullPolicy " + policy + " is not Always, IfNotPresent or Never");
                yield "missing";
            }
        };
    }

    private static void security(
            PodSecurityContext pod, SecurityContext container, List<String> run, List<String> problems) {
        PodSecurityContext p = pod == null ? new PodSecurityContext() : pod;
        SecurityContext c = container == null ? new SecurityContext() : container;
        // The container's settings win over the pod's, field by field.
        Long user = c.getRunAsUser() != null ? c.getRunAsUser() : p.getRunAsUser();
        Long group = c.getRunAsGroup() != null ? c.getRunAsGroup() : p.getRunAsGroup();
        Boolean nonRoot = c.getRunAsNonRoot() != null ? c.getRunAsNonRoot() : p.getRunAsNonRoot();
        if (Boolean.TRUE.equals(nonRoot) && user == null) {
            // The kubelet would read the image's USER; a numeric user in the spec keeps this check here.
            problems.add("runAsNonRoot needs runAsUser set, so that it can be checked before the image runs");
        } else if (Boolean.TRUE.equals(nonRoot) && user == 0) {
            problems.add("runAsNonRoot is true but runAsUser is 0 (root); the kubelet refuses to start it");
        }
        if (user != null) {
            run.add("--user=" + user + (group == null ? "" : ":" + group));
        }
        TreeSet<Long> groups = new TreeSet<>();
        if (p.getFsGroup() != null) {
            // Volumes are group-owned by fsGroup, and the process gets it as a supplementary group.
            groups.add(p.getFsGroup());
        }
        if (p.getSupplementalGroups() != null) {
            groups.addAll(p.getSupplementalGroups());
        }
        for (Long g : groups) {
            run.add("--group-add=" + g);
        }
        if (Boolean.TRUE.equals(c.getReadOnlyRootFilesystem())) {
            // Without --read-only-tmpfs=false podman would mount writable tmpfs on /tmp, /var/tmp and
            // /run: only the pod's own volumes may be writable, or a missing /tmp volume goes unseen.
            run.add("--read-only");
            run.add("--read-only-tmpfs=false");
        }
        if (Boolean.TRUE.equals(c.getPrivileged())) {
            run.add("--privileged");
        }
        if (Boolean.FALSE.equals(c.getAllowPrivilegeEscalation())) {
            run.add("--security-opt=no-new-privileges");
        }
        Capabilities caps = c.getCapabilities();
        if (caps != null) {
            for (String drop : caps.getDrop()) {
                run.add("--cap-drop=" + drop);
            }
            for (String add : caps.getAdd()) {
                run.add("--cap-add=" + add);
            }
        }
        SeccompProfile seccomp = c.getSeccompProfile() != null ? c.getSeccompProfile() : p.getSeccompProfile();
        if (seccomp != null) {
            switch (seccomp.getType()) {
                case "RuntimeDefault" -> {} // podman's own default profile is the runtime default
                case "Unconfined" -> run.add("--security-opt=seccomp=unconfined");
                default -> problems.add("seccompProfile " + seccomp.getType() + " (a profile file) is not supported");
            }
        }
    }

    private static void resources(Container c, List<String> run, List<String> problems) {
        if (c.getResources() == null) {
            return;
        }
        Map<String, Quantity> limits = c.getResources().getLimits();
        Map<String, Quantity> requests = c.getResources().getRequests();
        if (limits != null && limits.get("cpu") != null) {
            run.add("--cpus=" + cores(limits.get("cpu")).toPlainString());
        }
        if (limits != null && limits.get("memory") != null) {
            run.add("--memory="
                    + Quantity.getAmountInBytes(limits.get("memory")).toBigInteger());
        }
        if (requests != null && requests.get("cpu") != null) {
            // The kubelet's weight for a CPU request: 1024 shares per core, at least 2.
            long shares = Math.max(
                    2,
                    cores(requests.get("cpu"))
                            .multiply(BigDecimal.valueOf(1024))
                            .setScale(0, RoundingMode.DOWN)
                            .longValue());
            run.add("--cpu-shares=" + shares);
        }
        for (Map<String, Quantity> m : Arrays.asList(limits, requests)) {
            if (m != null) {
                for (String resource : m.keySet()) {
                    if (!resource.equals("cpu") && !resource.equals("memory")) {
                        problems.add("resource " + resource + " is not supported");
                    }
                }
            }
        }
    }

    private static BigDecimal cores(Quantity cpu) {
        return Quantity.getAmountInBytes(cpu).setScale(3, RoundingMode.UP).stripTrailingZeros();
    }

    private static void volumes(PodSpec pod, Container c, Placement where, List<String> run, List<String> problems) {
        Map<String, Volume> byName = new LinkedHashMap<>();
        if (pod.getVolumes() != null) {
            for (Volume v : pod.getVolumes()) {
                byName.put(v.getName(), v);
            }
        }
        if (c.getVolumeMounts() == null) {
            return;
        }
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = byName.get(m.getName());
            boolean readOnly = Boolean.TRUE.equals(m.getReadOnly());
            if (v == null) {
                problems.add("volumeMount " + m.getName() + " names no volume of the pod");
            } else if (m.getSubPath() != null && !m.getSubPath().isEmpty()) {
                problems.add("volumeMount " + m.getName() + " uses subPath, which is not supported");
            } else if (v.getEmptyDir() != null) {
                run.add(tmpfs(m.getMountPath(), v.getEmptyDir(), readOnly));
            } else if (v.getSecret() != null || v.getConfigMap() != null) {
                Path dir = where.volumes().get(v.getName());
                if (dir == null) {
                    problems.add("volume " + v.getName() + " has no directory written for it");
                } else {
                    // Secret and ConfigMap volumes are read-only in every cluster since Kubernetes 1.10.
                    run.add(bind(dir, m.getMountPath(), true));
                }
            } else {
                problems.add("volume " + v.getName() + " is neither an emptyDir, a Secret nor a ConfigMap");
            }
        }
    }

    private static String tmpfs(String path, EmptyDirVolumeSource emptyDir, boolean readOnly) {
        // A kubelet creates an emptyDir with mode 0777; exec stays allowed (Netty loads its native
        // libraries from /tmp), as on a node's disk.
        StringBuilder sb = new StringBuilder("--mount=type=tmpfs,destination=")
                .append(path)
                .append(",tmpfs-mode=0777");
        if (emptyDir.getSizeLimit() != null) {
            sb.append(",tmpfs-size=")
                    .append(Quantity.getAmountInBytes(emptyDir.getSizeLimit()).toBigInteger());
        }
        if (readOnly) {
            sb.append(",ro=true");
        }
        return sb.toString();
    }

    private static String bind(Path source, String destination, boolean readOnly) {
        return "--mount=type=bind,source=" + source.toAbsolutePath() + ",destination=" + destination
                + (readOnly ? ",ro=true" : "");
    }

    private static Map<String, String> environment(Container c, Placement where, List<String> problems) {
        Map<String, String> env = new LinkedHashMap<>();
        if (c.getEnvFrom() != null && !c.getEnvFrom().isEmpty()) {
            problems.add("envFrom is not supported");
        }
        if (c.getEnv() != null) {
            for (EnvVar e : c.getEnv()) {
                if (e.getValueFrom() == null) {
                    env.put(e.getName(), e.getValue() == null ? "" : e.getValue());
                } else if (e.getValueFrom().getFieldRef() != null) {
                    String field = e.getValueFrom().getFieldRef().getFieldPath();
                    switch (field) {
                        case "metadata.name" -> env.put(e.getName(), where.podName());
                        case "metadata.namespace" -> env.put(e.getName(), where.namespace());
                        case "status.podIP" -> env.put(e.getName(), where.podIp());
                        default -> problems.add("env " + e.getName() + " from field " + field + " is not supported");
                    }
                } else {
                    problems.add("env " + e.getName() + " from a Secret, ConfigMap or resource is not supported");
                }
            }
        }
        env.putAll(where.extraEnv());
        return env;
    }

    private static String jsonArray(List<String> items) {
        return items.stream()
                .map(s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"')
                .collect(Collectors.joining(",", "[", "]"));
    }
}
