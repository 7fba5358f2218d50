package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A class of HTTP status codes a health check counts as good. */
public enum StatusClass {
    @JsonProperty("2xx")
    S2XX,
    @JsonProperty("3xx")
    S3XX,
    @JsonProperty("4xx")
    S4XX,
    @JsonProperty("5xx")
    S5XX;

    /** As the proxy config writes it: {@code 2xx}. */
    public String wireName() {
        return name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}
