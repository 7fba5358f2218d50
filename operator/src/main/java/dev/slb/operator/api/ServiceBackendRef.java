package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Service whose ready endpoints are the backends. */
public class ServiceBackendRef {
    /** A Service name: a DNS-1035 label. Checked in the schema and in Java. */
    public static final String NAME_PATTERN = "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$";

    @Required
    @Pattern(NAME_PATTERN)
    @Size(max = 63)
    @JsonPropertyDescription("Name of a Service in the LoadBalancer's namespace. Its ready endpoints (EndpointSlices) "
            + "are followed as pods come and go.")
    public String name;

    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("The Service port to send traffic to; the proxies connect to the matching target port "
            + "of each ready endpoint.")
    public Integer port;
}
