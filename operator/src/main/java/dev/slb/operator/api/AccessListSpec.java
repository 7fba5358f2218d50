package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.slb.model.Cidr;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** One access list of a listener: client address blocks, IPv4 and IPv6. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AccessListSpec {
    public static final int MAX_ENTRIES = 300;
    /** Loose on purpose: the exact check (octets, groups, prefix lengths) is the operator's, with a clear message. */
    public static final String CIDR_PATTERN = "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$";

    @Required
    @Size(max = MAX_ENTRIES)
    @JsonPropertyDescription("IPv4 or IPv6 addresses and CIDR blocks (203.0.113.0/24, 198.51.100.7, 2001:db8::/32),"
            + " at most 300. The client's real address is matched: the one in the PROXY protocol header when the"
            + " listener takes one, else the connection's source address (which, behind a Service with"
            + " externalTrafficPolicy Cluster, may be a node's).")
    public List<@Pattern(CIDR_PATTERN) @Size(max = Cidr.MAX_LENGTH) String> cidrs;
}
