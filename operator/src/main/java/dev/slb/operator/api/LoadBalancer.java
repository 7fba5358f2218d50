package dev.slb.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A load balancer instance: a tier, listeners and backends, served by a fleet of proxy pods. */
@Group(LoadBalancer.GROUP)
@Version(LoadBalancer.VERSION)
@Kind("LoadBalancer")
@Plural("loadbalancers")
@ShortNames("slb")
@AdditionalPrinterColumn(name = "Tier", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.tier")
@AdditionalPrinterColumn(name = "Address", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.addresses[0]")
@AdditionalPrinterColumn(name = "Programmed", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status")
@AdditionalPrinterColumn(name = "Ready", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
public class LoadBalancer extends CustomResource<LoadBalancerSpec, LoadBalancerStatus> implements Namespaced {
    public static final String GROUP = "slb.dev";
    public static final String VERSION = "v1alpha1";
}
