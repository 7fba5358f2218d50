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

    @JsonPropertyDescription("Proxy replicas wanted by the tier, and how many are ready.")
    public Integer replicas;

    @JsonPropertyDescription("Proxy replicas that are ready.")
    public Integer readyReplicas;

    @JsonPropertyDescription("Per-listener state, WebSocket included.")
    public List<ListenerStatus> listeners = new ArrayList<>();

    @JsonPropertyDescription("Accepted (the spec is valid), ResolvedRefs (Services and Secrets found), Programmed "
            + "(every ready proxy replica serves the current config), Ready (traffic is being served).")
    public List<Condition> conditions = new ArrayList<>();
}
