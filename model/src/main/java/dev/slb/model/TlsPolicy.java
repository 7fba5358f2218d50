package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * A named TLS policy, as the product publishes it: which protocol versions an HTTPS listener
 * offers; the proxy maps each name to its cipher suites (see the proxy's TLS documentation). One
 * deliberate difference: {@link #TLS_CIPHER_POLICY_1_2} offers TLS 1.3 too, since the earlier
 * release's CRD stored it as every HTTPS listener's default; TLS 1.2 alone is
 * {@link #TLS_CIPHER_POLICY_1_2_STRICT}.
 */
public enum TlsPolicy {
    TLS_CIPHER_POLICY_1_0(List.of(Versions.TLS_1_2, Versions.TLS_1_1, Versions.TLS_1_0)),
    TLS_CIPHER_POLICY_1_1(List.of(Versions.TLS_1_2, Versions.TLS_1_1)),
    TLS_CIPHER_POLICY_1_2(List.of(Versions.TLS_1_3, Versions.TLS_1_2)),
    TLS_CIPHER_POLICY_1_2_STRICT(List.of(Versions.TLS_1_2)),
    TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3(List.of(Versions.TLS_1_3, Versions.TLS_1_2));

    /**
     * The policy used when a listener names none: the product's one with TLS 1.3, so a listener that
     * offered TLS 1.3 before the policies followed the product's table keeps offering it. A config
     * leaves it out (see {@link Tls}), which a proxy of the earlier release reads as its own default.
     */
    public static final TlsPolicy DEFAULT = TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3;

    /** Protocol version names as the JDK and Netty spell them. */
    public static final class Versions {
        public static final String TLS_1_0 = "TLSv1";
        public static final String TLS_1_1 = "TLSv1.1";
        public static final String TLS_1_2 = "TLSv1.2";
        public static final String TLS_1_3 = "TLSv1.3";

        private Versions() {}
    }

    private final List<String> protocols;

    TlsPolicy(List<String> protocols) {
        this.protocols = protocols;
    }

    /** The protocol versions the policy offers, newest first. */
    public List<String> protocols() {
        return protocols;
    }

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static TlsPolicy parse(String value) {
        return Enums.parse(TlsPolicy.class, value.toUpperCase(Locale.ROOT), value);
    }
}
