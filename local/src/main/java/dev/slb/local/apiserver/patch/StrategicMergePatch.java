package dev.slb.local.apiserver.patch;

import static dev.slb.local.apiserver.patch.PatchLists.checkOrderMatches;
import static dev.slb.local.apiserver.patch.PatchLists.deleteFromPrimitiveList;
import static dev.slb.local.apiserver.patch.PatchLists.directive;
import static dev.slb.local.apiserver.patch.PatchLists.directiveField;
import static dev.slb.local.apiserver.patch.PatchLists.elements;
import static dev.slb.local.apiserver.patch.PatchLists.indexOf;
import static dev.slb.local.apiserver.patch.PatchLists.ordered;
import static dev.slb.local.apiserver.patch.PatchLists.requireKey;
import static dev.slb.local.apiserver.patch.PatchLists.requireValue;
import static dev.slb.local.apiserver.patch.PatchLists.retainKeys;
import static dev.slb.local.apiserver.patch.PatchLists.selector;
import static dev.slb.local.apiserver.patch.PatchLists.unknownDirective;
import static dev.slb.local.apiserver.patch.PatchLists.withoutNullFields;
import static java.util.Map.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.BuiltinKinds;
import dev.slb.local.apiserver.kinds.MergeRule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Kubernetes strategic merge patch ({@code application/strategic-merge-patch+json}) for the
 * built-in kinds this API server serves, as {@code kubectl apply} and {@code kubectl patch} send it.
 */
public final class StrategicMergePatch {

    // Follows k8s.io/apimachinery's strategicpatch as the API server runs it (v0.32), because kubectl
    // apply computes its patches expecting exactly that: maps merge key by key and a null deletes; a
    // list merges by its merge key, or as a set of values, only where the Kubernetes API types tag it
    // patchStrategy:"merge", and is replaced whole otherwise; the directives are $patch (replace or
    // delete, in a map or a list item), $retainKeys, $setElementOrder/<field> and
    // $deleteFromPrimitiveList/<field>; merged lists come out in the order the server gives them.
    // What the server would reject, or what this table cannot tell, is refused rather than guessed.

    static final String PATCH = "$patch";
    static final String RETAIN_KEYS = "$retainKeys";
    static final String SET_ELEMENT_ORDER = "$setElementOrder";
    static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";

    /** What the real server answers a strategic merge patch of a custom resource with (HTTP 415). */
    static final String CUSTOM_RESOURCE_MESSAGE = "the body of the request was in an unknown format - accepted media"
            + " types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Map<String, MergeRule> rules;
    private final String kind;

    private StrategicMergePatch(Map<String, MergeRule> rules, String kind) {
        this.rules = rules;
        this.kind = kind;
    }

