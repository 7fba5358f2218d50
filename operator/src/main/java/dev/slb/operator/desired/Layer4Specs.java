package dev.slb.operator.desired;

import dev.slb.model.Persistence;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.PersistenceSpec;
import java.util.List;

/**
 * The layer-4 settings of listeners (source-address persistence, the PROXY header to backends): their
 * defaults and the checks the
 * CRD schema makes, held in Java too, for when the schema was not applied.
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
            if (l != null
                    && l.backendProxyProtocol != null
                    && l.protocol != null
                    && l.protocol != ListenerProtocol.TCP) {
                problems.add(Problem.invalid(
                        "spec.listeners[" + i + "].backendProxyProtocol",
                        "only TCP listeners send a PROXY protocol header to backends; HTTP and HTTPS listeners"
                                + " tell them the client in X-Forwarded-For"));
            }
            if (l == null || l.persistence == null) {
                continue;
            }
            String at = "spec.listeners[" + i + "].persistence";
            if (l.protocol != null && l.protocol != ListenerProtocol.TCP) {
                problems.add(Problem.invalid(
                        at,
                        "only TCP listeners keep clients by source address; HTTP and HTTPS listeners use"
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
}
