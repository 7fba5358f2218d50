package dev.slb.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** An image's config as podman reports it (user, entrypoint, ports, working directory), and a pod's writable paths. */
final class TestingImageConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestingImageConfig() {}

    /** The {@code Config} of {@code podman image inspect IMAGE}. */
    static JsonNode of(String image) throws IOException, InterruptedException {
        String out = TestingPodman.podman(Duration.ofSeconds(30), "image", "inspect", image)
                .ok()
                .out();
        return JSON.readTree(out).get(0).path("Config");
    }

    static List<String> entrypoint(JsonNode config) {
        return strings(config.path("Entrypoint"));
    }

    static String user(JsonNode config) {
        return config.path("User").asText();
    }

    static String workingDir(JsonNode config) {
        return config.path("WorkingDir").asText();
    }

    /** {@code 9901/tcp} and the like. */
    static List<String> exposedPorts(JsonNode config) {
        List<String> ports = new ArrayList<>();
        config.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        return ports;
    }

    /** Where the container may write: its mounts of writable volumes (emptyDirs not mounted read-only). */
    static List<String> writableMounts(PodSpec pod, Container container) {
        List<String> paths = new ArrayList<>();
        for (VolumeMount m : container.getVolumeMounts()) {
            Volume v = pod.getVolumes().stream()
                    .filter(x -> x.getName().equals(m.getName()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + m.getName()));
            if (v.getEmptyDir() != null && !Boolean.TRUE.equals(m.getReadOnly())) {
                paths.add(m.getMountPath());
            }
        }
        return paths;
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return list;
    }
}
