package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A ProxyVersions whose answer the test sets. */
final class TestingProxyVersions implements ProxyVersions {
    private volatile List<Replica> replicas = List.of();

    /** The ready pods and the versions they report; a {@code null} version is a pod that did not answer. */
    void set(Map<String, String> versions) {
        this.replicas = new TreeMap<>(versions)
                .entrySet().stream()
                        .map(e -> new Replica(e.getKey(), e.getValue()))
                        .toList();
    }

    @Override
    public List<Replica> versions(LoadBalancer lb) {
        return replicas;
    }
}
