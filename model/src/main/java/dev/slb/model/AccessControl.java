package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * Which clients a listener serves, by their address (the real one, when the listener takes a
 * PROXY protocol header): an allow list serves only the blocks it names, and serves everyone
 * while it is empty, as the product does; a deny list refuses the blocks it names. A refused
 * client is reset before anything is read or any TLS handshake runs. It applies to new
 * connections: one open when the list changes carries on, as a cloud load balancer does it.
 *
 * @param type  ALLOW or DENY
 * @param cidrs IPv4 and IPv6 addresses and CIDR blocks, at most {@link #MAX_ENTRIES}
 */
@JsonPropertyOrder({"type", "cidrs"})
public record AccessControl(Type type, List<String> cidrs) {
    /** Three lists of 300 entries, the product's limits, merged into one by the operator. */
    public static final int MAX_ENTRIES = 900;

    /** Whether the blocks listed are the only ones served or the ones refused. */
    public enum Type {
        ALLOW,
        DENY;

        @JsonValue
        String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        static Type parse(String value) {
            return Enums.parse(Type.class, value.toUpperCase(Locale.ROOT), value);
        }
    }

    public AccessControl {
        cidrs = cidrs == null ? List.of() : List.copyOf(cidrs);
    }
}
