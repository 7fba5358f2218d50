package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.slb.model.Persistence;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** Keeps each client address of a TCP listener on one backend, on every replica alike. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PersistenceSpec {
    public static final int MAX_TIMEOUT_SECONDS = Persistence.MAX_TIMEOUT_SECONDS;

    /** What identifies a client. */
    public enum Type {
        SourceIP
    }

    @Required
    @JsonPropertyDescription("SourceIP: the client's address (not its port) picks the backend.")
    public Type type;

    @Default("" + Persistence.DEFAULT_TIMEOUT_SECONDS)
    @Min(0)
    @Max(MAX_TIMEOUT_SECONDS)
    @JsonPropertyDescription("Seconds each proxy replica keeps a client on the backend it last used after its last"
            + " new connection, 0..3600 (default " + Persistence.DEFAULT_TIMEOUT_SECONDS + "), even when a backend that"
            + " went unhealthy comes back: the client does not move back and forth. 0 keeps nothing: the hash over the"
            + " healthy backends alone decides, and a client moves as soon as the healthy set changes.")
    public Integer timeoutSeconds;
}
