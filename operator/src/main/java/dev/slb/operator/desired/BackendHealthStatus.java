package dev.slb.operator.desired;

import dev.slb.model.Backend;
import dev.slb.model.BackendHealthReport;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each listener's backend health, from what the ready proxy replicas report: a backend counts as
 * healthy when most of the replicas that report it say so (each replica checks on its own, and
 * one replica's view, a network path of its own, should not decide alone).
 */
public final class BackendHealthStatus {
    /** At most this many unhealthy backends are named per listener; the rest are counted. */
    static final int NAMED = 5;

    private BackendHealthStatus() {}

    /**
     * One listener's backends as the replicas see them.
     *
     * @param healthy     backends most replicas report healthy
     * @param total       the listener's backends, draining ones left out
     * @param failingOpen every backend that takes new work is unhealthy, so the listener spreads over all
     * @param unhealthy   the unhealthy backends and why, as a person reads them: {@code 10.0.0.7:8080 (status 404)}
     */
    public record ListenerHealth(int healthy, int total, boolean failingOpen, List<String> unhealthy) {}

    /** Per listener name, in the config's order; empty when no replica has reported yet. */
    public static Map<String, ListenerHealth> of(ProxyConfig config, List<BackendHealthReport> reports) {
        Map<String, ListenerHealth> result = new LinkedHashMap<>();
        if (config == null || reports.isEmpty()) {
            return result;
        }
        Map<String, List<BackendHealthReport.Entry>> votes = new HashMap<>();
        for (BackendHealthReport r : reports) {
            for (BackendHealthReport.Entry e : r.backends()) {
                votes.computeIfAbsent(key(e.listener(), e.address(), e.port()), k -> new ArrayList<>())
                        .add(e);
            }
        }
        for (Listener l : config.listeners()) {
            int healthy = 0;
            int total = 0;
            int taking = 0;
            int takingHealthy = 0;
            List<String> unhealthy = new ArrayList<>();
            for (Backend b : l.allBackends()) {
                if (b.draining()) {
                    continue;
                }
                total++;
                List<BackendHealthReport.Entry> said =
                        votes.getOrDefault(key(l.name(), b.address(), b.port()), List.of());
                long yes =
                        said.stream().filter(BackendHealthReport.Entry::healthy).count();
                // Not reported by anyone yet (a backend just added): healthy until proven otherwise, as the proxy has
                // it.
                boolean good = said.isEmpty() || yes * 2 > said.size();
                if (b.weightValue() > 0) {
                    taking++;
                }
                if (good) {
                    healthy++;
                    if (b.weightValue() > 0) {
                        takingHealthy++;
                    }
                } else {
                    String why = said.stream()
                            .filter(e -> !e.healthy() && e.reason() != null)
                            .map(BackendHealthReport.Entry::reason)
                            .findFirst()
                            .orElse("unhealthy");
                    unhealthy.add(new BackendHealthReport.Entry(l.name(), b.address(), b.port(), false, why).endpoint()
                            + " (" + why + ")");
                }
            }
            result.put(l.name(), new ListenerHealth(healthy, total, taking > 0 && takingHealthy == 0, unhealthy));
        }
        return result;
    }

    /** {@code a, b, c and 2 more}: the first {@link #NAMED} named, the rest counted. */
    static String name(List<String> items) {
        if (items.size() <= NAMED) {
            return String.join(", ", items);
        }
        return String.join(", ", items.subList(0, NAMED)) + " and " + (items.size() - NAMED) + " more";
    }

    private static String key(String listener, String address, int port) {
        return listener + "\t" + address + "\t" + port;
    }
}
