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
        value = "!has(self.externalTrafficPolicy) || self.externalTrafficPolicy == 'Cluster'"
                + " || !has(self.serviceType) || self.serviceType != 'ClusterIP'",
        message = "externalTrafficPolicy Local needs a LoadBalancer or NodePort serviceType; a ClusterIP Service"
                + " takes no external traffic")
@ValidationRule(
        value = "!has(oldSelf.tier) || oldSelf.tier == 'shared' || self.tier != 'shared'",
        message = "a guaranteed-performance tier cannot be changed back to shared; keep the tier, or create a new "
                + "shared LoadBalancer and move traffic to it")
@ValidationRule(
        value = "self.listeners.all(l, !has(l.rules) || l.rules.all(r, has(self.backendGroups)"
                + " && self.backendGroups.exists(g, g.name == r.backendGroup)))",
        message = "a listener's rule names a backendGroup that spec.backendGroups does not have; add the group or"
                + " correct the name")
@ValidationRule(
        value = "self.listeners.all(l, !has(l.defaultBackendGroup) || (has(self.backendGroups)"
                + " && self.backendGroups.exists(g, g.name == l.defaultBackendGroup)))",
        message = "a listener's defaultBackendGroup names a group that spec.backendGroups does not have; add the group"
                + " or correct the name")
@ValidationRule(
        value = "self.listeners.all(l, !has(l.redirectToListener)"
                + " || self.listeners.exists(m, m.name == l.redirectToListener && m.protocol == 'HTTPS'))",
        message = "a listener's redirectToListener must name an HTTPS listener of this LoadBalancer")
public class LoadBalancerSpec {
    public static final int MAX_LISTENERS = 16;
    public static final int MAX_BACKEND_GROUPS = 16;
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
            // Unique per transport: TCP, HTTP and HTTPS all use TCP; a UDP listener (when there is one) may
            // share a TCP listener's port number.
            value =
                    "self.all(l, self.exists_one(m, m.port == l.port && (m.protocol == 'UDP') == (l.protocol == 'UDP')))",
            message = "listener ports must be unique (TCP, HTTP and HTTPS listeners all use TCP, so none of them may"
                    + " share a port)")
    @JsonPropertyDescription("The listeners, 1 to 16, with unique names and ports.")
    public List<ListenerSpec> listeners = new ArrayList<>();

    @Size(max = MAX_BACKENDS)
    @JsonPropertyDescription("The default backend group, up to 64 backends: Services (followed through their "
            + "EndpointSlices) and static addresses. Every listener that names no defaultBackendGroup forwards to them"
            + " what its rules do not send elsewhere.")
    public List<BackendSpec> backends = new ArrayList<>();

    @Size(max = MAX_BACKEND_GROUPS)
    @ValidationRule(
            value = "self.all(g, self.exists_one(h, h.name == g.name))",
            message = "backend group names must be unique")
    @JsonPropertyDescription("Named backend groups, up to 16, for listeners' forwarding rules and"
            + " defaultBackendGroup. Each has its own backends and scheduler; spec.backends stays the default group of"
            + " every listener that names none. None by default.")
    public List<BackendGroupSpec> backendGroups;

    @Default("LoadBalancer")
    @JsonPropertyDescription(
            "Type of the Service exposing the listeners: LoadBalancer (default), NodePort or ClusterIP.")
    public ServiceType serviceType;

    @JsonPropertyDescription("The proxy Service's externalTrafficPolicy (LoadBalancer and NodePort Services): Cluster"
            + " (default) or Local. Cluster: any node takes the traffic and may forward it to a proxy pod on another"
            + " node, spreading it evenly, but the pod sees a node's address instead of the client's, so"
            + " X-Forwarded-For and accessControl see that node. Local: a node sends traffic only to proxy pods on"
            + " itself, so the client's address is kept, but nodes without a proxy pod take none and pods on busy"
            + " nodes take more. To keep client addresses with Cluster, have the outer load balancer send the PROXY"
            + " protocol and set proxyProtocol on the listeners.")
    public ExternalTrafficPolicy externalTrafficPolicy;

    @JsonPropertyDescription("How this instance's proxy pods drain when they stop (a roll, a lower replica count):"
            + " overrides the operator's default. Changing it rolls the proxy pods once.")
    public DrainSpec drain;

    @JsonPropertyDescription("The instance's own Service (N-proxy), beyond its type and traffic policy above:"
            + " annotations for the cloud load balancer in front of it. Absent by default.")
    public InstanceServiceSpec service;
}
