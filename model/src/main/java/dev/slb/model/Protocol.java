package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The protocol a listener speaks to clients. */
public enum Protocol {
    HTTP,
    HTTPS,
    TCP,
    UDP;

    /**
     * The transport under the protocol, which a port belongs to: TCP for HTTP, HTTPS and TCP, so no two
     * of them share a port; UDP for UDP. A port number is unique per transport, not across them.
     */
    public String transport() {
        return this == UDP ? "UDP" : "TCP";
    }

    /** True for the protocols that carry HTTP requests (and so WebSocket upgrades). */
    public boolean isHttp() {
        return this == HTTP || this == HTTPS;
    }

    @JsonValue
    String json() {
        return name();
    }

    @JsonCreator
    static Protocol parse(String value) {
        return Enums.parse(Protocol.class, value.toUpperCase(Locale.ROOT), value);
    }
}
