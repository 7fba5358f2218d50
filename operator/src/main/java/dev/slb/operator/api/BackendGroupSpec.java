package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** A named set of backends that listeners' forwarding rules (or defaultBackendGroup) send requests to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackendGroupSpec {
    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
    public static final int MAX_NAME_LENGTH = 63;

    @Required
    @Pattern(NAME_PATTERN)
    // maxLength also bounds the cost of the CEL rules that compare group names.
    @Size(max = MAX_NAME_LENGTH)
    @JsonPropertyDescription("Group name, unique in this LoadBalancer: lower-case letters, digits and '-', at most 63"
            + " characters. Forwarding rules and defaultBackendGroup name it.")
    public String name;

    @Required
    @Size(max = LoadBalancerSpec.MAX_BACKENDS)
    @JsonPropertyDescription("The group's backends, up to 64: Services (followed through their EndpointSlices) and"
            + " static addresses, as in spec.backends. Health-checked and drained as the listener's settings say.")
    public List<BackendSpec> backends = new ArrayList<>();

    @Default("wrr")
    @JsonPropertyDescription("How new connections are spread over this group's backends: wrr (smooth weighted round"
            + " robin, the default), wlc (weighted least connections) or rr (round robin).")
    public Scheduler scheduler;
}
