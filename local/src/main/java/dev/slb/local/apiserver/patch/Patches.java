package dev.slb.local.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.util.Locale;

/** Applies a PATCH request body to the current object, by the patch's Content-Type. */
public final class Patches {

    static final String JSON_PATCH = "application/json-patch+json";
    static final String MERGE_PATCH = "application/merge-patch+json";
    static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    static final String APPLY_PATCH = "application/apply-patch+yaml";

    private Patches() {}

    /** Refuses, before the object is read, a patch type this server does not apply (415). */
    public static void requireSupported(String contentType) throws PatchException {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith(APPLY_PATCH)) {
            throw PatchException.unsupportedMediaType("server-side apply is not supported by the local API server:"
                    + " use client-side `kubectl apply` (without --server-side)");
        }
        if (!type.startsWith(MERGE_PATCH) && !type.startsWith(STRATEGIC_MERGE_PATCH) && !type.startsWith(JSON_PATCH)) {
            throw PatchException.unsupportedMediaType("the body of the request was in an unknown format - accepted"
                    + " media types include: " + JSON_PATCH + ", " + MERGE_PATCH + ", " + STRATEGIC_MERGE_PATCH);
        }
    }

    /**
     * Returns the patched object; never changes {@code current}.
     *
     * @param group the group of the object's kind ({@code ""} for the core group), for strategic merge patch
     * @throws PatchException 415 for a patch type this server does not apply to this kind, 400 for a
     *     malformed patch, 422 for one that does not apply to the object
     */
    public static JsonNode apply(String contentType, JsonNode current, JsonNode patch, String group, String kind)
            throws PatchException {
        requireSupported(contentType);
        String type = contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith(MERGE_PATCH)) {
            return MergePatch.apply(current, patch);
        }
        if (type.startsWith(STRATEGIC_MERGE_PATCH)) {
            return StrategicMergePatch.apply(current, patch, group, kind);
        }
        try {
            return JsonPatch.apply(patch, current);
        } catch (JsonPatchException | IllegalArgumentException e) {
            throw PatchException.unprocessable("the JSON patch does not apply: " + e.getMessage());
        }
    }
}
