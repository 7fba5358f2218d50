package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The PROXY protocol version a TCP listener sends its backends. */
public enum BackendProxyProtocol {
    @JsonProperty("v1")
    V1,
    @JsonProperty("v2")
    V2
}
