package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How this instance's proxy pods drain when they stop, overriding the operator's default. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DrainSpec {
    public static final int MAX_READINESS_GRACE_SECONDS = 300;
    public static final int MAX_TIMEOUT_SECONDS = 3600;

    @Min(0)
    @Max(MAX_READINESS_GRACE_SECONDS)
    @JsonPropertyDescription("Seconds a stopping proxy pod keeps accepting after it turns not-ready, while the"
            + " cluster stops sending it traffic, 0..300 (default: the operator's, 5 unless set otherwise)."
            + " Changing it rolls the proxy pods once, since it sets their terminationGracePeriodSeconds.")
    public Integer readinessGraceSeconds;

    @Min(1)
    @Max(MAX_TIMEOUT_SECONDS)
    @JsonPropertyDescription("Seconds a stopping proxy pod lets its connections finish once it stops accepting,"
            + " 1..3600 (default: the operator's, 30 unless set otherwise); the WebSocket connections left are then"
            + " closed with 1001, spread over the last third of this window so clients do not reconnect in one herd."
            + " Changing it rolls the proxy pods once, since it sets their terminationGracePeriodSeconds.")
    public Integer timeoutSeconds;
}
