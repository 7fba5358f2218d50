package dev.slb.local.apiserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a kubeconfig that points kubectl at a local API server: plain HTTP, no credentials. */
public final class KubeconfigWriter {

    public static final String CONTEXT = "slb-local";

    private KubeconfigWriter() {}

    /** The kubeconfig text for {@code serverUrl}, with {@code namespace} as the default namespace. */
    public static String render(String serverUrl, String namespace) {
        return String.join(
                "\n",
                "# Written by slb-local: a local API server on loopback, plain HTTP, no authentication.",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: " + CONTEXT,
                "  cluster:",
                "    server: " + quote(serverUrl),
                "users:",
                "- name: " + CONTEXT,
                "  user: {}",
                "contexts:",
                "- name: " + CONTEXT,
                "  context:",
                "    cluster: " + CONTEXT,
                "    user: " + CONTEXT,
                "    namespace: " + quote(namespace),
                "current-context: " + CONTEXT,
                "preferences: {}",
                "");
    }

    /** Writes the kubeconfig to {@code file} (creating parent directories) and returns the file. */
    public static Path write(Path file, String serverUrl, String namespace) throws IOException {
        Path absolute = file.toAbsolutePath();
        if (absolute.getParent() != null) {
            Files.createDirectories(absolute.getParent());
        }
        Files.writeString(absolute, render(serverUrl, namespace), StandardCharsets.UTF_8);
        return absolute;
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
