package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.slb.model.ExtraCertificate;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Where an HTTPS listener finds its certificates (its own, and more by SNI), and the TLS policy it offers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsSpec {
    /** A Secret name: a DNS subdomain. Checked in the schema and in Java. */
    public static final String SECRET_NAME_PATTERN = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";

    @Required
    @Pattern(SECRET_NAME_PATTERN)
    @Size(max = 253)
    @JsonPropertyDescription("Name of a kubernetes.io/tls Secret in the LoadBalancer's namespace, holding tls.crt and"
            + " tls.key (PEM). The proxies read it through the Kubernetes API (their Role allows exactly the Secrets"
            + " named here) and pick up a renewed certificate, or a different Secret, within seconds and without a"
            + " restart; the key never enters a ConfigMap.")
    public String secretName;

    // No schema default: an absent policy is the default, which the proxy config then leaves out,
    // and a default written into stored objects could not be told from a choice (see the README).
    @JsonPropertyDescription("TLS versions and cipher suites offered, as the product's policies: tls_cipher_policy_1_0"
            + " (TLS 1.0, 1.1, 1.2), tls_cipher_policy_1_1 (TLS 1.1, 1.2), tls_cipher_policy_1_2 (TLS 1.2 and,"
            + " unlike the product's, TLS 1.3: earlier releases stored it as the default, so it keeps TLS 1.3),"
            + " tls_cipher_policy_1_2_strict (TLS 1.2 only, ECDHE suites only: choose it for TLS 1.2 alone) or"
            + " tls_cipher_policy_1_2_strict_with_1_3 (TLS 1.2 and 1.3, ECDHE suites only). When absent:"
            + " tls_cipher_policy_1_2_strict_with_1_3. TLS 1.0 and 1.1 need proxies with BoringSSL (the proxy"
            + " image has it). Not selectable on the shared tier, which always serves the default: a policy there"
            + " is refused, except tls_cipher_policy_1_2 as earlier releases stored it, which is served as the"
            + " default.")
    public TlsCipherPolicy policy;

    @Size(max = ExtraCertificate.MAX_PER_LISTENER)
    @ValidationRule(
            value = "self.all(c, self.exists_one(d, d.domain == c.domain))",
            message = "each domain takes one extra certificate")
    @JsonPropertyDescription("Further certificates, chosen by the name a client asks for (SNI), at most 10; the"
            + " listener's own certificate (secretName) serves every other name and clients that send none. Adding,"
            + " changing or removing one is a reload: no pod restarts, no connection drops.")
    public List<ExtraCertificateSpec> extraCertificates;

    @JsonPropertyDescription("Mutual TLS: verify client certificates against a CA bundle (caSecretName), required or"
            + " optional (mode). The backend receives the verified certificate's subject, issuer and SHA-256"
            + " fingerprint in X-Forwarded-Clientcert-* request headers, which clients cannot set themselves."
            + " Absent: no client certificate is asked for.")
    public ClientAuthenticationSpec clientAuthentication;
}
