package dev.slb.proxy.config;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** What a failed call to the Kubernetes API comes down to, worded for a log line. */
final class ApiFailures {
    private ApiFailures() {}

    /** The innermost cause, with its type: what actually went wrong under the client's wrapping. */
    static String rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null
                ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /**
     * The gist of a list, watch or get failure: the HTTP status when there was one, else the root
     * cause. Stable across retries, so a problem that repeats is logged once.
     */
    static String summary(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof KubernetesClientException k && k.getCode() > 0) {
                return "HTTP " + k.getCode()
                        + (k.getStatus() != null && k.getStatus().getReason() != null
                                ? " " + k.getStatus().getReason()
                                : "");
            }
        }
        return rootCause(t);
    }
}
