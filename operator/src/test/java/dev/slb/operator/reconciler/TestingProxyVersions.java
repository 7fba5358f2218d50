package dev.slb.operator.reconciler;

import dev.slb.model.ReloadReport;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A ProxyVersions whose answers the test sets: every ready pod reports what {@link #set} (and {@link #setReloads}) said. */
final class TestingProxyVersions implements ProxyVersions {
    private volatile Map<String, String> versions = Map.of();
    private volatile Map<String, ReloadReport> reloads = Map.of();
    private final List<Consumer<ResourceID>> listeners = new CopyOnWriteArrayList<>();
    private final Set<ResourceID> observed = ConcurrentHashMap.newKeySet();

    /** The versions pods report, by pod name; a pod not named (or named with null) has not reported. */
    void set(Map<String, String> byPod) {
        this.versions = new TreeMap<>(byPod);
        observed.forEach(lb -> listeners.forEach(l -> l.accept(lb)));
    }

    /** What pods report of their reloads, by pod name; a pod not named has not reported. */
    void setReloads(Map<String, ReloadReport> byPod) {
        this.reloads = new TreeMap<>(byPod);
        observed.forEach(lb -> listeners.forEach(l -> l.accept(lb)));
    }

    @Override
    public Map<String, ReloadReport> reloads(ResourceID lb) {
        return reloads;
    }

    @Override
    public Map<String, String> observe(ResourceID lb, String expected, List<Target> ready) {
        observed.add(lb);
        Map<String, String> known = new TreeMap<>();
        for (Target t : ready) {
            known.put(t.pod(), versions.get(t.pod()));
        }
        return known;
    }

    @Override
    public void onChange(Consumer<ResourceID> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {}
}
