package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the last config change did on the proxy replicas, as they reported it once every one served it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LastConfigChange {
    @JsonPropertyDescription("The proxy config version the report is about (status.configVersion when it was made).")
    public String version;

    @JsonPropertyDescription("When the last replica applied it (RFC 3339); when the operator saw every replica serve"
            + " it, if no replica reports its reloads.")
    public String appliedAt;

    @JsonPropertyDescription("Proxy replicas that served the version when the report was made.")
    public Integer replicas;

    @JsonPropertyDescription("Of those, the replicas that reported what applying it did (GET /reloads on their admin"
            + " port); a proxy release without it reports nothing. The connection counts sum over these.")
    public Integer replicasReporting;

    @JsonPropertyDescription("Client connections open when it was applied that carried on, over the reporting"
            + " replicas. Absent when no replica reported.")
    public Long connectionsKept;

    @JsonPropertyDescription("Client connections it closed at once (a reload closes none: 0 is the no-drop promise"
            + " kept). Absent when no replica reported.")
    public Long connectionsClosed;

    @JsonPropertyDescription("WebSocket and TCP connections on a backend the change removed: they carry on and are"
            + " closed within their listener's connectionDrain (close code 1001). Absent when no replica reported.")
    public Long connectionsDraining;
}
