package dev.slb.local.apiserver.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kind;
import java.util.List;

/**
 * The status subresource's split of an object, as a cluster's registry applies it on update: of a
 * kind that has the subresource, a write of the main resource keeps the stored status and a write
 * of the status keeps everything else.
 */
final class StatusSplit {

    private StatusSplit() {}

    /** What the status subresource lets a write change: the main resource keeps the status, the status keeps the rest. */
    static ObjectNode apply(Kind kind, ObjectStore.Part part, ObjectNode old, ObjectNode incoming) {
        if (!kind.status()) {
            return incoming;
        }
        ObjectNode next = part == ObjectStore.Part.STATUS ? old.deepCopy() : incoming;
        JsonNode status = (part == ObjectStore.Part.STATUS ? incoming : old).get("status");
        if (status == null) {
            next.remove("status");
        } else {
            next.set("status", status.deepCopy());
        }
        return next;
    }

    /** Whether anything but metadata and status changed: what moves {@code metadata.generation}. */
    static boolean specChanged(ObjectNode next, ObjectNode old) {
        return !withoutMetadataAndStatus(next).equals(withoutMetadataAndStatus(old));
    }

    private static ObjectNode withoutMetadataAndStatus(ObjectNode object) {
        ObjectNode rest = object.deepCopy();
        rest.remove(List.of("metadata", "status"));
        return rest;
    }
}
