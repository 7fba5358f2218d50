package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Objects;
import java.util.Set;

/** Triggers a reconcile of a LoadBalancer when a config version one of its proxy replicas reports changes. */
final class ProxyVersionsEventSource extends AbstractEventSource<String, LoadBalancer> {
    static final String NAME = "proxy-versions";

    ProxyVersionsEventSource(ProxyVersions versions) {
        super(String.class, NAME);
        Objects.requireNonNull(versions, "versions").onChange(lb -> {
            if (isRunning()) {
                getEventHandler().handleEvent(new Event(lb));
            }
        });
    }

    /** The versions are read through {@link ProxyVersions#observe}, not as secondary resources. */
    @Override
    public Set<String> getSecondaryResources(LoadBalancer primary) {
        return Set.of();
    }
}
