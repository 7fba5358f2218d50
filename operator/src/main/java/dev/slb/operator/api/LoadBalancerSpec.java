package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** What the user asks for: a tier, listeners and backends. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(oldSelf.tier) || oldSelf.tier == 'shared' || self.tier != 'shared'",
        message = "a guaranteed-performance tier cannot be changed back to shared; keep the tier, or create a new "
                + "shared LoadBalancer and move traffic to it")
public class LoadBalancerSpec {
    public static final int MAX_LISTENERS = 16;
    public static final int MAX_BACKENDS = 64;

    @Default("shared")
    @JsonPropertyDescription("Instance tier: shared (best effort, no WebSocket) or a guaranteed-performance spec, "
            + "slb.s1.small, slb.s2.small, slb.s2.medium, slb.s3.small, slb.s3.medium, slb.s3.large, slb.s3.xlarge or "
            + "slb.s3.xxlarge. Raising it is an edit of this field and restarts nothing; a guaranteed tier cannot go "
            + "back to shared.")
    public Tier tier;

    @Required
    @Size(min = 1, max = MAX_LISTENERS)
    @ValidationRule(
            value = "self.all(l, self.exists_one(m, m.name == l.name))",
            message = "listener names must be unique")
    @ValidationRule(
            value = "self.all(l, self.exists_one(m, m.port == l.port))",
            message = "listener ports must be unique")
    @JsonPropertyDescription("The listeners, 1 to 16, with unique names and ports.")
    public List<ListenerSpec> listeners = new ArrayList<>();

    @Size(max = MAX_BACKENDS)
    @JsonPropertyDescription("The backends every listener forwards to, up to 64: Services (followed through their "
            + "EndpointSlices) and static addresses.")
    public List<BackendSpec> backends = new ArrayList<>();

    @Default("LoadBalancer")
    @JsonPropertyDescription(
            "Type of the Service exposing the listeners: LoadBalancer (default), NodePort or ClusterIP.")
    public ServiceType serviceType;

    @JsonPropertyDescription("How this instance's proxy pods drain when they stop (a roll, a lower replica count):"
            + " overrides the operator's default. Changing it rolls the proxy pods once.")
    public DrainSpec drain;
}
