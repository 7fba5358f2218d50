package dev.slb.local.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts the v3 schemas into the OpenAPI v2 document kubectl 1.32 validates against, and
 * encodes it as protobuf.
 */
final class OpenApiV2 {

    static final List<String> PATCH_TYPES = List.of("application/json-patch+json", "application/merge-patch+json");
    private static final String DEFINITIONS = "#/definitions/";
    private static final String GVK = "x-kubernetes-group-version-kind";
    private static final Set<String> PRIMITIVES = Set.of("string", "integer", "number", "boolean");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OpenApiV2() {}

    /** The Swagger 2.0 document for these routes and every schema (all group versions in one). */
    static ObjectNode swagger(List<Routes.Route> routes, Map<String, ObjectNode> schemas) {
        ObjectNode doc = NODES.objectNode();
        doc.put("swagger", "2.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "unversioned");
        ObjectNode paths = doc.putObject("paths");
        for (Routes.Route route : routes) {
            ObjectNode item =
                    paths.has(route.path()) ? (ObjectNode) paths.get(route.path()) : paths.putObject(route.path());
            ObjectNode op = item.putObject(route.method());
            op.put("description", route.description());
            op.put("operationId", route.operationId());
            List<String> consumes = route.method().equals("patch") ? PATCH_TYPES : List.of(OpenApi.JSON);
            consumes.forEach(op.putArray("consumes")::add);
            op.putArray("produces").add(OpenApi.JSON);
            op.putObject("responses")
                    .putObject("200")
                    .put("description", "OK")
                    .putObject("schema")
                    .put("$ref", DEFINITIONS + route.responseSchema());
            op.put("x-kubernetes-action", route.action());
            Routes.Served kind = route.kind();
            op.set(GVK, OpenApi.gvk(kind.group(), kind.version(), kind.kind()));
        }
        ObjectNode definitions = doc.putObject("definitions");
        new TreeMap<>(schemas).forEach((name, schema) -> definitions.set(name, schema(schema)));
        return doc;
    }

    /**
     * One v3 schema as v2 says it, with references pointing into {@code #/definitions/}.
     *
     * <p>It keeps what kubectl's validator reads (types, properties, items, maps, required fields,
     * the GVK extension) and, like the API server's own v2 publishing, drops what v2 cannot say:
     * int-or-string becomes a string of format int-or-string, a schema that keeps unknown fields
     * becomes "anything", and anyOf, oneOf, not and value validations go. kubectl's parser refuses
     * the whole document for one $ref with a type or properties beside it, or one array without a
     * single item schema, so neither is ever written.
     */
    static ObjectNode schema(JsonNode v3) {
        ObjectNode out = NODES.objectNode();
        String ref = reference(v3);
        if (ref != null) {
            out.put("$ref", DEFINITIONS + ref);
            copy(v3, out, "description");
            return out;
        }
        copy(v3, out, "description");
        copy(v3, out, GVK);
        if (v3.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return out.put("type", "string").put("format", "int-or-string");
        }
        if (v3.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return out; // any value: its fields are kept, so none may be called unknown
        }
        String type = v3.path("type").asText("");
        JsonNode properties = v3.path("properties");
        if (PRIMITIVES.contains(type)) {
            out.put("type", type);
            copy(v3, out, "format");
        } else if (type.equals("array")) {
            if (v3.path("items").isObject()) {
                out.put("type", "array");
                out.set("items", schema(v3.get("items")));
            }
        } else if (type.equals("object") || type.isEmpty() && properties.isObject() && !properties.isEmpty()) {
            if (properties.isObject() && !properties.isEmpty()) {
                if (!type.isEmpty()) {
                    out.put("type", "object");
                }
                ObjectNode converted = out.putObject("properties");
                properties.properties().forEach(p -> converted.set(p.getKey(), schema(p.getValue())));
                copy(v3, out, "required");
            } else {
                out.put("type", "object");
                if (v3.path("additionalProperties").isObject()) {
                    out.set("additionalProperties", schema(v3.get("additionalProperties")));
                }
            }
        }
        return out;
    }

    /** The component a schema refers to, directly or as the only member of allOf; else null. */
    private static String reference(JsonNode v3) {
        JsonNode ref = v3.get("$ref");
        if (ref == null && v3.path("allOf").size() == 1 && !v3.has("type") && !v3.has("properties")) {
            ref = v3.get("allOf").get(0).get("$ref");
        }
        if (ref == null || !ref.isTextual() || !ref.asText().startsWith(OpenApiModels.REF_PREFIX)) {
            return null;
        }
        return ref.asText().substring(OpenApiModels.REF_PREFIX.length());
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field).deepCopy());
        }
    }

    /**
     * The document as gnostic's protobuf messages (field numbers from its OpenAPIv2.proto): the
     * only form kubectl asks for, and parses whatever the Content-Type says.
     */
    static byte[] protobuf(ObjectNode swagger) {
        Message doc = new Message();
        doc.string(1, swagger.path("swagger").asText());
        doc.message(
                2,
                new Message()
                        .string(1, swagger.path("info").path("title").asText())
                        .string(2, swagger.path("info").path("version").asText()));
        Message paths = new Message();
        swagger.path("paths")
                .properties()
                .forEach(p ->
                        paths.message(2, new Message().string(1, p.getKey()).message(2, pathItem(p.getValue()))));
        doc.message(8, paths);
        Message definitions = new Message();
        swagger.path("definitions").properties().forEach(d -> definitions.message(1, named(d.getKey(), d.getValue())));
        doc.message(9, definitions);
        return doc.toByteArray();
    }

    private static Message pathItem(JsonNode item) {
        Message m = new Message();
        String[] methods = {"get", "put", "post", "delete", "options", "head", "patch"};
        for (int i = 0; i < methods.length; i++) {
            if (item.has(methods[i])) {
                m.message(i + 2, operation(item.get(methods[i])));
            }
        }
        return m;
    }

    private static Message operation(JsonNode op) {
        Message m = new Message();
        m.string(3, op.path("description").asText());
        m.string(5, op.path("operationId").asText());
        op.path("produces").forEach(p -> m.string(6, p.asText()));
        op.path("consumes").forEach(c -> m.string(7, c.asText()));
        Message responses = new Message();
        op.path("responses").properties().forEach(r -> {
            Message response =
                    new Message().string(1, r.getValue().path("description").asText());
            if (r.getValue().has("schema")) {
                response.message(
                        2, new Message().message(1, schemaMessage(r.getValue().get("schema"))));
            }
            responses.message(1, new Message().string(1, r.getKey()).message(2, new Message().message(1, response)));
        });
        m.message(9, responses);
        op.properties().forEach(e -> {
            if (e.getKey().startsWith("x-")) {
                m.message(13, vendorExtension(e.getKey(), e.getValue()));
            }
        });
        return m;
    }

    private static Message named(String name, JsonNode schema) {
        return new Message().string(1, name).message(2, schemaMessage(schema));
    }

    private static Message schemaMessage(JsonNode s) {
        Message m = new Message();
        m.string(1, s.path("$ref").asText(""));
        m.string(2, s.path("format").asText(""));
        m.string(4, s.path("description").asText(""));
        s.path("required").forEach(r -> m.string(19, r.asText()));
        if (s.path("additionalProperties").isObject()) {
            m.message(21, new Message().message(1, schemaMessage(s.get("additionalProperties"))));
        }
        if (s.has("type")) {
            m.message(22, new Message().string(1, s.get("type").asText()));
        }
        if (s.path("items").isObject()) {
            m.message(23, new Message().message(1, schemaMessage(s.get("items"))));
        }
        if (s.path("properties").isObject()) {
            Message properties = new Message();
            s.get("properties").properties().forEach(p -> properties.message(1, named(p.getKey(), p.getValue())));
            m.message(25, properties);
        }
        if (s.has(GVK)) {
            m.message(31, vendorExtension(GVK, s.get(GVK)));
        }
        return m;
    }

    /** gnostic keeps extension values as YAML text; JSON is YAML, so the value is written as JSON. */
    private static Message vendorExtension(String name, JsonNode value) {
        return new Message().string(1, name).message(2, new Message().string(2, value.toString()));
    }

    /** A protobuf message being written: fields are appended in the order they are set. */
    private static final class Message {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /** A string field; empty strings are proto3 defaults and are not written. */
        Message string(int field, String value) {
            if (!value.isEmpty()) {
                bytes(field, value.getBytes(StandardCharsets.UTF_8));
            }
            return this;
        }

        Message message(int field, Message value) {
            bytes(field, value.toByteArray());
            return this;
        }

        private void bytes(int field, byte[] value) {
            varint((long) field << 3 | 2);
            varint(value.length);
            out.writeBytes(value);
        }

        private void varint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) (value & 0x7F) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
