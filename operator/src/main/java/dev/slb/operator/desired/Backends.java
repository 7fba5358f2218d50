package dev.slb.operator.desired;

import dev.slb.operator.api.BackendGroupSpec;
import dev.slb.operator.api.BackendSpec;
import dev.slb.operator.api.LoadBalancerSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/** Resolves a spec's Service backends to endpoints through the Services and their EndpointSlices. */
public final class Backends {
    /** The label an EndpointSlice carries naming its Service. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /**
     * @param endpoints the endpoints behind each Service port referenced (ready or not; rendering keeps the ready)
     * @param missing   what could not be found, worded for a condition message
     */
    public record Resolution(Map<ServiceKey, List<ResolvedEndpoint>> endpoints, List<String> missing) {}

    private Backends() {}

    /**
     * Looks up each Service backend: the Service port's name (and target port) picks the port of
     * each EndpointSlice endpoint. A Service that does not exist, or has no such port, is missing.
     */
    public static Resolution resolve(
            LoadBalancerSpec spec,
            Function<String, Optional<Service>> services,
            Function<String, List<EndpointSlice>> slicesOf) {
        Map<ServiceKey, List<ResolvedEndpoint>> endpoints = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (BackendSpec b : allBackends(spec)) {
            if (b.service == null) {
                continue;
            }
            ServiceKey key = new ServiceKey(b.service.name, b.service.port);
            if (endpoints.containsKey(key)) {
                continue;
            }
            Optional<Service> service = services.apply(b.service.name);
            if (service.isEmpty()) {
                missing.add("Service " + b.service.name + " not found");
                endpoints.put(key, List.of());
                continue;
            }
            Optional<ServicePort> port =
                    service.get().getSpec() == null || service.get().getSpec().getPorts() == null
                            ? Optional.empty()
                            : service.get().getSpec().getPorts().stream()
                                    .filter(p -> Objects.equals(p.getPort(), b.service.port))
                                    .findFirst();
            if (port.isEmpty()) {
                missing.add("Service " + b.service.name + " has no port " + b.service.port);
                endpoints.put(key, List.of());
                continue;
            }
            endpoints.put(key, endpoints(port.get(), slicesOf.apply(b.service.name)));
        }
        return new Resolution(endpoints, missing);
    }

    /** spec.backends and then every backend group's, in spec order: every backend the spec names. */
    public static List<BackendSpec> allBackends(LoadBalancerSpec spec) {
        if (spec.backendGroups == null || spec.backendGroups.isEmpty()) {
            return spec.backends == null ? List.of() : spec.backends;
        }
        List<BackendSpec> all = new ArrayList<>();
        if (spec.backends != null) {
            all.addAll(spec.backends);
        }
        for (BackendGroupSpec g : spec.backendGroups) {
            if (g != null && g.backends != null) {
                all.addAll(g.backends);
            }
        }
        return all;
    }

    private static List<ResolvedEndpoint> endpoints(ServicePort servicePort, List<EndpointSlice> slices) {
        String portName = servicePort.getName() == null ? "" : servicePort.getName();
        Integer numericTarget = servicePort.getTargetPort() != null
                        && servicePort.getTargetPort().getIntVal() != null
                ? servicePort.getTargetPort().getIntVal()
                : null;
        List<ResolvedEndpoint> result = new ArrayList<>();
        for (EndpointSlice slice : slices) {
            Integer port = null;
            if (slice.getPorts() != null) {
                for (EndpointPort p : slice.getPorts()) {
                    String name = p.getName() == null ? "" : p.getName();
                    if (name.equals(portName) && p.getPort() != null) {
                        port = p.getPort();
                        break;
                    }
                }
            }
            if (port == null) {
                // A slice with no matching port entry: only a numeric target port says where to connect.
                if (numericTarget == null
                        || (slice.getPorts() != null && !slice.getPorts().isEmpty())) {
                    continue;
                }
                port = numericTarget;
            }
            if (slice.getEndpoints() == null) {
                continue;
            }
            for (Endpoint e : slice.getEndpoints()) {
                // Per the EndpointSlice API, an unknown (null) ready condition is to be taken as ready.
                boolean ready = e.getConditions() == null
                        || !Boolean.FALSE.equals(e.getConditions().getReady());
                boolean terminating = e.getConditions() != null
                        && Boolean.TRUE.equals(e.getConditions().getTerminating());
                if (e.getAddresses() != null) {
                    for (String ip : e.getAddresses()) {
                        result.add(new ResolvedEndpoint(ip, port, ready && !terminating, terminating));
                    }
                }
            }
        }
        return result;
    }
}
