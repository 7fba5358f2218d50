package dev.slb.local.apiserver.schema;

import static dev.slb.local.apiserver.json.GoValues.json;
import static dev.slb.local.apiserver.json.GoValues.value;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The invariants of {@code x-kubernetes-list-type} set and map lists: no item twice. */
final class ListTypes {

    private ListTypes() {}

    /** The uniqueness errors of set and map lists, with the API server's field paths ({@code m[key]} for maps). */
    static void listTypes(JsonNode s, JsonNode x, String path, List<Violation> out) {
        if (s == null) {
            return;
        }
        if (x instanceof ObjectNode o) {
            JsonNode ap = StructuralSchema.additional(s);
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                JsonNode property = s.path("properties").get(field.getKey());
                if (property == null && ap != null) {
                    listTypes(ap, field.getValue(), (path == null ? "" : path) + "[" + field.getKey() + "]", out);
                }
            }
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                JsonNode property = s.path("properties").get(field.getKey());
                if (property != null) {
                    listTypes(
                            property,
                            field.getValue(),
                            path == null ? field.getKey() : path + "." + field.getKey(),
                            out);
                }
            }
        } else if (x instanceof ArrayNode a) {
            String at = path == null ? "" : path;
            switch (s.path("x-kubernetes-list-type").asText("")) {
                case "set" ->
                    duplicates(a)
                            .forEach(i -> out.add(new Violation(
                                    at + "[" + i + "]", "Duplicate value: " + value(a.get(i)), "FieldValueDuplicate")));
                case "map" -> mapDuplicates(s, a, at, out);
                default -> {
                    // atomic lists have no invariant
                }
            }
            JsonNode items = StructuralSchema.items(s);
            for (int i = 0; i < a.size(); i++) {
                listTypes(items, a.get(i), at + "[" + i + "]", out);
            }
        }
    }

    private static void mapDuplicates(JsonNode s, ArrayNode a, String at, List<Violation> out) {
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isNull() && !a.get(i).isObject()) {
                out.add(new Violation(
                        at + "[" + i + "]",
                        "Invalid value: " + value(a.get(i)) + ": must be an object for an array of list-type map",
                        "FieldValueInvalid"));
                return;
            }
        }
        List<String> keyFields = new ArrayList<>();
        s.path("x-kubernetes-list-map-keys").forEach(k -> keyFields.add(k.asText()));
        ArrayNode keys = a.arrayNode();
        for (JsonNode item : a) {
            ObjectNode key = keys.addObject();
            for (String field : keyFields) {
                if (item.has(field)) {
                    key.set(field, item.get(field));
                }
            }
        }
        for (int i : duplicates(keys)) {
            out.add(new Violation(at + "[" + i + "]", "Duplicate value: " + value(keys.get(i)), "FieldValueDuplicate"));
        }
    }

    /** The index of the second appearance of each repeated item, as the API server reports them. */
    private static List<Integer> duplicates(ArrayNode a) {
        Map<String, Integer> seen = new HashMap<>();
        List<Integer> repeated = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String key = Checker.jsonType(a.get(i)) + ":" + json(a.get(i));
            if (seen.merge(key, 1, Integer::sum) == 2) {
                repeated.add(i);
            }
        }
        return repeated;
    }
}
