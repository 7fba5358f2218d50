package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One backend (upstream) a listener forwards to.
 *
 * @param address  IP address or host name
 * @param port     TCP port, 1..65535
 * @param weight   0..100; 0 takes no new connections but keeps the ones it has
 * @param draining the backend is going away (its pod is terminating): no new connections, and its
 *                 WebSocket and TCP connections are closed within the listener's
 *                 {@code connectionDrain}, as for a backend removed from the config. Left out of the
 *                 written config when false, so configs without it read as before.
 */
@JsonPropertyOrder({"address", "port", "weight", "draining"})
public record Backend(
        String address,
        int port,
        Integer weight,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean draining) {
    public static final int DEFAULT_WEIGHT = 100;

    public Backend {
        weight = weight == null ? DEFAULT_WEIGHT : weight;
    }

    public Backend(String address, int port, Integer weight) {
        this(address, port, weight, false);
    }

    public Backend(String address, int port) {
        this(address, port, DEFAULT_WEIGHT, false);
    }

    /** The weight as a primitive; never null after construction. */
    public int weightValue() {
        return weight;
    }

    @Override
    public String toString() {
        return address + ":" + port + " (weight " + weight + (draining ? ", draining" : "") + ")";
    }
}
