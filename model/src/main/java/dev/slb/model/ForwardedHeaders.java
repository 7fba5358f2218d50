package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Which of the product's own request headers an HTTP or HTTPS listener adds for its backends.
 * X-Forwarded-For is always added. Whatever a client sent under these names is removed whether the
 * switch is on or off, so a backend never reads a forged copy.
 *
 * @param xForwardedProto         {@code X-Forwarded-Proto: http|https} (default on)
 * @param slbIp                   {@code SLB-IP}: the instance address the client connected to (default off)
 * @param slbId                   {@code SLB-ID}: the LoadBalancer, as namespace/name (default off)
 * @param xForwardedClientSrcport {@code X-Forwarded-Client-Srcport}: the client's source port (default off)
 */
@JsonPropertyOrder({"xForwardedProto", "slbIp", "slbId", "xForwardedClientSrcport"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ForwardedHeaders(Boolean xForwardedProto, Boolean slbIp, Boolean slbId, Boolean xForwardedClientSrcport) {

    /** The product's defaults: X-Forwarded-Proto on, the rest off. */
    public static final ForwardedHeaders DEFAULT = new ForwardedHeaders(null, null, null, null);

    public ForwardedHeaders {
        xForwardedProto = xForwardedProto == null || xForwardedProto;
        slbIp = Boolean.TRUE.equals(slbIp);
        slbId = Boolean.TRUE.equals(slbId);
        xForwardedClientSrcport = Boolean.TRUE.equals(xForwardedClientSrcport);
    }
}
