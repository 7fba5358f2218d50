package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import java.util.Map;

/** A ProxyVersions whose answer the test sets. */
final class TestingProxyVersions implements ProxyVersions {
    private volatile Map<String, String> versions = Map.of();

    void set(Map<String, String> versions) {
        this.versions = Map.copyOf(versions);
    }

    @Override
    public Map<String, String> versions(LoadBalancer lb) {
        return versions;
    }
}
