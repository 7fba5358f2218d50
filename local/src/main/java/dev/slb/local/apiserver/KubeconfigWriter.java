package dev.slb.local.apiserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a kubeconfig that points kubectl at a local API server: plain HTTP, and a token the server
 * does not check.
 */
public final class KubeconfigWriter {

    public static final String CONTEXT = "slb-local";

    /**
     * The fabric8 client refreshes its token from the kubeconfig once a minute, and before every
     * request while it finds none: with no credential at all that was a tenth of the operator's CPU
     * creating LoadBalancers. The local API server accepts any request, so any token will do.
     */
    private static final String TOKEN = "slb-local-unchecked";

    private KubeconfigWriter() {}

    /** The kubeconfig text for {@code serverUrl}, with {@code namespace} as the default namespace. */
    public static String render(String serverUrl, String namespace) {
        return String.join(
                "\n",
                "# Written by slb-local: a local API server on loopback, plain HTTP, no authentication.",
                "# The token is not checked. It is there because the fabric8 client (the operator's and the",
                "# proxies') re-reads a kubeconfig without credentials before every request, not once a minute.",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: " + CONTEXT,
                "  cluster:",
                "    server: " + quote(serverUrl),
                "users:",
                "- name: " + CONTEXT,
                "  user:",
                "    token: " + TOKEN,
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
