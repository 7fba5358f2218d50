package dev.slb.operator.reconciler;

import dev.slb.model.BackendHealthReport;
import dev.slb.model.ProxyContract;
import dev.slb.model.ReloadReport;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Which config version each ready proxy replica reports on its admin port, learned in the
 * background so that no reconcile waits on a pod, and announced when it changes.
 */
public interface ProxyVersions extends AutoCloseable {

    /** A ready proxy replica to ask: its pod's name and the URI of its admin port's {@code /config}. */
    record Target(String pod, URI configUri) {
        public Target {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(configUri, "configUri");
        }
    }

    /**
     * What each of {@code ready} last reported (a {@code null} version: not known yet, or it
     * stopped answering), at once and without asking anyone. From now on the replicas that do not
     * report {@code expected} are asked again in the background, soon and then less often, and the
     * others now and then; replicas of {@code lb} not in {@code ready} are forgotten.
     */
    Map<String, String> observe(ResourceID lb, String expected, List<Target> ready);

    /**
     * What each replica of {@code lb} last reported of its backends' health ({@link
     * ProxyContract#BACKENDS_PATH}), by pod; a replica that has not answered yet is absent.
     */
    default Map<String, BackendHealthReport> health(ResourceID lb) {
        return Map.of();
    }

    /**
     * What each replica of {@code lb} last reported of its reloads ({@link ProxyContract#RELOADS_PATH}),
     * by pod, read once per config version it serves; absent while not known, {@link
     * ReloadReport#UNAVAILABLE} for a replica that does not report them (a proxy release before it).
     */
    default Map<String, ReloadReport> reloads(ResourceID lb) {
        return Map.of();
    }

    /** Calls {@code listener} with the LoadBalancer whenever what one of its replicas reports changes. */
    void onChange(Consumer<ResourceID> listener);

    @Override
    void close();
}
