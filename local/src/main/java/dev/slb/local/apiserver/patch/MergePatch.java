package dev.slb.local.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;

/** RFC 7386 JSON merge patch ({@code application/merge-patch+json}): arrays replaced, nulls delete. */
public final class MergePatch {

    private MergePatch() {}

    /**
     * Returns {@code target} with {@code patch} merged in; neither argument is changed. A null or
     * missing {@code target} is a document that does not exist yet.
     */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        Objects.requireNonNull(patch, "patch");
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        // Walk the target first so that the result keeps its field order; fields only the patch names
        // are appended, as the RFC's pseudo-code does.
        if (target != null && target.isObject()) {
            for (Map.Entry<String, JsonNode> field : target.properties()) {
                JsonNode change = patch.get(field.getKey());
                if (change == null) {
                    result.set(field.getKey(), field.getValue().deepCopy());
                } else if (!change.isNull()) {
                    result.set(field.getKey(), apply(field.getValue(), change));
                }
            }
        }
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            if (!field.getValue().isNull() && (target == null || !target.isObject() || !target.has(field.getKey()))) {
                result.set(field.getKey(), apply(null, field.getValue()));
            }
        }
        return result;
    }
}
