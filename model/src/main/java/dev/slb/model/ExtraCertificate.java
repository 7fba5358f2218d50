package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A further certificate of an HTTPS listener, served to clients that ask for {@code domain} by
 * SNI: from two PEM files, or from a TLS Secret read through the API by name, as the listener's
 * own certificate is.
 *
 * @param domain          an exact host name ({@code api.example.com}) or a wildcard one
 *                        ({@code *.example.com}: one label, any name, before the rest)
 * @param certificateFile PEM certificate chain, leaf first
 * @param privateKeyFile  PEM private key
 * @param secretName      a kubernetes.io/tls Secret in the namespace of the config's ConfigMap
 */
@JsonPropertyOrder({"domain", "certificateFile", "privateKeyFile", "secretName"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExtraCertificate(String domain, String certificateFile, String privateKeyFile, String secretName) {
    /** The most extra certificates a listener takes, as the product allows. */
    public static final int MAX_PER_LISTENER = 10;
    /** A lower-case DNS name, or one starting with {@code *.}; at most 253 characters. */
    public static final String DOMAIN_PATTERN =
            "^(\\*\\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

    public static final int MAX_DOMAIN_LENGTH = 253;

    /** A certificate for {@code domain} from a TLS Secret, read through the Kubernetes API. */
    public static ExtraCertificate fromSecret(String domain, String secretName) {
        return new ExtraCertificate(domain, null, null, secretName);
    }

    /** The certificate's and key's source, in the shape the listener's own takes. */
    @JsonIgnore
    public Tls source() {
        return new Tls(certificateFile, privateKeyFile, secretName, null, null, null);
    }
}
