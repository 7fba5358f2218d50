package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A backend: either a Service (followed) or a static address. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.service) != has(self.address)",
        message = "a backend names either service or address, not both and not neither")
@ValidationRule(value = "!has(self.address) || has(self.port)", message = "a static address backend needs a port")
@ValidationRule(
        value = "!has(self.service) || !has(self.port)",
        message = "a service backend takes its port from service.port; remove port")
public class BackendSpec {
    /**
     * An IPv4 address, something shaped like an IPv6 address (Java checks it exactly), or a DNS
     * name whose last label starts with a letter. Checked in the schema and in Java.
     */
    public static final String ADDRESS_PATTERN = "^("
            + "((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
            + "|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*"
            + "|([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
            + ")$";

    @JsonPropertyDescription("A Service in this namespace; its ready endpoints become backends.")
    public ServiceBackendRef service;

    @JsonPropertyDescription("A static backend: an IP address (10.0.0.7, fd00::7) or a DNS name (db.example.com),"
            + " no scheme, port or path (the port goes in port). Used as given; a name is resolved by each proxy"
            + " when the config reaches it.")
    @Size(max = 253)
    @Pattern(ADDRESS_PATTERN)
    public String address;

    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("Port of a static address backend.")
    public Integer port;

    @Default("100")
    @Min(0)
    @Max(100)
    @JsonPropertyDescription("Share of new connections, 0..100 (default 100). 0 takes no new connections and keeps "
            + "the ones it has, for draining a backend.")
    public Integer weight;
}
