package dev.slb.local.apiserver.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kinds;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Builds and serves the OpenAPI documents kubectl reads: the v3 index and per-group-version
 * documents (explain, patch type, field-validation check) and the v2 protobuf document
 * (client-side validation).
 */
public final class OpenApi {

    /** One instance for every server: its cache is keyed by content, so servers can share it. */
    public static final OpenApi SHARED = new OpenApi();

    /**
     * The Content-Type of the v2 protobuf answer. kubectl asks with an '@' in the type, which Go's
     * MIME parser refuses in an answer, so the API server answers with a dot instead.
     */
    static final String V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    static final String JSON = "application/json";
    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int CACHED_SNAPSHOTS = 4;

    /**
     * An answer to one GET, independent of the HTTP front that sends it (which should add
     * {@code Cache-Control: no-cache, private}, as {@link #respond} does).
     */
    public record Answer(int code, String contentType, byte[] body) {}

    /** Every document for one set of stored CRDs. */
    record Documents(
            ObjectNode index,
            Map<String, ObjectNode> groupVersions,
            ObjectNode swagger,
            byte[] indexJson,
            Map<String, byte[]> groupVersionJson,
            byte[] swaggerJson,
            byte[] swaggerProtobuf) {}

    private final Map<String, Documents> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Documents> eldest) {
            return size() > CACHED_SNAPSHOTS;
        }
    };

    /**
     * Answers {@code GET path} for a path under {@code /openapi/}. {@code accept} picks JSON or
     * protobuf for {@code /openapi/v2}; null means protobuf, the only form kubectl asks for.
     */
    public Answer answer(String path, String accept, Kinds kinds) {
        return answer(path, accept, kinds.crds());
    }

    Answer answer(String path, String accept, List<JsonNode> crds) {
        if (path.equals("/openapi/v2")) {
            Documents docs = documents(crds);
            boolean json = accept != null && accept.contains("json") && !accept.contains("protobuf");
            return json
                    ? new Answer(200, JSON, docs.swaggerJson())
                    : new Answer(200, V2_PROTOBUF, docs.swaggerProtobuf());
        }
        if (path.equals("/openapi/v3")) {
            return new Answer(200, JSON, documents(crds).indexJson());
        }
        if (path.startsWith("/openapi/v3/")) {
            byte[] doc = documents(crds).groupVersionJson().get(path.substring("/openapi/v3/".length()));
            if (doc != null) {
                return new Answer(200, JSON, doc);
            }
            return notFound("no OpenAPI v3 document for " + path.substring("/openapi/v3/".length())
                    + ": the server serves no such group version (see /openapi/v3 for those it serves)");
        }
        return notFound("the server serves OpenAPI at /openapi/v3 and /openapi/v2 only, not " + path);
    }

    /**
     * The documents for these CRDs, built once per distinct content: the key is a digest of the
     * CRDs' names and specs, which (unlike resourceVersions) two servers cannot share by chance.
     */
    Documents documents(List<JsonNode> crds) {
        List<JsonNode> sorted = new ArrayList<>(crds);
        sorted.sort(Comparator.comparing(c -> c.path("metadata").path("name").asText()));
        String key = fingerprint(sorted);
        synchronized (cache) {
            Documents cached = cache.get(key);
            if (cached != null) {
                return cached;
            }
        }
        Documents built = build(sorted);
        synchronized (cache) {
            cache.put(key, built);
        }
        return built;
    }

    private static Documents build(List<JsonNode> crds) {
        List<Routes.Served> kinds = new ArrayList<>(BuiltinSchemas.KINDS);
        Map<String, ObjectNode> schemas = new HashMap<>(BuiltinSchemas.SCHEMAS);
        for (JsonNode crd : crds) {
            CrdSchemas.add(crd, kinds, schemas);
        }
        Map<String, List<Routes.Served>> byGroupVersion = new LinkedHashMap<>();
        for (Routes.Served kind : kinds) {
            byGroupVersion
                    .computeIfAbsent(kind.groupVersionPath(), k -> new ArrayList<>())
                    .add(kind);
        }
        ObjectNode index = NODES.objectNode();
        ObjectNode indexPaths = index.putObject("paths");
        Map<String, ObjectNode> groupVersions = new LinkedHashMap<>();
        Map<String, byte[]> groupVersionJson = new LinkedHashMap<>();
        List<Routes.Route> allRoutes = new ArrayList<>();
        for (Map.Entry<String, List<Routes.Served>> entry : byGroupVersion.entrySet()) {
            List<Routes.Route> routes = new ArrayList<>();
            entry.getValue().forEach(kind -> routes.addAll(Routes.of(kind)));
            allRoutes.addAll(routes);
            ObjectNode doc = groupVersionDocument(routes, schemas);
            byte[] json = bytes(doc);
            groupVersions.put(entry.getKey(), doc);
            groupVersionJson.put(entry.getKey(), json);
            // The hash is of the content, as the API server's is, so it is stable while the CRDs are.
            indexPaths
                    .putObject(entry.getKey())
                    .put("serverRelativeURL", "/openapi/v3/" + entry.getKey() + "?hash=" + digest("SHA-512", json));
        }
        ObjectNode swagger = OpenApiV2.swagger(allRoutes, schemas);
        return new Documents(
                index,
                groupVersions,
                swagger,
                bytes(index),
                groupVersionJson,
                bytes(swagger),
                OpenApiV2.protobuf(swagger));
    }

    /** A v3 document: the routes, and every schema they reach. */
    private static ObjectNode groupVersionDocument(List<Routes.Route> routes, Map<String, ObjectNode> schemas) {
        ObjectNode doc = NODES.objectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "unversioned");
        ObjectNode paths = doc.putObject("paths");
        List<String> roots = new ArrayList<>();
        for (Routes.Route route : routes) {
            ObjectNode item =
                    paths.has(route.path()) ? (ObjectNode) paths.get(route.path()) : pathItem(paths, route.path());
            item.set(route.method(), operation(route));
            roots.add(route.responseSchema());
            roots.add(route.kind().schema());
        }
        doc.putObject("components").set("schemas", closureNode(roots, schemas));
        return doc;
    }

    private static ObjectNode pathItem(ObjectNode paths, String path) {
        ObjectNode item = paths.putObject(path);
        ArrayNode parameters = item.putArray("parameters");
        if (path.contains("{name}")) {
            parameters.add(pathParameter("name", "name of the object"));
        }
        if (path.contains("{namespace}")) {
            parameters.add(pathParameter("namespace", "namespace of the objects"));
        }
        if (parameters.isEmpty()) {
            item.remove("parameters");
        }
        return item;
    }

    private static ObjectNode pathParameter(String name, String description) {
        ObjectNode parameter = NODES.objectNode();
        parameter
                .put("name", name)
                .put("in", "path")
                .put("description", description)
                .put("required", true);
        parameter.putObject("schema").put("type", "string").put("uniqueItems", true);
        return parameter;
    }

    private static ObjectNode operation(Routes.Route route) {
        // No query parameters, on purpose. Were fieldValidation (or dryRun) declared, kubectl would
        // leave validation to this server, which does none, and a misspelt field would pass silently;
        // without it, kubectl's default --validate=strict validates against the v2 document itself.
        // Strategic merge patch is not declared either: kubectl then builds it from its compiled-in
        // types for built-ins (as with no OpenAPI at all) rather than from schemas that lack the
        // patch-merge-key extensions.
        ObjectNode op = NODES.objectNode();
        op.put("description", route.description());
        op.put("operationId", route.operationId());
        switch (route.method()) {
            case "post", "put" ->
                op.putObject("requestBody")
                        .put("required", true)
                        .putObject("content")
                        .putObject(JSON)
                        .putObject("schema")
                        .put("$ref", OpenApiModels.REF_PREFIX + route.kind().schema());
            case "patch" -> {
                ObjectNode content =
                        op.putObject("requestBody").put("required", true).putObject("content");
                for (String type : OpenApiV2.PATCH_TYPES) {
                    content.putObject(type).putObject("schema").put("type", "object");
                }
            }
            default -> {}
        }
        op.putObject("responses")
                .putObject("200")
                .put("description", "OK")
                .putObject("content")
                .putObject(JSON)
                .putObject("schema")
                .put("$ref", OpenApiModels.REF_PREFIX + route.responseSchema());
        op.put("x-kubernetes-action", route.action());
        Routes.Served kind = route.kind();
        op.set("x-kubernetes-group-version-kind", gvk(kind.group(), kind.version(), kind.kind()));
        return op;
    }

    /** The value of {@code x-kubernetes-group-version-kind} for one kind. */
    static ObjectNode gvk(String group, String version, String kind) {
        return NODES.objectNode().put("group", group).put("kind", kind).put("version", version);
    }

    private static ObjectNode closureNode(List<String> roots, Map<String, ObjectNode> schemas) {
        ObjectNode node = NODES.objectNode();
        closure(roots, schemas).forEach(node::set);
        return node;
    }

    /** The named schemas and every schema they reference, sorted by name. */
    static Map<String, ObjectNode> closure(List<String> roots, Map<String, ObjectNode> schemas) {
        Map<String, ObjectNode> result = new TreeMap<>();
        ArrayDeque<String> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            String name = todo.poll();
            ObjectNode schema = schemas.get(name);
            if (schema != null && result.putIfAbsent(name, schema) == null) {
                references(schema, todo::add);
            }
        }
        return result;
    }

    /** Calls {@code sink} with the component name of every $ref inside {@code node}. */
    static void references(JsonNode node, Consumer<String> sink) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith(OpenApiModels.REF_PREFIX)) {
                sink.accept(ref.asText().substring(OpenApiModels.REF_PREFIX.length()));
            }
            node.forEach(child -> references(child, sink));
        } else if (node.isArray()) {
            node.forEach(child -> references(child, sink));
        }
    }

    private Answer notFound(String message) {
        ObjectNode status = NODES.objectNode();
        status.put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure")
                .put("message", message)
                .put("reason", "NotFound")
                .put("code", 404);
        return new Answer(404, JSON, bytes(status));
    }

    private static String fingerprint(List<JsonNode> crds) {
        StringBuilder text = new StringBuilder();
        for (JsonNode crd : crds) {
            text.append(crd.path("metadata").path("name").asText())
                    .append('\n')
                    .append(crd.path("spec").toString())
                    .append('\n');
        }
        return digest("SHA-256", text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String digest(String algorithm, byte[] data) {
        try {
            return HexFormat.of()
                    .withUpperCase()
                    .formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JVM", e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
