package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.BuiltinKinds;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.patch.PatchException;
import dev.slb.local.apiserver.patch.Patches;
import dev.slb.local.apiserver.store.GarbageCollector;
import dev.slb.local.apiserver.store.ObjectStore;
import dev.slb.local.apiserver.store.ObjectStore.Part;
import dev.slb.local.apiserver.store.Stored;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Create, update, patch, delete and scale: the request's object checked against its path, then
 * written through the store with the {@link Admission} every write gets.
 */
final class Writes {

    private final ObjectStore store;
    private final Admission admission;

    Writes(ObjectStore store, Clock clock) {
        this.store = store;
        this.admission = new Admission(clock);
    }

    ApiResponse create(ApiRequest request, ResourcePath p, Kind kind) {
        ObjectNode object = objectBody(body(request), p, kind);
        ObjectNode metadata = object.withObject("metadata");
        if (kind.namespaced()) {
            String ns = metadata.path("namespace").asText(p.namespace() == null ? "" : p.namespace());
            if (p.namespace() == null) {
                throw new ApiError(
                        405,
                        "MethodNotAllowed",
                        "create " + kind.qualified() + " in a namespace: POST to /namespaces/{namespace}/"
                                + kind.plural());
            }
            if (!ns.equals(p.namespace())) {
                throw ApiError.badRequest("the namespace of the provided object (" + ns
                        + ") does not match the namespace sent on the request (" + p.namespace() + ")");
            }
            metadata.put("namespace", ns);
            requireNamespace(ns);
        }
        String name = metadata.path("name").asText("");
        if (name.isEmpty() && metadata.path("generateName").asText("").isEmpty()) {
            throw ApiError.invalid(
                    kind.kind() + " is invalid: metadata.name: Required value: name or generateName is required");
        }
        if (name.isEmpty()) {
            metadata.put("name", metadata.path("generateName").asText() + randomSuffix());
        }
        admission.create(kind, object);
        if (LocalApi.isDryRun(request, null)) {
            return Json.reply(201, object);
        }
        return Json.reply(201, store.create(kind, object).json());
    }

    ApiResponse update(ApiRequest request, ResourcePath p, Kind kind) {
        ObjectNode object = objectBody(body(request), p, kind);
        return write(request, p, kind, current -> object);
    }

    ApiResponse patch(ApiRequest request, ResourcePath p, Kind kind) {
        try {
            Patches.requireSupported(request.contentType()); // before the lookup: SSA of a new object too
        } catch (PatchException e) {
            throw refused(e);
        }
        JsonNode patch = Json.parse(request.body(), "patch");
        return write(request, p, kind, current -> {
            try {
                if (Patches.apply(request.contentType(), current, patch, kind.group(), kind.kind())
                        instanceof ObjectNode patched) {
                    return patched;
                }
            } catch (PatchException e) {
                throw refused(e);
            }
            throw ApiError.invalid("the patch does not leave an object");
        });
    }

    private ApiResponse write(ApiRequest request, ResourcePath p, Kind kind, UnaryOperator<ObjectNode> change) {
        Part part = "status".equals(p.subresource()) ? Part.STATUS : Part.MAIN;
        Stored written = store.update(
                kind,
                p.namespace(),
                p.name(),
                part,
                change,
                (next, old) -> admission.update(kind, part, next, old),
                LocalApi.isDryRun(request, null));
        return Json.reply(200, written.json());
    }

    ApiResponse delete(ApiRequest request, ResourcePath p, Kind kind) {
        JsonNode options = request.hasBody() ? body(request) : null;
        Consumer<Stored> preconditions = current -> {
            JsonNode wanted = options == null ? null : options.path("preconditions");
            if (wanted != null && wanted.isObject()) {
                checkPrecondition(kind, current, "uid", current.uid(), wanted);
                checkPrecondition(kind, current, "resourceVersion", String.valueOf(current.resourceVersion()), wanted);
            }
        };
        if (LocalApi.isDryRun(request, options)) {
            Stored current = store.get(kind, p.namespace(), p.name());
            if (current == null) {
                throw ApiError.notFound(kind, p.name());
            }
            preconditions.accept(current);
            return Json.reply(200, current.json());
        }
        String policy = request.param("propagationPolicy");
        if (options != null && options.hasNonNull("propagationPolicy")) {
            policy = options.get("propagationPolicy").asText();
        } else if (options != null && options.has("orphanDependents")) {
            policy = options.get("orphanDependents").asBoolean() ? "Orphan" : "Background";
        }
        String finalizer = "Orphan".equals(policy) ? GarbageCollector.ORPHAN : null;
        Stored result =
                store.delete(kind, p.namespace(), p.name(), gracePeriod(request, options), finalizer, preconditions);
        return Json.reply(200, result.json());
    }

    ApiResponse deleteCollection(ApiRequest request, ResourcePath p, Kind kind) {
        JsonNode options = request.hasBody() ? body(request) : null;
        Predicate<Stored> selector = Reads.selector(request);
        ObjectNode list = Json.MAPPER.createObjectNode().put("kind", kind.kind() + "List");
        list.put("apiVersion", kind.apiVersion());
        ArrayNode deleted = Json.MAPPER.createArrayNode();
        for (Stored object : store.list(kind, p.namespace()).items()) {
            if (selector.test(object)) {
                if (!LocalApi.isDryRun(request, options)) {
                    store.delete(kind, object.namespace(), object.name(), gracePeriod(request, options), null, o -> {});
                }
                deleted.add(object.tree());
            }
        }
        list.putObject("metadata").put("resourceVersion", String.valueOf(store.resourceVersion()));
        list.set("items", deleted);
        return Json.reply(200, list);
    }

