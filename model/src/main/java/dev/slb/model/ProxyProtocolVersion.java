package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A version of the PROXY protocol header: v1 (a text line) or v2 (binary). */
public enum ProxyProtocolVersion {
    V1,
    V2;

    @JsonValue
    String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static ProxyProtocolVersion parse(String value) {
        return Enums.parse(ProxyProtocolVersion.class, value.toUpperCase(Locale.ROOT), value);
    }
}
