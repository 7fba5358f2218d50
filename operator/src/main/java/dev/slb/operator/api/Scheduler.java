package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a listener spreads new connections over the backends. */
public enum Scheduler {
    @JsonProperty("wrr")
    WRR,
    @JsonProperty("wlc")
    WLC,
    @JsonProperty("rr")
    RR
}
