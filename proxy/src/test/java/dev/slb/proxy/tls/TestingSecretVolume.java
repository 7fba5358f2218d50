package dev.slb.proxy.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A folder laid out the way the kubelet mounts a Secret: the files live in a timestamped folder,
 * {@code ..data} links to it, and {@code tls.crt}/{@code tls.key} link through {@code ..data}. An
 * update writes a new folder and swaps {@code ..data} with one rename, so the paths the proxy
 * reads never change and both files change at the same instant.
 */
final class TestingSecretVolume {
    private final Path dir;
    private int version;

    private TestingSecretVolume(Path dir) {
        this.dir = dir;
    }

    static TestingSecretVolume create(Path dir, Path crt, Path key) throws IOException {
        TestingSecretVolume v = new TestingSecretVolume(dir);
        v.update(crt, key);
        Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));
        return v;
    }

    Path certificate() {
        return dir.resolve("tls.crt");
    }

    Path key() {
        return dir.resolve("tls.key");
    }

    void update(Path crt, Path key) throws IOException {
        Path previous = Files.exists(dir.resolve("..data")) ? Files.readSymbolicLink(dir.resolve("..data")) : null;
        Path next = dir.resolve("..2026_01_01_00_00_0" + version++);
        Files.createDirectory(next);
        Files.copy(crt, next.resolve("tls.crt"));
        Files.copy(key, next.resolve("tls.key"));
        Path link = dir.resolve("..data_tmp");
        Files.createSymbolicLink(link, next.getFileName());
        Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        if (previous != null) {
            Path old = dir.resolve(previous);
            Files.delete(old.resolve("tls.crt"));
            Files.delete(old.resolve("tls.key"));
            Files.delete(old);
        }
    }
}
