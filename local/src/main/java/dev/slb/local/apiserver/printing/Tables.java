package dev.slb.local.apiserver.printing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Server-side printing: turns stored objects into the {@code meta.k8s.io/v1} Table that
 * {@code kubectl get} asks for, with the columns of the kind's {@link Printer}.
 */
public final class Tables {

    /**
     * The Content-Type of a Table answer and of a watch stream of Tables. The real server answers
     * plain JSON: the {@code as=Table} parameters appear only in the request's Accept header.
     */
    public static final String CONTENT_TYPE = "application/json";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Tables() {}

    /**
     * True when the Accept header asks for a meta.k8s.io Table (v1 or v1beta1) before any plain
     * representation, as the server's negotiation takes the first clause it can serve.
     */
    public static boolean wantsTable(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaRange> ranges = Arrays.stream(accept.split(","))
                .map(MediaRange::parse)
                .filter(range -> range.quality() > 0)
                .sorted(Comparator.comparingDouble(MediaRange::quality).reversed())
                .toList();
        for (MediaRange range : ranges) {
            String as = range.parameters().get("as");
            if (as == null) {
                if (range.servesPlainObjects()) {
                    return false;
                }
            } else if (as.equals("Table")
                    && range.type().equals("application/json")
                    && "meta.k8s.io".equals(range.parameters().get("g"))
                    && List.of("v1", "v1beta1").contains(range.parameters().get("v"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The Table for objects of one kind. {@code includeObject} is the request's parameter
     * ({@code None}, {@code Metadata} or null for the default, {@code Object}); any other value
     * throws IllegalArgumentException carrying the message the real server answers with 400.
     * {@code withColumns} is false for the watch events after the first: the real server sends
     * column definitions once, and kubectl reuses them.
     */
    public static ObjectNode table(
            Printer printer,
            String apiVersion,
            String kind,
            List<JsonNode> objects,
            String includeObject,
            String resourceVersion,
            boolean withColumns,
            Instant now) {
        Include include = Include.of(includeObject);
        ObjectNode table = JSON.objectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode metadata = table.putObject("metadata");
        if (resourceVersion != null && !resourceVersion.isEmpty()) {
            metadata.put("resourceVersion", resourceVersion);
        }
        if (withColumns) {
            ArrayNode columns = table.putArray("columnDefinitions");
            printer.columns().forEach(column -> columns.add(column.toJson()));
        } else {
            table.putNull("columnDefinitions");
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            printer.cells().apply(object, now).forEach(cell -> cells.add(cell(cell)));
            ArrayNode conditions = printer.conditions().apply(object);
            if (conditions != null) {
                row.set("conditions", conditions);
            }
            row.set("object", include.object(object, apiVersion, kind));
        }
        return table;
    }

    /** The request's includeObject choice and what it puts in each row's {@code object}. */
    private enum Include {
        NONE,
        METADATA,
        OBJECT;

        static Include of(String value) {
            if (value == null || value.isEmpty() || value.equals("Metadata")) {
                return METADATA;
            }
            if (value.equals("None")) {
                return NONE;
            }
            if (value.equals("Object")) {
                return OBJECT;
            }
            throw new IllegalArgumentException("Unable to convert to Table as requested: includeObject:"
                    + " Invalid value: \"" + value + "\": must be 'Metadata', 'Object', 'None', or empty");
        }

        JsonNode object(JsonNode object, String apiVersion, String kind) {
            return switch (this) {
                case NONE -> NullNode.getInstance();
                case METADATA -> {
                    // kubectl reads namespace and labels (-A, --show-labels) from this partial object.
                    ObjectNode partial = JSON.objectNode();
                    partial.put("kind", "PartialObjectMetadata");
                    partial.put("apiVersion", "meta.k8s.io/v1");
                    JsonNode metadata = object.path("metadata");
                    partial.set("metadata", metadata.isObject() ? metadata.deepCopy() : JSON.objectNode());
                    yield partial;
                }
                case OBJECT -> withTypeMeta(object, apiVersion, kind);
            };
        }
    }

    /** The object as the server converts it for a row: with apiVersion and kind even when stored without. */
    private static JsonNode withTypeMeta(JsonNode object, String apiVersion, String kind) {
        if (!object.isObject() || (object.hasNonNull("apiVersion") && object.hasNonNull("kind"))) {
            return object.deepCopy();
        }
        ObjectNode typed = JSON.objectNode();
        typed.put("apiVersion", apiVersion);
        typed.put("kind", kind);
        object.properties()
                .forEach(field -> typed.set(field.getKey(), field.getValue().deepCopy()));
        return typed;
    }

    private static JsonNode cell(Object value) {
        if (value == null) {
            return NullNode.getInstance();
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof String text) {
            return JSON.textNode(text);
        }
        if (value instanceof Long number) {
            return JSON.numberNode(number);
        }
        if (value instanceof Integer number) {
            return JSON.numberNode(number.longValue());
        }
        if (value instanceof Double number) {
            return JSON.numberNode(number);
        }
        if (value instanceof Boolean flag) {
            return JSON.booleanNode(flag);
        }
        throw new IllegalStateException("no JSON cell for " + value.getClass());
    }

    /** One clause of an Accept header: media type, parameters and q. */
    private record MediaRange(String type, Map<String, String> parameters, double quality) {
        static MediaRange parse(String clause) {
            String[] parts = clause.split(";");
            Map<String, String> parameters = new HashMap<>();
            double quality = 1;
            for (int i = 1; i < parts.length; i++) {
                String[] pair = parts[i].split("=", 2);
                if (pair.length != 2) {
                    continue;
                }
                String key = pair[0].trim().toLowerCase(Locale.ROOT);
                String value = pair[1].trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                if (key.equals("q")) {
                    try {
                        quality = Double.parseDouble(value);
                    } catch (NumberFormatException e) {
                        quality = 0;
                    }
                } else {
                    parameters.put(key, value);
                }
            }
            return new MediaRange(parts[0].trim().toLowerCase(Locale.ROOT), parameters, quality);
        }

        /** Whether the server would answer this clause with the plain object (or list) instead. */
        boolean servesPlainObjects() {
            return switch (type) {
                case "application/json",
                        "application/yaml",
                        "application/vnd.kubernetes.protobuf",
                        "application/*",
                        "*/*" -> true;
                default -> false;
            };
        }
    }
}
