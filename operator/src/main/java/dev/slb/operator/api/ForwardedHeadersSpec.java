package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Which of the product's own headers an HTTP or HTTPS listener adds to the requests it sends to backends. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForwardedHeadersSpec {
    @Default("true")
    @JsonPropertyDescription(
            "Add X-Forwarded-Proto (http or https, as the client spoke to the listener). Default" + " true.")
    public Boolean xForwardedProto;

    @Default("false")
    @JsonPropertyDescription("Add SLB-IP: this instance's address, the one clients connect to: its Service's load"
            + " balancer address (status.loadBalancer.ingress, the first entry's ip, else its hostname). Until the"
            + " Service has one, the address the proxy pod saw the client connect to (the pod's own when the"
            + " Service forwards to it; the one a proxyProtocol header names). The address arriving or changing"
            + " is a reload, never a pod restart. Default false.")
    public Boolean slbIp;

    @Default("false")
    @JsonPropertyDescription("Add SLB-ID: this LoadBalancer, as namespace/name. Default false.")
    public Boolean slbId;

    @Default("false")
    @JsonPropertyDescription("Add X-Forwarded-Client-Srcport: the client's source port. Default false.")
    public Boolean xForwardedClientSrcport;
}
