package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoadBalancerStatus {
    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("The tier in effect. Differs from spec.tier while a refused change is pending.")
    public Tier tier;

    @JsonPropertyDescription(
            "Where clients reach the instance: the Service's load-balancer ingress, else its cluster IP.")
    public List<String> addresses = new ArrayList<>();

    @JsonPropertyDescription("The proxy config version the operator wrote last.")
    public String configVersion;

    @JsonPropertyDescription("Proxy replicas the tier in effect runs.")
    public Integer replicas;

    @JsonPropertyDescription("Proxy replicas that are ready (their readiness probe passes) and not stopping.")
    public Integer readyReplicas;

    @JsonPropertyDescription("readyReplicas/replicas, e.g. 1/2, as kubectl get shows it.")
    public String replicaSummary;

    @JsonPropertyDescription("healthy/total backends of the listener with the fewest healthy ones, e.g. 2/3, as"
            + " kubectl get shows it; before any replica reports health, the backends that take new connections.")
    public String backendSummary;

    @JsonPropertyDescription("Per listener: whether it is served (conditions ResolvedRefs and Programmed) and whether"
            + " it carries WebSocket, and why not.")
    public List<ListenerStatus> listeners = new ArrayList<>();

    @JsonPropertyDescription("What the last config change did, once every replica served it: the version, when, on"
            + " how many replicas, and the client connections kept, closed (0: none dropped) and draining. Also a"
            + " ConfigApplied event, once per version.")
    public LastConfigChange lastConfigChange;

    @JsonPropertyDescription("Accepted (the spec is valid), ResolvedRefs (Services and Secrets found), Programmed"
            + " (every wanted proxy replica is ready and serves the current config), Ready (traffic is being served),"
            + " BackendsAvailable (some backend takes new connections).")
    public List<Condition> conditions = new ArrayList<>();
}
