package dev.slb.local.apiserver.patch;

import static dev.slb.local.apiserver.patch.StrategicMergePatch.DELETE_FROM_PRIMITIVE_LIST;
import static dev.slb.local.apiserver.patch.StrategicMergePatch.NODES;
import static dev.slb.local.apiserver.patch.StrategicMergePatch.PATCH;
import static dev.slb.local.apiserver.patch.StrategicMergePatch.RETAIN_KEYS;
import static dev.slb.local.apiserver.patch.StrategicMergePatch.SET_ELEMENT_ORDER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.MergeRule;
import dev.slb.local.apiserver.patch.StrategicMergePatch.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** What strategic merge patch does to lists and directives apart from the merge itself: order, checks, lookups. */
final class PatchLists {

    private PatchLists() {}

    /**
     * Orders a merged list as the API server does: the items the patch names follow the patch's
     * order, the others keep their order in the stored list, and the two are interleaved by their
     * positions in the stored list where both have one.
     */
    static ArrayNode ordered(
            List<JsonNode> merged,
            List<JsonNode> patchOrder,
            List<JsonNode> serverOrder,
            Function<JsonNode, JsonNode> identity) {
        List<JsonNode> patchItems = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        for (JsonNode item : merged) {
            (position(patchOrder, item, identity) >= 0 ? patchItems : serverOnly).add(item);
        }
        patchItems.sort(Comparator.comparingInt(item -> rank(patchOrder, item, identity)));
        serverOnly.sort(Comparator.comparingInt(item -> rank(serverOrder, item, identity)));
        ArrayNode out = NODES.arrayNode();
        int i = 0;
        int j = 0;
        while (i < serverOnly.size() || j < patchItems.size()) {
            if (i >= serverOnly.size()) {
                out.add(patchItems.get(j++));
            } else if (j >= patchItems.size()) {
                out.add(serverOnly.get(i++));
            } else {
                int left = position(serverOrder, serverOnly.get(i), identity);
                int right = position(serverOrder, patchItems.get(j), identity);
                // A patch item that is new to the list goes before the stored items still waiting.
                if (left >= 0 && right >= 0 && left < right) {
                    out.add(serverOnly.get(i++));
                } else {
                    out.add(patchItems.get(j++));
                }
            }
        }
        return out;
    }

