package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import java.util.List;
import java.util.Objects;

/** Which config version each ready proxy replica of an instance reports on its admin port. */
public interface ProxyVersions {
    /**
     * One entry per proxy pod of the instance that is ready (PodReady True, with a pod IP) at the time of
     * asking, sorted by pod name; a ready pod that did not answer in time carries a {@code null} version.
     * An instance without a ready pod gives an empty list. Never blocks much longer than a few seconds.
     */
    List<Replica> versions(LoadBalancer lb);

    /** A ready proxy pod and the config version it reported, or {@code null} when it did not answer. */
    record Replica(String pod, String version) {
        public Replica {
            Objects.requireNonNull(pod, "pod");
        }

        /** Whether the pod answered with this version. */
        public boolean serves(String expected) {
            return version != null && version.equals(expected);
        }
    }
}