    /**
     * Returns {@code original} with {@code patch} applied; neither argument is changed.
     *
     * @param group the API group of the object's kind, {@code ""} for the core group
     * @throws PatchException 415 for a kind this server knows no merge keys for (custom resources
     *     above all, as on a real cluster), 400 for a malformed patch, 422 for a patch that cannot
     *     be applied to this object
     */
    public static JsonNode apply(JsonNode original, JsonNode patch, String group, String kind) throws PatchException {
        Map<String, MergeRule> rules = BuiltinKinds.mergeKeys(group, kind);
        String label = group.isEmpty() ? kind : kind + "." + group;
        if (rules == null) {
            // A custom resource's group has a dot and is not one Kubernetes reserves (*.k8s.io): a kind
            // in any other group that the table lacks is this server's gap, not a custom resource.
            if (group.contains(".") && !group.endsWith(".k8s.io")) {
                throw PatchException.unsupportedMediaType(CUSTOM_RESOURCE_MESSAGE);
            }
            throw PatchException.unsupportedMediaType("strategic merge patch of " + label + " is not implemented by the"
                    + " local API server, which serves " + BuiltinKinds.names()
                    + " only; send a JSON merge patch (kubectl patch --type=merge) or a JSON patch (--type=json)");
        }
        if (original == null || !original.isObject()) {
            throw new IllegalArgumentException("the object to patch must be a JSON object");
        }
        if (patch == null || !patch.isObject()) {
            throw PatchException.badRequest("a strategic merge patch must be a JSON object, not "
                    + (patch == null
                            ? "nothing"
                            : patch.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        if (patch.get(PATCH) != null && "delete".equals(patch.get(PATCH).asText())) {
            throw PatchException.unprocessable("\"$patch: delete\" at the top of the patch would delete the whole "
                    + label + "; use kubectl delete instead");
        }
        return new StrategicMergePatch(rules, label)
                .mergeObject(((ObjectNode) original).deepCopy(), (ObjectNode) patch, Path.ROOT);
    }

    /** The place in the object being merged: the rule-table key and the path shown in errors. */
    record Path(String pattern, String shown) {
        static final Path ROOT = new Path("", "");

        Path field(String name) {
            return new Path(
                    pattern.isEmpty() ? name : pattern + "." + name, shown.isEmpty() ? name : shown + "." + name);
        }

        Path item(String selector) {
            return new Path(pattern, shown + "[" + selector + "]");
        }

        @Override
        public String toString() {
            return shown.isEmpty() ? "the top level of the patch" : shown;
        }
    }

    /** Merges {@code patch} into {@code target}, which this call owns and may change. */
    private ObjectNode mergeObject(ObjectNode target, ObjectNode patch, Path path) throws PatchException {
        JsonNode directive = patch.get(PATCH);
        if (directive != null) {
            switch (directive(directive, path)) {
                case "replace" -> {
                    ObjectNode rest = patch.deepCopy();
                    rest.remove(PATCH);
                    return mergeObject(NODES.objectNode(), rest, path);
                }
                // The server answers delete with an empty object in place, not with the field removed.
                case "delete" -> {
                    return NODES.objectNode();
                }
                case "merge" ->
                    throw PatchException.unprocessable(
                            path + ": \"$patch: merge\" is not accepted in a map by"
                                    + " the Kubernetes API server (\"unknown patch type: merge\"); maps merge by default, so leave it out");
                default -> throw unknownDirective(directive, path);
            }
        }
        retainKeys(target, patch, path);
        Set<String> ordered = new HashSet<>();
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            if (field.getKey().startsWith(SET_ELEMENT_ORDER)) {
                String name = directiveField(field.getKey(), SET_ELEMENT_ORDER, path);
                if (setElementOrder(target, name, field.getValue(), patch.get(name), path.field(name))) {
                    ordered.add(name);
                }
            }
        }
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.equals(RETAIN_KEYS) || key.startsWith(SET_ELEMENT_ORDER) || ordered.contains(key)) {
                continue;
            }
            if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                String name = directiveField(key, DELETE_FROM_PRIMITIVE_LIST, path);
                deleteFromPrimitiveList(target, name, value, path.field(name));
                continue;
            }
            if (value.isNull()) {
                target.remove(key);
                continue;
            }
            JsonNode current = target.get(key);
            JsonNode merged = mergeValue(current == null || current.isNull() ? null : current, value, path.field(key));
            if (merged == null) {
                target.remove(key);
            } else {
                target.set(key, merged);
            }
        }
        return target;
    }

    /** The merged value of one field, or null when the field is to be left out. */
    private JsonNode mergeValue(JsonNode current, JsonNode patch, Path path) throws PatchException {
        MergeRule rule = rules.get(path.pattern());
        if (patch.isObject()) {
            ObjectNode object = (ObjectNode) patch;
            if (current != null && current.isObject()) {
                boolean replace = rule != null && rule.strategy() == MergeRule.Strategy.REPLACE;
                return mergeObject(replace ? NODES.objectNode() : (ObjectNode) current, object, path);
            }
            // A field that is new, or whose type the patch changes: deleting it leaves nothing behind.
            if (object.get(PATCH) != null && "delete".equals(directive(object.get(PATCH), path))) {
                return null;
            }
            return mergeObject(NODES.objectNode(), object, path);
        }
        if (patch.isArray()) {
            ArrayNode list = (ArrayNode) patch;
            if (rule != null && rule.mergesList()) {
                return mergeList(current != null && current.isArray() ? (ArrayNode) current : null, list, rule, path);
            }
            return atomicList(list, path);
        }
        return patch.deepCopy();
    }

    private ArrayNode mergeList(ArrayNode current, ArrayNode patch, MergeRule rule, Path path) throws PatchException {
        return mergeListKeepingSlots(current, patch, rule, path).list();
    }

    /** A merged list, with the stored list's slots as the server's in-place edits leave them. */
    private record Merged(ArrayNode list, List<JsonNode> slots) {}

    // Go deletes items of the stored list in place (later items shift left, the last slot keeps a
    // stale copy) and appends new items into the freed slots; $setElementOrder then orders by those
    // slots. Emulating it keeps the order of a list that loses one item and gains another the same
    // as on a real cluster (a sidecar injected at the end stays ahead of a container added in place
    // of a removed one).
    private Merged mergeListKeepingSlots(ArrayNode current, ArrayNode patch, MergeRule rule, Path path)
            throws PatchException {
        if (rule.strategy() == MergeRule.Strategy.MERGE_VALUES) {
            // For values Go appends into spare capacity, which depends on how the object was decoded;
            // the stored order is the only stable answer.
            return new Merged(mergeValues(current, patch, path), elements(current));
        }
        return mergeByKey(current, patch, rule.mergeKey(), path);
    }

    private Merged mergeByKey(ArrayNode current, ArrayNode patch, String key, Path path) throws PatchException {
        JsonNode[] slots = elements(current).toArray(new JsonNode[0]);
        int length = slots.length;
        List<JsonNode> items = new ArrayList<>();
        boolean replace = false;
        for (JsonNode item : patch) {
            if (!item.isObject()) {
                throw PatchException.unprocessable(path + " is a list merged by \"" + key + "\" in " + kind
                        + ", so every item of the patch must be an object; found " + item);
            }
            JsonNode directive = item.get(PATCH);
            if (directive == null) {
                items.add(item);
                continue;
            }
            switch (directive(directive, path)) {
                case "delete" -> {
                    JsonNode value = requireKey(item, key, path);
                    for (int i = indexOf(slots, length, value, key); i >= 0; i = indexOf(slots, length, value, key)) {
                        System.arraycopy(slots, i + 1, slots, i, length - i - 1);
                        length--;
                    }
                }
                case "replace" -> replace = true;
                case "merge" ->
                    throw PatchException.unprocessable(path + ": \"$patch: merge\" is not accepted in a list by"
                            + " the Kubernetes API server (\"merging lists cannot yet be specified in the patch\"); "
                            + path
                            + " merges by \"" + key + "\" by default, so leave it out");
                default -> throw unknownDirective(directive, path);
            }
        }
        if (replace) {
            ArrayNode replaced = NODES.arrayNode();
            for (JsonNode item : items) {
                replaced.add(mergeObject(NODES.objectNode(), (ObjectNode) item, path.item(selector(item, key))));
            }
            return new Merged(replaced, List.of(slots));
        }
        List<JsonNode> merged = new ArrayList<>(List.of(slots).subList(0, length));
        List<JsonNode> serverOrder = List.copyOf(merged);
        for (JsonNode item : items) {
            JsonNode value = requireKey(item, key, path);
            Path at = path.item(selector(item, key));
            int i = indexOf(merged, value, existing -> existing.get(key));
            if (i >= 0) {
                merged.set(i, mergeObject((ObjectNode) merged.get(i), (ObjectNode) item, at));
            } else {
                JsonNode added = mergeObject(NODES.objectNode(), (ObjectNode) item, at);
                merged.add(added);
                if (length < slots.length) {
                    slots[length++] = added;
                }
            }
        }
        return new Merged(ordered(merged, items, serverOrder, existing -> existing.get(key)), List.of(slots));
    }

    private ArrayNode mergeValues(ArrayNode current, ArrayNode patch, Path path) throws PatchException {
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : patch) {
            requireValue(item, path, path.toString());
            items.add(item);
        }
        List<JsonNode> original = elements(current);
        List<JsonNode> merged = new ArrayList<>();
        for (JsonNode value : original) {
            if (indexOf(merged, value, Function.identity()) < 0) {
                merged.add(value);
            }
        }
        for (JsonNode value : items) {
            if (indexOf(merged, value, Function.identity()) < 0) {
                merged.add(value.deepCopy());
            }
        }
        return ordered(merged, items, original, Function.identity());
    }

    /** Applies {@code $setElementOrder/<name>}; false when the list itself is deleted and the order is moot. */
    private boolean setElementOrder(ObjectNode target, String name, JsonNode order, JsonNode patch, Path path)
            throws PatchException {
        if (patch != null && patch.isNull()) {
            return false;
        }
        String directive = SET_ELEMENT_ORDER + "/" + name;
        if (!order.isArray()) {
            throw PatchException.badRequest(path + ": " + directive + " must be a list, not " + order);
        }
        MergeRule rule = rules.get(path.pattern());
        if (rule == null || !rule.mergesList()) {
            throw PatchException.unprocessable(path + ": " + directive + " applies only to a list with merge semantics,"
                    + " and " + kind + " replaces " + path + " whole; send the complete list without the directive");
        }
        if (patch != null && !patch.isArray()) {
            throw PatchException.unprocessable(
                    path + ": " + directive + " comes with a " + path + " that is not a list");
        }
        JsonNode current = target.get(name);
        boolean stored = current != null && !current.isNull();
        if (stored && !current.isArray()) {
            throw PatchException.unprocessable(
                    path + " is not a list in the stored " + kind + ", so " + directive + " cannot order it");
        }
        Function<JsonNode, JsonNode> identity;
        if (rule.strategy() == MergeRule.Strategy.MERGE_BY_KEY) {
            identity = item -> item.get(rule.mergeKey());
            for (JsonNode entry : order) {
                if (!entry.isObject()
                        || entry.get(rule.mergeKey()) == null
                        || entry.get(rule.mergeKey()).isNull()) {
                    throw PatchException.badRequest(path + ": every entry of " + directive
                            + " must be an object naming its" + " item by \"" + rule.mergeKey() + "\"; found " + entry);
                }
            }
        } else {
            identity = Function.identity();
            for (JsonNode entry : order) {
                requireValue(entry, path, directive);
            }
        }
        List<JsonNode> orderList = elements((ArrayNode) order);
        if (patch != null) {
            checkOrderMatches(elements((ArrayNode) patch), orderList, rule, identity, path, directive);
        }
        if (!stored && patch == null) {
            return true;
        }
        List<JsonNode> merged = elements(stored ? (ArrayNode) current : null);
        List<JsonNode> serverOrder = merged;
        if (patch != null) {
            Merged result = mergeListKeepingSlots(stored ? (ArrayNode) current : null, (ArrayNode) patch, rule, path);
            merged = elements(result.list());
            serverOrder = result.slots();
        }
        target.set(name, ordered(merged, orderList, serverOrder, identity));
        return true;
    }

    /**
     * A list replaced whole. Like the server's decoding, fields set to null are dropped; a
     * {@code $patch} item means the sender expected this list to merge, which it does not here.
     */
    private ArrayNode atomicList(ArrayNode patch, Path path) throws PatchException {
        for (JsonNode item : patch) {
            if (item.isObject() && item.get(PATCH) != null) {
                throw PatchException.unprocessable(
                        path + " is replaced whole when " + kind + " is patched (it has no merge"
                                + " key), so its items cannot carry \"$patch\"; send the complete list instead");
            }
        }
        return (ArrayNode) withoutNullFields(patch);
    }
}
