package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A load balancer instance: a tier, listeners and backends, served by a fleet of proxy pods. */
@JsonClassDescription("A load balancer instance (SLB): a tier, listeners and backends, served by a fleet of proxy pods"
        + " that the operator runs and keeps configured. `kubectl explain slb.spec.tier` lists the tiers.")
@Group(LoadBalancer.GROUP)
@Version(LoadBalancer.VERSION)
@Kind("LoadBalancer")
@Plural("loadbalancers")
@ShortNames("slb")
@AdditionalPrinterColumn(name = "Tier", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.tier")
@AdditionalPrinterColumn(
        name = "Address",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.addresses[0]")
@AdditionalPrinterColumn(
        name = "Replicas",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.replicaSummary")
@AdditionalPrinterColumn(
        name = "Refs",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"ResolvedRefs\")].status")
@AdditionalPrinterColumn(
        name = "Backends",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.backendSummary")
@AdditionalPrinterColumn(
        name = "Programmed",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status")
@AdditionalPrinterColumn(
        name = "Ready",
        type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(
        name = "Age",
        type = AdditionalPrinterColumn.Type.DATE,
        jsonPath = ".metadata.creationTimestamp")
public class LoadBalancer extends CustomResource<LoadBalancerSpec, LoadBalancerStatus> implements Namespaced {
    public static final String GROUP = "slb.dev";
    public static final String VERSION = "v1alpha1";

    @Override
    @JsonPropertyDescription("What the user asks for: the instance tier, the listeners clients connect to, and the"
            + " backends they reach. The tier can be raised in place; lowering it means a new instance.")
    public LoadBalancerSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the operator observed: the tier in effect, the addresses clients use, each"
            + " listener as served (WebSocket on or off, and why), replica counts, and the conditions. Written by the"
            + " operator only, and never read back as an input: delete or edit it and the next reconcile (at the latest"
            + " after the resync interval, 5 minutes by default) writes what it observes.")
    public LoadBalancerStatus getStatus() {
        return super.getStatus();
    }
}
