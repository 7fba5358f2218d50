package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The admin endpoint: {@code /healthz}, {@code /readyz} and {@code /config} (the version served).
 * Changing it takes a restart; a reload that changes it is logged and ignored.
 *
 * @param bindAddress address to listen on; all addresses when absent
 * @param port        1..65535 (default 9901)
 */
@JsonPropertyOrder({"bindAddress", "port"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Admin(String bindAddress, Integer port) {
    public static final int DEFAULT_PORT = 9901;
    public static final Admin DEFAULT = new Admin(null, DEFAULT_PORT);

    public Admin {
        port = port == null ? DEFAULT_PORT : port;
    }
}
