package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Mutual TLS on an HTTPS listener: the CA client certificates are verified against, and whether one is required. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientAuthenticationSpec {
    @Required
    @Pattern(TlsSpec.SECRET_NAME_PATTERN)
    @Size(max = 253)
    @JsonPropertyDescription("A Secret in the LoadBalancer's namespace whose key ca.crt holds the PEM CA certificates"
            + " that client certificates must chain to (kubectl create secret generic NAME --from-file=ca.crt)."
            + " Followed through the API: a new CA bundle is in use within seconds, with no restart. While it is"
            + " missing or has no ca.crt, the listener is not served (it never serves without the check).")
    public String caSecretName;

    @Default("Require")
    @JsonPropertyDescription("Require (the default): a client without a certificate the CA vouches for fails the TLS"
            + " handshake. Optional: a client without a certificate is let in (the backend sees"
            + " X-Forwarded-Clientcert-Clientverify: NONE); one with a certificate the CA does not vouch for still"
            + " fails.")
    public Mode mode;

    /** Whether a client certificate is required. */
    public enum Mode {
        @JsonProperty("Require")
        Require,
        @JsonProperty("Optional")
        Optional
    }
}
