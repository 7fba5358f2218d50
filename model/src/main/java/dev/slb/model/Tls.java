package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Where an HTTPS listener finds its certificate and key, and the policy it offers: either two PEM
 * files ({@code certificateFile}, {@code privateKeyFile}), or a Kubernetes TLS Secret that the
 * proxy reads through the API by name ({@code secretName}, keys {@code tls.crt} and {@code
 * tls.key}). The proxy follows either and reloads a changed pair. Keys never travel inside the
 * config itself.
 *
 * @param certificateFile PEM certificate chain, leaf first
 * @param privateKeyFile  PEM private key (PKCS#8, or PKCS#1 RSA)
 * @param secretName      a kubernetes.io/tls Secret in the namespace of the config's ConfigMap
 * @param policy          protocol versions and cipher suites offered; left out of the written
 *                        config while it is {@link TlsPolicy#DEFAULT}, so a config that keeps
 *                        today's behaviour reads the same to a proxy of the earlier release
 */
@JsonPropertyOrder({"certificateFile", "privateKeyFile", "secretName", "policy"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tls(
        String certificateFile,
        String privateKeyFile,
        String secretName,

        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = DefaultPolicy.class)
        TlsPolicy policy) {
    /** The Secret key holding the certificate chain, as {@code kubectl create secret tls} writes it. */
    public static final String SECRET_CERTIFICATE_KEY = "tls.crt";
    /** The Secret key holding the private key. */
    public static final String SECRET_PRIVATE_KEY_KEY = "tls.key";

    public Tls {
        policy = policy == null ? TlsPolicy.DEFAULT : policy;
    }

    /** Certificate and key from two files. */
    public Tls(String certificateFile, String privateKeyFile, TlsPolicy policy) {
        this(certificateFile, privateKeyFile, null, policy);
    }

    /** Certificate and key from a TLS Secret, read through the Kubernetes API. */
    public static Tls fromSecret(String secretName, TlsPolicy policy) {
        return new Tls(null, null, secretName, policy);
    }

    /** True when the pair comes from a Secret rather than from files. */
    @JsonIgnore
    public boolean fromSecret() {
        return secretName != null;
    }

    /** Jackson's filter for {@code policy}: true (leave it out) for the default. */
    static final class DefaultPolicy {
        @Override
        public boolean equals(Object value) {
            return value == null || value == TlsPolicy.DEFAULT;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }
}
