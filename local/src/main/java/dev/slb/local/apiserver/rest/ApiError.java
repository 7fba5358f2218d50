package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kind;

/** A refused request, answered as a {@code Status} object with the API server's code, reason and message. */
final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int code;
    final String reason;
    /** The Status {@code details} (kind, name, causes), or null. */
    final transient JsonNode details;

    ApiError(int code, String reason, String message) {
        this(code, reason, message, null);
    }

    ApiError(int code, String reason, String message, JsonNode details) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, "BadRequest", message);
    }

    static ApiError invalid(String message) {
        return new ApiError(422, "Invalid", message);
    }

    static ApiError notFound(Kind kind, String name) {
        return new ApiError(404, "NotFound", kind.qualified() + " \"" + name + "\" not found");
    }

    static ApiError noSuchPath() {
        return new ApiError(404, "NotFound", "the server could not find the requested resource");
    }

    static ApiError conflict(Kind kind, String name, String why) {
        return new ApiError(
                409, "Conflict", "Operation cannot be fulfilled on " + kind.qualified() + " \"" + name + "\": " + why);
    }

    ObjectNode toStatus() {
        ObjectNode status = status(code, reason, getMessage());
        if (details != null) {
            status.set("details", details);
        }
        return status;
    }

    static ObjectNode status(int code, String reason, String message) {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason);
        status.put("code", code);
        return status;
    }
}
