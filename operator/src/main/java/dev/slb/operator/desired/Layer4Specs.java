package dev.slb.operator.desired;

import dev.slb.model.Persistence;
import dev.slb.operator.api.BackendProxyProtocol;
import dev.slb.operator.api.HealthCheckProtocol;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.PersistenceSpec;
import java.util.List;

/**
 * The layer-4 settings of listeners (UDP, source-address persistence, the PROXY header to backends):
 * their defaults and the checks the CRD schema makes, held in Java too, for when the schema was not
 * applied.
 */
final class Layer4Specs {
    private Layer4Specs() {}

    /** Fills {@code copy}'s layer-4 settings from {@code l}, with their defaults. */
    static void normalize(ListenerSpec l, ListenerSpec copy) {
        copy.backendProxyProtocol = l.backendProxyProtocol;
        if (l.persistence != null) {
            copy.persistence = new PersistenceSpec();
            copy.persistence.type = l.persistence.type;
            copy.persistence.timeoutSeconds = l.persistence.timeoutSeconds == null
                    ? Integer.valueOf(Persistence.DEFAULT_TIMEOUT_SECONDS)
                    : l.persistence.timeoutSeconds;
        }
    }

    static void validate(List<ListenerSpec> listeners, List<Problem> problems) {
        if (listeners == null) {
            return;
        }
        for (int i = 0; i < listeners.size(); i++) {
            ListenerSpec l = listeners.get(i);
            if (l == null) {
                continue;
            }
            boolean http = l.protocol != null && l.protocol.isHttp();
            if (l.backendProxyProtocol != null && http) {
                problems.add(Problem.invalid(
                        "spec.listeners[" + i + "].backendProxyProtocol",
                        "only TCP and UDP listeners send a PROXY protocol header to backends; HTTP and HTTPS"
                                + " listeners tell them the client in X-Forwarded-For"));
            }
            if (l.protocol == ListenerProtocol.UDP) {
                udp("spec.listeners[" + i + "]", l, problems);
            } else if (l.healthCheck != null && l.healthCheck.protocol == HealthCheckProtocol.UDP) {
                problems.add(Problem.invalid(
                        "spec.listeners[" + i + "].healthCheck.protocol",
                        "UDP checks the backends of UDP listeners; use TCP or HTTP here"));
            }
            if (l.persistence == null) {
                continue;
            }
            String at = "spec.listeners[" + i + "].persistence";
            if (http) {
                problems.add(Problem.invalid(
                        at,
                        "only TCP and UDP listeners keep clients by source address; HTTP and HTTPS listeners use"
                                + " stickySession"));
            }
            if (l.persistence.type == null) {
                problems.add(Problem.invalid(at + ".type", "is required: SourceIP"));
            }
            Integer t = l.persistence.timeoutSeconds;
            if (t != null && (t < 0 || t > PersistenceSpec.MAX_TIMEOUT_SECONDS)) {
                problems.add(Problem.invalid(
                        at + ".timeoutSeconds",
                        t + " is out of range: use 0.." + PersistenceSpec.MAX_TIMEOUT_SECONDS
                                + " seconds (0 remembers nothing: the hash alone decides)"));
            }
        }
    }

    /** What a UDP listener refuses beyond what TCP ones do (the rest is checked alike for both). */
    private static void udp(String at, ListenerSpec l, List<Problem> problems) {
        if (l.backendProxyProtocol == BackendProxyProtocol.V1) {
            problems.add(Problem.invalid(
                    at + ".backendProxyProtocol",
                    "a UDP listener sends v2 only (v2 names a datagram flow; v1 is a text line for TCP streams): use"
                            + " v2"));
        }
        if (Boolean.TRUE.equals(l.proxyProtocol)) {
            problems.add(Problem.invalid(
                    at + ".proxyProtocol",
                    "a UDP listener reads no PROXY protocol header (an outer load balancer sends one per TCP"
                            + " connection): remove proxyProtocol"));
        }
    }
}
