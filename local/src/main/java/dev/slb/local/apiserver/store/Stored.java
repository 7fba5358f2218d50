package dev.slb.local.apiserver.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One stored version of an object: its JSON as it is served, and the few fields the store indexes
 * and watches select on, read once when it is written. Immutable, so a list, a watch event and
 * the history share it; {@link #tree()} gives a fresh copy to read or change.
 *
 * @param namespace null for a cluster-scoped object
 * @param owners its owner references
 * @param deleting whether it has a deletionTimestamp (finalizers or a grace period hold it)
 */
public record Stored(
        Kind kind,
        String namespace,
        String name,
        String uid,
        long resourceVersion,
        Map<String, String> labels,
        List<OwnerReference> owners,
        boolean deleting,
        byte[] json) {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** An owner reference, as garbage collection reads it. */
    public record OwnerReference(String apiVersion, String kind, String name, String uid) {}

    /** The object as written: its JSON is serialized once, here. */
    static Stored of(Kind kind, ObjectNode object) {
        JsonNode meta = object.path("metadata");
        Map<String, String> labels = new LinkedHashMap<>();
        meta.path("labels")
                .properties()
                .forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<OwnerReference> owners = new ArrayList<>();
        for (JsonNode ref : meta.path("ownerReferences")) {
            owners.add(new OwnerReference(
                    ref.path("apiVersion").asText(),
                    ref.path("kind").asText(),
                    ref.path("name").asText(),
                    ref.path("uid").asText()));
        }
        try {
            return new Stored(
                    kind,
                    kind.namespaced() ? meta.path("namespace").asText() : null,
                    meta.path("name").asText(),
                    meta.path("uid").asText(),
                    meta.path("resourceVersion").asLong(),
                    labels.isEmpty() ? Map.of() : Map.copyOf(labels),
                    List.copyOf(owners),
                    meta.hasNonNull("deletionTimestamp"),
                    MAPPER.writeValueAsBytes(object));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The object, parsed anew: the caller may change it. */
    public ObjectNode tree() {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where it is kept in its kind: {@code namespace/name}, or the name of a cluster-scoped object. */
    public String key() {
        return key(namespace, name);
    }

    static String key(String namespace, String name) {
        return namespace == null ? name : namespace + "/" + name;
    }
}