    /** The scale subresource ({@code kubectl scale}): an {@code autoscaling/v1} Scale over {@code spec.replicas}. */
    ApiResponse scale(ApiRequest request, ResourcePath p, Kind kind, String method) {
        Stored current = store.get(kind, p.namespace(), p.name());
        if (current == null) {
            throw ApiError.notFound(kind, p.name());
        }
        if (method.equals("GET")) {
            return Json.reply(200, scaleOf(current.tree()));
        }
        if (!method.equals("PUT") && !method.equals("PATCH")) {
            throw new ApiError(405, "MethodNotAllowed", method + " is not supported on " + p);
        }
        JsonNode wanted = method.equals("PUT") ? body(request) : scalePatch(request, current);
        JsonNode replicas = wanted == null ? null : wanted.path("spec").get("replicas");
        if (replicas == null || !replicas.canConvertToInt() || replicas.asInt() < 0) {
            throw ApiError.invalid("Scale.autoscaling \"" + p.name() + "\" is invalid: spec.replicas: Invalid value: "
                    + replicas + ": must be greater than or equal to 0");
        }
        Stored written = store.update(
                kind,
                p.namespace(),
                p.name(),
                Part.MAIN,
                object -> {
                    object.withObject("spec").put("replicas", replicas.asInt());
                    object.withObject("metadata").remove("resourceVersion");
                    return object;
                },
                (next, old) -> admission.update(kind, Part.MAIN, next, old),
                LocalApi.isDryRun(request, null));
        return Json.reply(200, scaleOf(written.tree()));
    }

    private JsonNode scalePatch(ApiRequest request, Stored current) {
        try {
            return Patches.apply(
                    request.contentType(),
                    scaleOf(current.tree()),
                    Json.parse(request.body(), "patch"),
                    "autoscaling",
                    "Scale");
        } catch (PatchException e) {
            throw refused(e);
        }
    }

    private static ObjectNode scaleOf(JsonNode workload) {
        ObjectNode scale = Json.MAPPER.createObjectNode().put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String field : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (workload.path("metadata").has(field)) {
                meta.set(field, workload.path("metadata").get(field));
            }
        }
        scale.putObject("spec")
                .put("replicas", workload.path("spec").path("replicas").asInt(1));
        StringBuilder selector = new StringBuilder();
        workload.path("spec")
                .path("selector")
                .path("matchLabels")
                .properties()
                .forEach(e -> selector.append(selector.length() == 0 ? "" : ",")
                        .append(e.getKey())
                        .append('=')
                        .append(e.getValue().asText()));
        scale.putObject("status")
                .put("replicas", workload.path("status").path("replicas").asInt(0))
                .put("selector", selector.toString());
        return scale;
    }

    private void requireNamespace(String ns) {
        Stored namespace = store.get(BuiltinKinds.ALL.get(0), null, ns);
        if (namespace == null) {
            throw new ApiError(404, "NotFound", "namespaces \"" + ns + "\" not found");
        }
        if (namespace.deleting()) {
            throw new ApiError(
                    403,
                    "Forbidden",
                    "unable to create new content in namespace " + ns + " because it is being terminated");
        }
    }

    private static ObjectNode objectBody(JsonNode body, ResourcePath p, Kind kind) {
        if (!(body instanceof ObjectNode object)) {
            throw ApiError.badRequest("the request has no object body");
        }
        String apiVersion = object.path("apiVersion").asText();
        if (!apiVersion.equals(kind.apiVersion())) {
            throw ApiError.badRequest("the API version in the data (" + apiVersion
                    + ") does not match the expected API version (" + kind.apiVersion() + ")");
        }
        if (!object.path("kind").asText().equals(kind.kind())) {
            throw ApiError.badRequest("the kind in the data ("
                    + object.path("kind").asText() + ") does not match the expected kind (" + kind.kind() + ")");
        }
        if (!object.path("metadata").isObject()) {
            object.putObject("metadata");
        }
        return object;
    }

    private static JsonNode body(ApiRequest request) {
        if (!request.hasBody()) {
            return null;
        }
        String type = request.contentType() == null
                ? Json.TYPE
                : request.contentType().toLowerCase(Locale.ROOT);
        if (type.contains("protobuf")) {
            return ProtobufBodies.toJson(request.body());
        }
        if (!type.contains("json")) {
            throw new ApiError(
                    415,
                    "UnsupportedMediaType",
                    "the local API server accepts JSON bodies only, not " + request.contentType());
        }
        return Json.parse(request.body(), "body");
    }

    private static Long gracePeriod(ApiRequest request, JsonNode options) {
        if (options != null && options.hasNonNull("gracePeriodSeconds")) {
            return options.get("gracePeriodSeconds").asLong();
        }
        String query = request.param("gracePeriodSeconds");
        return query == null ? null : Long.valueOf(query);
    }

    private static void checkPrecondition(Kind kind, Stored current, String field, String actual, JsonNode wanted) {
        if (wanted.hasNonNull(field) && !wanted.get(field).asText().equals(actual)) {
            throw ApiError.conflict(
                    kind,
                    current.name(),
                    "Precondition failed: " + field + " in precondition: "
                            + wanted.get(field).asText() + ", " + field + " in object meta: " + actual);
        }
    }

    private static ApiError refused(PatchException e) {
        String reason = switch (e.code()) {
            case 400 -> "BadRequest";
            case 415 -> "UnsupportedMediaType";
            default -> "Invalid";
        };
        return new ApiError(e.code(), reason, e.getMessage());
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            b.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
