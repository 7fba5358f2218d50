package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What one listener is doing, as the operator last saw it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ListenerStatus {
    @JsonPropertyDescription("The listener's name.")
    public String name;

    @JsonPropertyDescription("The listener's port.")
    public Integer port;

    @JsonPropertyDescription("Enabled, Disabled, or NotApplicable (TCP).")
    public String websocket;

    @JsonPropertyDescription("Why WebSocket is disabled, in CamelCase (RequiresGuaranteedPerformance).")
    public String websocketReason;

    @JsonPropertyDescription("What to do to enable WebSocket.")
    public String websocketMessage;
}
