package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One backend (upstream) a listener forwards to.
 *
 * @param address IP address or host name
 * @param port    TCP port, 1..65535
 * @param weight  0..100; 0 takes no new connections but keeps the ones it has
 */
@JsonPropertyOrder({"address", "port", "weight"})
public record Backend(String address, int port, Integer weight) {
    public static final int DEFAULT_WEIGHT = 100;

    public Backend {
        weight = weight == null ? DEFAULT_WEIGHT : weight;
    }

    public Backend(String address, int port) {
        this(address, port, DEFAULT_WEIGHT);
    }

    /** The weight as a primitive; never null after construction. */
    public int weightValue() {
        return weight;
    }

    @Override
    public String toString() {
        return address + ":" + port + " (weight " + weight + ")";
    }
}
