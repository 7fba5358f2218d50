package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Which client addresses a listener serves: up to three lists of CIDR blocks, all allowed or all denied. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AccessControlSpec {
    public static final int MAX_LISTS = 3;

    /** Whether the lists name the only clients served or the ones refused. */
    public enum Type {
        Allow,
        Deny
    }

    @Required
    @JsonPropertyDescription("Allow: only clients in the lists are served; while every list is empty, everyone is"
            + " served, as the product does. Deny: clients in the lists are refused, everyone else served. A refused"
            + " client's connection is reset at once, before any TLS handshake (or just after the PROXY protocol"
            + " header on a listener that takes one, since that header carries the client's address).")
    public Type type;

    @Required
    @Size(max = MAX_LISTS)
    @JsonPropertyDescription("Up to 3 lists of up to 300 entries each, as the product allows; their entries are"
            + " merged. A change applies to new connections within a second, with no restart; connections already"
            + " open carry on, as a cloud load balancer applies its access lists.")
    public List<AccessListSpec> lists;
}
