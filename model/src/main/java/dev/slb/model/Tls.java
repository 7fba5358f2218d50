package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

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
 * @param extraCertificates further certificates chosen by SNI (at most 10); the listener's own
 *                        serves every other name and clients that send none. Left out when empty
 * @param clientAuthentication mutual TLS: the CA client certificates are verified against (absent:
 *                        none asked for)
 */
@JsonPropertyOrder({
    "certificateFile",
    "privateKeyFile",
    "secretName",
    "policy",
    "extraCertificates",
    "clientAuthentication"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tls(
        String certificateFile,
        String privateKeyFile,
        String secretName,

        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = DefaultPolicy.class)
        TlsPolicy policy,

        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ExtraCertificate> extraCertificates,
        ClientAuthentication clientAuthentication) {
    /** The Secret key holding the certificate chain, as {@code kubectl create secret tls} writes it. */
    public static final String SECRET_CERTIFICATE_KEY = "tls.crt";
    /** The Secret key holding the private key. */
    public static final String SECRET_PRIVATE_KEY_KEY = "tls.key";

    public Tls {
        policy = policy == null ? TlsPolicy.DEFAULT : policy;
        // Absent and empty alike: a config without SNI certificates reads as the earlier release's.
        extraCertificates = extraCertificates == null
                ? List.of()
                : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(extraCertificates));
    }

    /** Certificate and key from two files. */
    public Tls(String certificateFile, String privateKeyFile, TlsPolicy policy) {
        this(certificateFile, privateKeyFile, null, policy, null, null);
    }

    /** Certificate and key from a TLS Secret, read through the Kubernetes API. */
    public static Tls fromSecret(String secretName, TlsPolicy policy) {
        return new Tls(null, null, secretName, policy, null, null);
    }

    public Tls withExtraCertificates(List<ExtraCertificate> extras) {
        return new Tls(certificateFile, privateKeyFile, secretName, policy, extras, clientAuthentication);
    }

    public Tls withClientAuthentication(ClientAuthentication auth) {
        return new Tls(certificateFile, privateKeyFile, secretName, policy, extraCertificates, auth);
    }

    /** Every Secret this listener reads: its own, its extra certificates', its client CA's. */
    @JsonIgnore
    public java.util.Set<String> secretNames() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        if (secretName != null) {
            names.add(secretName);
        }
        for (ExtraCertificate c : extraCertificates) {
            if (c != null && c.secretName() != null) {
                names.add(c.secretName());
            }
        }
        if (clientAuthentication != null && clientAuthentication.caSecretName() != null) {
            names.add(clientAuthentication.caSecretName());
        }
        return names;
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
