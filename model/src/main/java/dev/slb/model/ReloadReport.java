package dev.slb.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one proxy replica reports of its last config reloads on its admin port ({@link
 * ProxyContract#RELOADS_PATH}), written by the proxy and read by the operator: for each applied version, when, how long
 * it took and what it did to the connections open then.
 *
 * @param available false for a replica that does not serve the path (a proxy release before it): nothing is known
 * @param reloads   the applied versions, oldest first
 */
public record ReloadReport(boolean available, List<Reload> reloads) {
    // The JSON field names, written and read here alone so the proxy and the operator cannot drift.
    private static final String RELOADS = "reloads";
    private static final String VERSION = "version";
    private static final String APPLIED_AT = "appliedAt";
    private static final String DURATION_SECONDS = "durationSeconds";
    private static final String CONNECTIONS_KEPT = "connectionsKept";
    private static final String CONNECTIONS_DRAINING = "connectionsDraining";
    private static final String CONNECTIONS_CLOSED = "connectionsClosed";

    /** A replica that does not report its reloads. */
    public static final ReloadReport UNAVAILABLE = new ReloadReport(false, List.of());

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /**
     * One applied version: the connections open when it was applied, kept, or draining (on a
     * backend that left; they close within the listener's connection drain), and closed at once.
     */
    public record Reload(String version, Instant appliedAt, Duration took, long kept, long draining, long closed) {}

    public ReloadReport {
        reloads = List.copyOf(reloads);
    }

    /** The last time {@code version} was applied, if the replica still remembers it. */
    public Optional<Reload> applied(String version) {
        for (int i = reloads.size() - 1; i >= 0; i--) {
            if (reloads.get(i).version().equals(version)) {
                return Optional.of(reloads.get(i));
            }
        }
        return Optional.empty();
    }

    /** The JSON the proxy serves: {@code {"reloads":[{"version":...,"appliedAt":...,...}]}}. */
    public String write() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray(RELOADS);
        for (Reload r : reloads) {
            list.addObject()
                    .put(VERSION, r.version())
                    .put(APPLIED_AT, r.appliedAt().toString())
                    .put(DURATION_SECONDS, r.took().toNanos() / 1e9)
                    .put(CONNECTIONS_KEPT, r.kept())
                    .put(CONNECTIONS_DRAINING, r.draining())
                    .put(CONNECTIONS_CLOSED, r.closed());
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always writes", e);
        }
    }

    /**
     * Reads what {@link #write()} wrote; fields it does not know are ignored (a newer proxy may add some), an
     * entry without a version or a readable time is skipped.
     *
     * @throws IllegalArgumentException when the text is not a JSON object with a {@code reloads} list
     */
    public static ReloadReport parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.path(RELOADS).isArray()) {
            throw new IllegalArgumentException("no \"" + RELOADS + "\" list");
        }
        List<Reload> reloads = new ArrayList<>();
        for (JsonNode r : root.path(RELOADS)) {
            if (!r.path(VERSION).isTextual()) {
                continue;
            }
            Instant at;
            try {
                at = Instant.parse(r.path(APPLIED_AT).asText());
            } catch (DateTimeParseException e) {
                continue;
            }
            reloads.add(new Reload(
                    r.path(VERSION).asText(),
                    at,
                    Duration.ofNanos(Math.round(r.path(DURATION_SECONDS).asDouble(0) * 1e9)),
                    r.path(CONNECTIONS_KEPT).asLong(0),
                    r.path(CONNECTIONS_DRAINING).asLong(0),
                    r.path(CONNECTIONS_CLOSED).asLong(0)));
        }
        return new ReloadReport(true, reloads);
    }
}
