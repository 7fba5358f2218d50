package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The protocol a listener speaks to clients. */
public enum Protocol {
    HTTP,
    HTTPS,
    TCP;

    /** True for the protocols that carry HTTP requests (and so WebSocket upgrades). */
    public boolean isHttp() {
        return this != TCP;
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
