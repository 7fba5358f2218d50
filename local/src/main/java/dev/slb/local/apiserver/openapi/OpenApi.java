package dev.slb.local.apiserver.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.BuiltinKinds;
import dev.slb.local.apiserver.kinds.Kinds;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
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
import java.util.ServiceLoader;
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

    /** One served kind: where it lives, its scope, and its (and its list's) component names. */
    record Kind(
            String group,
            String version,
            String kind,
            String plural,
            boolean namespaced,
            boolean statusSubresource,
            String schema,
            String listSchema) {

        /** The key of its group version in the v3 index, e.g. {@code apis/apps/v1} or {@code api/v1}. */
        String groupVersionPath() {
            return group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
        }
    }

    /** One operation on one path, rendered into the v3 document of its group version and into v2. */
    record Route(
            String path,
            String method,
            String action,
            Kind kind,
            String operationId,
            String description,
            String responseSchema) {}

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
        List<Kind> kinds = new ArrayList<>(Builtins.KINDS);
        Map<String, ObjectNode> schemas = new HashMap<>(Builtins.SCHEMAS);
        for (JsonNode crd : crds) {
            addCrd(crd, kinds, schemas);
        }
        Map<String, List<Kind>> byGroupVersion = new LinkedHashMap<>();
        for (Kind kind : kinds) {
            byGroupVersion
                    .computeIfAbsent(kind.groupVersionPath(), k -> new ArrayList<>())
                    .add(kind);
        }
        ObjectNode index = NODES.objectNode();
        ObjectNode indexPaths = index.putObject("paths");
        Map<String, ObjectNode> groupVersions = new LinkedHashMap<>();
        Map<String, byte[]> groupVersionJson = new LinkedHashMap<>();
        List<Route> allRoutes = new ArrayList<>();
        for (Map.Entry<String, List<Kind>> entry : byGroupVersion.entrySet()) {
            List<Route> routes = new ArrayList<>();
            entry.getValue().forEach(kind -> routes.addAll(routes(kind)));
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
    private static ObjectNode groupVersionDocument(List<Route> routes, Map<String, ObjectNode> schemas) {
        ObjectNode doc = NODES.objectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "unversioned");
        ObjectNode paths = doc.putObject("paths");
        List<String> roots = new ArrayList<>();
        for (Route route : routes) {
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

    private static ObjectNode operation(Route route) {
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
        Kind kind = route.kind();
        op.set("x-kubernetes-group-version-kind", gvk(kind.group(), kind.version(), kind.kind()));
        return op;
    }

    /** The routes the API server offers for one kind (scale subresources are not served here). */
    static List<Route> routes(Kind kind) {
        String base = (kind.group().isEmpty() ? "/api/" : "/apis/" + kind.group() + "/") + kind.version();
        String scope = kind.namespaced() ? "Namespaced" : "";
        String id = camel(kind.group().isEmpty() ? "core" : kind.group()) + camel(kind.version());
        String k = kind.kind();
        String status = META + "Status";
        List<Route> routes = new ArrayList<>();
        String collection = base + "/" + kind.plural();
        if (kind.namespaced()) {
            if (kind.listSchema() != null) {
                routes.add(new Route(
                        collection,
                        "get",
                        "list",
                        kind,
                        "list" + id + k + "ForAllNamespaces",
                        "list or watch objects of kind " + k,
                        kind.listSchema()));
            }
            collection = base + "/namespaces/{namespace}/" + kind.plural();
        }
        if (kind.listSchema() != null) {
            routes.add(new Route(
                    collection,
                    "get",
                    "list",
                    kind,
                    "list" + id + scope + k,
                    "list or watch objects of kind " + k,
                    kind.listSchema()));
        }
        routes.add(new Route(
                collection,
                "post",
                "post",
                kind,
                "create" + id + scope + k,
                "create " + article(k) + k,
                kind.schema()));
        routes.add(new Route(
                collection,
                "delete",
                "deletecollection",
                kind,
                "deletecollection" + id + scope + k,
                "delete collection of " + k,
                status));
        String item = collection + "/{name}";
        routes.add(
                new Route(item, "get", "get", kind, "read" + id + scope + k, "read the specified " + k, kind.schema()));
        routes.add(new Route(
                item, "put", "put", kind, "replace" + id + scope + k, "replace the specified " + k, kind.schema()));
        routes.add(new Route(
                item,
                "patch",
                "patch",
                kind,
                "patch" + id + scope + k,
                "partially update the specified " + k,
                kind.schema()));
        routes.add(new Route(
                item, "delete", "delete", kind, "delete" + id + scope + k, "delete " + article(k) + k, status));
        if (kind.statusSubresource()) {
            String sub = item + "/status";
            routes.add(new Route(
                    sub,
                    "get",
                    "get",
                    kind,
                    "read" + id + scope + k + "Status",
                    "read status of the specified " + k,
                    kind.schema()));
            routes.add(new Route(
                    sub,
                    "put",
                    "put",
                    kind,
                    "replace" + id + scope + k + "Status",
                    "replace status of the specified " + k,
                    kind.schema()));
            routes.add(new Route(
                    sub,
                    "patch",
                    "patch",
                    kind,
                    "patch" + id + scope + k + "Status",
                    "partially update status of the specified " + k,
                    kind.schema()));
        }
        return routes;
    }

    /**
     * Adds each served version of a stored CRD: its openAPIV3Schema with apiVersion, kind and
     * metadata (a reference to ObjectMeta) added and the GVK extension, as the API server publishes
     * it, and its List type.
     */
    static void addCrd(JsonNode crd, List<Kind> kinds, Map<String, ObjectNode> schemas) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        String group = spec.path("group").asText();
        String plural = names.path("plural").asText();
        String kind = names.path("kind").asText();
        if (group.isEmpty() || plural.isEmpty() || kind.isEmpty()) {
            return;
        }
        String listKind = names.path("listKind").asText(kind + "List");
        boolean namespaced = !"Cluster".equals(spec.path("scope").asText("Namespaced"));
        for (JsonNode version : spec.path("versions")) {
            if (!version.path("served").asBoolean(true)) {
                continue;
            }
            String v = version.path("name").asText();
            String prefix = reverse(group) + "." + v + ".";
            JsonNode given = version.path("schema").path("openAPIV3Schema");
            ObjectNode schema;
            if (given.isObject()) {
                schema = given.deepCopy();
                ObjectNode properties = NODES.objectNode();
                properties.set("apiVersion", described(OpenApiModels.primitive("string", null), API_VERSION));
                properties.set("kind", described(OpenApiModels.primitive("string", null), KIND));
                properties.set("metadata", described(allOf(META + "ObjectMeta"), METADATA));
                if (schema.path("properties").isObject()) {
                    schema.path("properties")
                            .properties()
                            .forEach(p -> properties.putIfAbsent(p.getKey(), p.getValue()));
                }
                schema.set("properties", properties);
            } else {
                // With no schema the API server publishes a bare object: any field is allowed, so none
                // may be listed (kubectl would refuse the others).
                schema = OpenApiModels.primitive("object", null);
            }
            schema.putArray("x-kubernetes-group-version-kind").add(gvk(group, v, kind));
            schemas.put(prefix + kind, schema);

            ObjectNode list = OpenApiModels.primitive("object", null);
            list.put("description", listKind + " is a list of " + kind + ".");
            list.putArray("required").add("items");
            ObjectNode listProperties = list.putObject("properties");
            listProperties.set("apiVersion", described(OpenApiModels.primitive("string", null), API_VERSION));
            ObjectNode items = described(OpenApiModels.primitive("array", null), "The " + plural + ".");
            items.putObject("items").put("$ref", OpenApiModels.REF_PREFIX + prefix + kind);
            listProperties.set("items", items);
            listProperties.set("kind", described(OpenApiModels.primitive("string", null), KIND));
            listProperties.set(
                    "metadata",
                    described(allOf(META + "ListMeta"), "Standard list metadata: resourceVersion and continue."));
            list.putArray("x-kubernetes-group-version-kind").add(gvk(group, v, listKind));
            schemas.put(prefix + listKind, list);

            kinds.add(new Kind(
                    group,
                    v,
                    kind,
                    plural,
                    namespaced,
                    version.path("subresources").has("status"),
                    prefix + kind,
                    prefix + listKind));
        }
    }

    private static final String API_VERSION = "The versioned schema of this object, as group/version "
            + "(v1 for the core group). The server refuses versions it does not serve.";
    private static final String KIND = "The kind of object this is, in CamelCase. It cannot be updated.";
    private static final String METADATA = "Standard object metadata: name, namespace, labels and annotations, "
            + "and the fields the server sets (uid, resourceVersion, creationTimestamp, ...).";

    /** The value of {@code x-kubernetes-group-version-kind} for one kind. */
    static ObjectNode gvk(String group, String version, String kind) {
        return NODES.objectNode().put("group", group).put("kind", kind).put("version", version);
    }

    private static ObjectNode described(ObjectNode schema, String description) {
        return schema.put("description", description);
    }

    /** A reference with a description beside it, which JSON Schema allows only through allOf. */
    private static ObjectNode allOf(String component) {
        ObjectNode schema = NODES.objectNode();
        schema.putArray("allOf").addObject().put("$ref", OpenApiModels.REF_PREFIX + component);
        return schema;
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

    /** "slb.dev" becomes "dev.slb", the prefix of the API server's names for custom resources. */
    private static String reverse(String group) {
        String[] parts = group.split("\\.");
        StringBuilder result = new StringBuilder();
        for (int i = parts.length - 1; i >= 0; i--) {
            result.append(parts[i]).append(i > 0 ? "." : "");
        }
        return result.toString();
    }

    /** "rbac.authorization.k8s.io" becomes "RbacAuthorization", as in the API server's operation ids. */
    private static String camel(String text) {
        StringBuilder result = new StringBuilder();
        for (String part : text.split("[.-]")) {
            if (!part.isEmpty() && !part.equals("k8s") && !part.equals("io")) {
                result.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return result.toString();
    }

    private static String article(String kind) {
        return "AEIOU".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ";
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

    /** The built-in kinds of {@link BuiltinKinds} and their schemas, built once. */
    private static final class Builtins {

        static final List<Kind> KINDS;
        static final Map<String, ObjectNode> SCHEMAS;

        static {
            Map<String, Class<?>> classes = new HashMap<>();
            ServiceLoader.load(KubernetesResource.class, KubernetesResource.class.getClassLoader()).stream()
                    .map(ServiceLoader.Provider::type)
                    .filter(HasMetadata.class::isAssignableFrom)
                    .forEach(type -> {
                        @SuppressWarnings("unchecked")
                        Class<? extends HasMetadata> resource = (Class<? extends HasMetadata>) type;
                        classes.putIfAbsent(
                                HasMetadata.getApiVersion(resource) + "/" + HasMetadata.getKind(resource), type);
                    });
            OpenApiModels models = new OpenApiModels();
            models.add(Status.class);
            List<Kind> kinds = new ArrayList<>();
            for (dev.slb.local.apiserver.kinds.Kind r : BuiltinKinds.ALL) {
                Class<?> type = classes.get(r.apiVersion() + "/" + r.kind());
                if (type == null) {
                    continue;
                }
                String schema = models.addKind(type, r.group(), r.version(), r.kind());
                String listSchema = null;
                try {
                    Class<?> listType = Class.forName(type.getName() + "List", false, type.getClassLoader());
                    listSchema = models.addKind(listType, r.group(), r.version(), r.kind() + "List");
                } catch (ClassNotFoundException e) {
                    // fabric8 has a List class for every listable kind; without one, no list route is offered
                }
                kinds.add(new Kind(
                        r.group(), r.version(), r.kind(), r.plural(), r.namespaced(), r.status(), schema, listSchema));
            }
            KINDS = List.copyOf(kinds);
            SCHEMAS = Map.copyOf(models.schemas());
        }

        private Builtins() {}
    }
}
