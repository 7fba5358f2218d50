package dev.slb.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * A Secret or ConfigMap volume as a kubelet writes it on the node: each key a file in a
 * timestamped folder, {@code ..data} linking to that folder, each key's name linking through
 * {@code ..data}; an update swaps {@code ..data} with one rename. Files get the volume's mode and,
 * with an fsGroup, that group, so the container's user reads them through its group as in a pod.
 */
final class TestingVolume {
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");

    private final Path dir;
    private final int mode;
    private final Long group;
    private int generation;

    private TestingVolume(Path dir, int mode, Long group) {
        this.dir = dir;
        this.mode = mode;
        this.group = group;
    }

    /** A volume in {@code dir} (created) holding {@code files}, each with {@code mode}, owned by {@code group} if not null. */
    static TestingVolume write(Path dir, Map<String, byte[]> files, int mode, Long group) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, DIRECTORY);
        TestingVolume volume = new TestingVolume(dir, mode, group);
        volume.update(files);
        for (String key : files.keySet()) {
            Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
        }
        return volume;
    }

    static Map<String, byte[]> text(Map<String, String> files) {
        return files.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, e -> e.getValue().getBytes(StandardCharsets.UTF_8)));
    }

    Path dir() {
        return dir;
    }

    /** New contents for the same keys, swapped in at one instant. */
    void update(Map<String, byte[]> files) throws IOException {
        Path previous = Files.exists(dir.resolve("..data"), java.nio.file.LinkOption.NOFOLLOW_LINKS)
                ? dir.resolve(Files.readSymbolicLink(dir.resolve("..data")))
                : null;
        Path next = dir.resolve("..2026_12_07_00_00_00." + generation++);
        Files.createDirectory(next);
        Files.setPosixFilePermissions(next, DIRECTORY);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path file = next.resolve(f.getKey());
            Files.write(file, f.getValue());
            Files.setPosixFilePermissions(file, permissions(mode));
            if (group != null) {
                Files.setAttribute(file, "unix:gid", group.intValue());
            }
        }
        Path link = dir.resolve("..data_tmp");
        Files.createSymbolicLink(link, next.getFileName());
        Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (previous != null) {
            try (var old = Files.list(previous)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(previous);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder sb = new StringBuilder(9);
        String rwx = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            sb.append((mode & (1 << bit)) != 0 ? rwx.charAt(2 - bit % 3) : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }
}
