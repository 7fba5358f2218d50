package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A named TLS policy: which protocol versions and cipher suites an HTTPS listener offers. The
 * proxy maps each name to concrete versions and suites (see the proxy's TLS documentation).
 */
public enum TlsPolicy {
    TLS_CIPHER_POLICY_1_0,
    TLS_CIPHER_POLICY_1_1,
    TLS_CIPHER_POLICY_1_2,
    TLS_CIPHER_POLICY_1_2_STRICT;

    /** The policy used when a listener names none. */
    public static final TlsPolicy DEFAULT = TLS_CIPHER_POLICY_1_2;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static TlsPolicy parse(String value) {
        return Enums.parse(TlsPolicy.class, value.toUpperCase(Locale.ROOT), value);
    }
}
