package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Mutual TLS on an HTTPS listener: the CA bundle that client certificates are verified against
 * (a PEM file, or key {@code ca.crt} of a Secret read through the API), and whether a client must
 * present one.
 *
 * @param caSecretName a Secret in the namespace of the config's ConfigMap holding {@code ca.crt}
 * @param caFile       a PEM file of CA certificates, instead of the Secret
 * @param mode         Require (default): a client without a valid certificate fails the
 *                     handshake; Optional: one without a certificate is let in, one with an
 *                     invalid certificate still fails
 */
@JsonPropertyOrder({"caSecretName", "caFile", "mode"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientAuthentication(String caSecretName, String caFile, Mode mode) {
    /** The Secret key holding the PEM CA bundle. */
    public static final String SECRET_CA_KEY = "ca.crt";

    public ClientAuthentication {
        mode = mode == null ? Mode.REQUIRE : mode;
    }

    /** Whether a client certificate is required or only verified when given. */
    public enum Mode {
        REQUIRE,
        OPTIONAL;

        @JsonValue
        public String json() {
            return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        static Mode parse(String value) {
            return Enums.parse(Mode.class, value.toUpperCase(Locale.ROOT), value);
        }
    }
}
