package dev.slb.local.pods;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pod's mounted volumes, as files under the pod's directory (which stands in for the
 * container's root filesystem): Secret and ConfigMap keys become files at the mount path,
 * emptyDir an empty directory. Re-syncing rewrites only the files whose content changed, and
 * atomically, as the kubelet updates mounted Secrets (the proxy's certificate watcher notices).
 */
final class PodVolumes {

    private PodVolumes() {}

    /** Writes every volume the container mounts; a missing optional source leaves an empty directory. */
    static void sync(KubernetesClient client, String namespace, PodSpec spec, Container container, Path root)
            throws IOException {
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = spec.getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName()))
                    .findFirst()
                    .orElse(null);
            Path dir = under(root, mount.getMountPath());
            Files.createDirectories(dir);
            if (volume == null) {
                continue;
            }
            Map<String, byte[]> files = new LinkedHashMap<>();
            if (volume.getSecret() != null) {
                Secret secret = client.secrets()
                        .inNamespace(namespace)
                        .withName(volume.getSecret().getSecretName())
                        .get();
                if (secret != null && secret.getData() != null) {
                    secret.getData()
                            .forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
                }
                if (secret != null && secret.getStringData() != null) {
                    secret.getStringData().forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
                }
            } else if (volume.getConfigMap() != null) {
                ConfigMap map = client.configMaps()
                        .inNamespace(namespace)
                        .withName(volume.getConfigMap().getName())
                        .get();
                if (map != null && map.getData() != null) {
                    map.getData().forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
                }
                if (map != null && map.getBinaryData() != null) {
                    map.getBinaryData()
                            .forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
                }
            }
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                write(dir.resolve(file.getKey()), file.getValue());
            }
        }
    }

    /** {@code root} + an absolute path inside the container. */
    static Path under(Path root, String containerPath) {
        return root.resolve(containerPath.replaceFirst("^/+", ""));
    }

    private static void write(Path file, byte[] content) throws IOException {
        if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), content)) {
            return;
        }
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(temp, content);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
