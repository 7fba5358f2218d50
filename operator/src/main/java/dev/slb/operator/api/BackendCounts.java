package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How many of a listener's backends are healthy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackendCounts {
    @JsonPropertyDescription("Backends that most ready proxy replicas report healthy: their health checks pass and"
            + " passive health has not ejected them.")
    public Integer healthy;

    @JsonPropertyDescription("The listener's backends (draining ones left out).")
    public Integer total;

    public BackendCounts() {}

    public BackendCounts(int healthy, int total) {
        this.healthy = healthy;
        this.total = total;
    }
}
