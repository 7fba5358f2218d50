package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.util.Locale;

/** Applies a PATCH request body to the current object, by the patch's Content-Type. */
final class Patches {

    static final String JSON_PATCH = "application/json-patch+json";
    static final String MERGE_PATCH = "application/merge-patch+json";
    static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    static final String APPLY_PATCH = "application/apply-patch+yaml";

    private Patches() {}

    /** Refuses, before the body is read, a patch type this server does not apply. */
    static void requireSupported(String contentType) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith(APPLY_PATCH)) {
            throw new LocalApi.Failure(
                    415,
                    "UnsupportedMediaType",
                    "server-side apply is not supported by the local"
                            + " API server: use client-side `kubectl apply` (without --server-side)");
        }
        if (!type.startsWith(MERGE_PATCH) && !type.startsWith(STRATEGIC_MERGE_PATCH) && !type.startsWith(JSON_PATCH)) {
            throw new LocalApi.Failure(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - " + "accepted media types include: "
                            + JSON_PATCH + ", " + MERGE_PATCH + ", " + STRATEGIC_MERGE_PATCH);
        }
    }

    /**
     * Returns the patched object; never changes {@code current}.
     *
     * @throws LocalApi.Failure 415 for a patch type this server does not apply, 422 for a patch
     *     that does not apply to the object
     */
    static JsonNode apply(String contentType, JsonNode current, JsonNode patch, BuiltinResources.Resource resource) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        try {
            if (type.startsWith(MERGE_PATCH)) {
                return MergePatch.apply(current, patch);
            }
            if (type.startsWith(STRATEGIC_MERGE_PATCH)) {
                return StrategicMergePatch.apply(current, patch, resource.group(), resource.kind());
            }
            if (type.startsWith(JSON_PATCH)) {
                return JsonPatch.apply(patch, current);
            }
        } catch (PatchException e) {
            String reason = switch (e.code()) {
                case 400 -> "BadRequest";
                case 415 -> "UnsupportedMediaType";
                default -> "Invalid";
            };
            throw new LocalApi.Failure(e.code(), reason, e.getMessage());
        } catch (JsonPatchException | IllegalArgumentException e) {
            throw new LocalApi.Failure(422, "Invalid", "the JSON patch does not apply: " + e.getMessage());
        }
        requireSupported(type);
        throw new IllegalStateException("unreachable: " + type);
    }
}