    /** The items the patch sets must appear in {@code $setElementOrder} in the same relative order. */
    static void checkOrderMatches(
            List<JsonNode> patch,
            List<JsonNode> order,
            MergeRule rule,
            Function<JsonNode, JsonNode> identity,
            Path path,
            String directive)
            throws PatchException {
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : patch) {
            boolean directiveItem = item.isObject() && item.get(PATCH) != null;
            if (!directiveItem) {
                if (rule.strategy() == MergeRule.Strategy.MERGE_BY_KEY) {
                    requireKey(item, rule.mergeKey(), path);
                }
                items.add(item);
            }
        }
        int p = 0;
        for (int o = 0; p < items.size() && o < order.size(); o++) {
            if (sameValue(identity.apply(items.get(p)), identity.apply(order.get(o)))) {
                p++;
            }
        }
        if (p < items.size()) {
            throw PatchException.badRequest(path + ": the items of the patch list are not in " + directive
                    + ", or not in its order: " + patch + " against " + order);
        }
    }

    static void deleteFromPrimitiveList(ObjectNode target, String name, JsonNode values, Path path)
            throws PatchException {
        String directive = DELETE_FROM_PRIMITIVE_LIST + "/" + name;
        if (!values.isArray()) {
            throw PatchException.badRequest(
                    path + ": " + directive + " must be a list of the values to delete, not " + values);
        }
        for (JsonNode value : values) {
            requireValue(value, path, directive);
        }
        JsonNode current = target.get(name);
        if (current == null || current.isNull()) {
            return;
        }
        if (!current.isArray()) {
            throw PatchException.unprocessable(
                    path + " is not a list in the stored object, so " + directive + " cannot delete from it");
        }
        ArrayNode kept = NODES.arrayNode();
        for (JsonNode item : current) {
            if (item.isContainerNode()) {
                throw PatchException.unprocessable(
                        path + " is a list of objects, and " + directive + " deletes plain values"
                                + " only; delete an item with {\"$patch\": \"delete\", <merge key>: ...} instead");
            }
            if (indexOf(elements((ArrayNode) values), item, Function.identity()) < 0) {
                kept.add(item);
            }
        }
        target.set(name, kept);
    }

    /** Keeps only the fields {@code $retainKeys} lists, after checking the patch sets no other. */
    static void retainKeys(ObjectNode target, ObjectNode patch, Path path) throws PatchException {
        JsonNode retain = patch.get(RETAIN_KEYS);
        if (retain == null) {
            return;
        }
        if (!retain.isArray()) {
            throw PatchException.badRequest(path + ": $retainKeys must be a list of field names, not " + retain);
        }
        Set<String> keep = new HashSet<>();
        for (JsonNode name : retain) {
            if (!name.isTextual()) {
                throw PatchException.badRequest(path + ": $retainKeys must be a list of field names; found " + name);
            }
            keep.add(name.textValue());
        }
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            String key = field.getKey();
            if (field.getValue().isNull()
                    || key.equals(RETAIN_KEYS)
                    || key.startsWith(SET_ELEMENT_ORDER)
                    || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                continue;
            }
            if (!keep.contains(key)) {
                throw PatchException.badRequest(
                        path + ": the patch sets \"" + key + "\" but $retainKeys " + retain + " does not keep it");
            }
        }
        target.retain(keep);
    }

    static JsonNode withoutNullFields(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = NODES.objectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (!field.getValue().isNull()) {
                    copy.set(field.getKey(), withoutNullFields(field.getValue()));
                }
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = NODES.arrayNode();
            node.forEach(item -> copy.add(withoutNullFields(item)));
            return copy;
        }
        return node.deepCopy();
    }

    static String directive(JsonNode value, Path path) throws PatchException {
        if (!value.isTextual()) {
            throw unknownDirective(value, path);
        }
        return value.textValue();
    }

    static PatchException unknownDirective(JsonNode value, Path path) {
        return PatchException.unprocessable(path + ": unknown directive \"$patch\": " + value
                + "; the API server accepts \"replace\" and \"delete\"");
    }

    /** The field a {@code $setElementOrder/<field>} or {@code $deleteFromPrimitiveList/<field>} directive names. */
    static String directiveField(String key, String prefix, Path path) throws PatchException {
        int slash = key.indexOf('/');
        if (slash != prefix.length() || slash == key.length() - 1) {
            throw PatchException.badRequest(
                    path + ": \"" + key + "\" is not a valid directive; write \"" + prefix + "/<field>\"");
        }
        return key.substring(slash + 1);
    }

    static JsonNode requireKey(JsonNode item, String key, Path path) throws PatchException {
        JsonNode value = item.get(key);
        if (value == null || value.isNull()) {
            throw PatchException.unprocessable(
                    path + " is a list merged by \"" + key + "\", but the patch has an item" + " without one: " + item);
        }
        return value;
    }

    static void requireValue(JsonNode value, Path path, String where) throws PatchException {
        if (value.isContainerNode() || value.isNull()) {
            throw PatchException.unprocessable(path + " is a list of plain values merged as a set, so " + where
                    + " may hold only strings, numbers or booleans; found " + value);
        }
    }

    static String selector(JsonNode item, String key) {
        JsonNode value = item.get(key);
        return key + "=" + (value == null ? "?" : value.isTextual() ? value.textValue() : value.toString());
    }

    static List<JsonNode> elements(ArrayNode list) {
        List<JsonNode> out = new ArrayList<>();
        if (list != null) {
            list.forEach(out::add);
        }
        return out;
    }

    static int indexOf(List<JsonNode> list, JsonNode value, Function<JsonNode, JsonNode> identity) {
        for (int i = 0; i < list.size(); i++) {
            if (sameValue(identity.apply(list.get(i)), value)) {
                return i;
            }
        }
        return -1;
    }

    static int indexOf(JsonNode[] slots, int length, JsonNode value, String key) {
        for (int i = 0; i < length; i++) {
            if (sameValue(slots[i].get(key), value)) {
                return i;
            }
        }
        return -1;
    }

    static int position(List<JsonNode> list, JsonNode item, Function<JsonNode, JsonNode> identity) {
        JsonNode value = identity.apply(item);
        for (int i = 0; i < list.size(); i++) {
            if (sameValue(identity.apply(list.get(i)), value)) {
                return i;
            }
        }
        return -1;
    }

    static int rank(List<JsonNode> order, JsonNode item, Function<JsonNode, JsonNode> identity) {
        int i = position(order, item, identity);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    /** JSON equality, with 80 and 80.0 equal as the server's decoded numbers are; a missing key matches nothing. */
    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a == null || b == null || a.isNull() || b.isNull()) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }
}
