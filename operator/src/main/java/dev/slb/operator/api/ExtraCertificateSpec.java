package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.slb.model.ExtraCertificate;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A further certificate of an HTTPS listener, served to clients that ask for its domain by SNI. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExtraCertificateSpec {
    @Required
    @Pattern(ExtraCertificate.DOMAIN_PATTERN)
    @Size(max = ExtraCertificate.MAX_DOMAIN_LENGTH)
    @JsonPropertyDescription("The host name clients ask for by SNI: exact (api.example.com) or a wildcard for one label"
            + " (*.example.com matches a.example.com, not a.b.example.com nor example.com). Lower-case; unique in the"
            + " listener.")
    public String domain;

    @Required
    @Pattern(TlsSpec.SECRET_NAME_PATTERN)
    @Size(max = 253)
    @JsonPropertyDescription("A kubernetes.io/tls Secret in the LoadBalancer's namespace (tls.crt, tls.key), read and"
            + " followed by the proxies through the API as the listener's own is. While it is missing or unusable,"
            + " this domain gets the listener's own certificate and the status says so; the rest is served.")
    public String secretName;
}
