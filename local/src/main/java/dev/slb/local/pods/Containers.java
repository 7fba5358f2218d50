package dev.slb.local.pods;

import dev.slb.local.containers.PodmanRun;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pods run as containers through podman ({@code local/bin/up --containers}): each pod's first
 * container from its image, as {@link PodmanRun} turns the pod spec into podman's arguments, on
 * the host's network with the pod's own address ({@code --bind-address}), the API server reached
 * through a mounted kubeconfig. {@code podman run} stays in the foreground, so the kubelet handles
 * it as a process: SIGTERM reaches the container through podman's signal proxy, and the container
 * is removed when it ends. Every container carries the label of the state directory it belongs
 * to, and a run first removes what an earlier run with that directory left, had it died.
 *
 * @param state the value of {@link #LABEL}: one per state directory
 * @param kubeconfig a kubeconfig for the API server, readable by the containers' users
 * @param podmanEnvironment for podman itself (e.g. {@code CONTAINERS_CONF})
 * @param images what podman runs for an image a pod names (e.g. the ID a build made, when other
 *     builds may move the tag); an image not in it runs as named
 */
public record Containers(
        String state, Path kubeconfig, Map<String, String> podmanEnvironment, Map<String, String> images) {

    private static final Logger LOG = LoggerFactory.getLogger(Containers.class);
    public static final String LABEL = "slb.dev/local-state";
    static final String KUBECONFIG_IN_CONTAINER = "/var/run/slb/kubeconfig";

    /** The command that runs the pod's container in the foreground. */
    List<String> command(String namespace, String pod, PodSpec spec, String ip, Path root) {
        Container c = spec.getContainers().get(0);
        Map<String, Path> volumes = new LinkedHashMap<>();
        for (VolumeMount mount : c.getVolumeMounts()) {
            for (Volume v : spec.getVolumes()) {
                if (v.getName().equals(mount.getName()) && (v.getSecret() != null || v.getConfigMap() != null)) {
                    volumes.put(v.getName(), PodVolumes.under(root, mount.getMountPath()));
                }
            }
        }
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(PodmanRun.arguments(
                spec,
                c,
                new PodmanRun.Placement(
                        name(namespace, pod),
                        images.getOrDefault(c.getImage(), c.getImage()),
                        namespace,
                        pod,
                        ip,
                        volumes,
                        List.of(new PodmanRun.Mount(kubeconfig, KUBECONFIG_IN_CONTAINER, true)),
                        Map.of("KUBECONFIG", KUBECONFIG_IN_CONTAINER),
                        List.of("--rm", "--sig-proxy=true", "--label=" + LABEL + "=" + state),
                        List.of("--bind-address", ip))));
        return command;
    }

    static String name(String namespace, String pod) {
        return "slb-local-" + namespace + "-" + pod;
    }

    /** Removes the container at once (SIGKILL), if it is still there. */
    void remove(String namespace, String pod) {
        podman("rm", "--force", "--time", "0", name(namespace, pod));
    }

    /** Removes every container an earlier run with this state directory left behind. */
    public void removeLeftovers() {
        String ids = podman("ps", "--all", "--quiet", "--filter", "label=" + LABEL + "=" + state);
        for (String id : ids.lines().filter(l -> !l.isBlank()).toList()) {
            LOG.warn("removing container {}, left by an earlier run that did not stop it", id);
            podman("rm", "--force", "--time", "0", id);
        }
    }

    /** Runs podman to the end (at most 60 s); its output, or "" when it failed. */
    private String podman(String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(podmanEnvironment);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return p.exitValue() == 0 ? new String(out) : "";
        } catch (IOException e) {
            LOG.warn("podman {} failed: {}", String.join(" ", args), e.getMessage());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
