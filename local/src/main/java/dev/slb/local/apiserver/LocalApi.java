package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's semantics, apart from HTTP: discovery, then get, list, watch, create, update,
 * patch and delete of any resource discovery lists, with selectors, Tables, the status
 * subresource split, namespaces, defaulting and garbage collection by owner references.
 *
 * <p>Every write runs under one lock, so a read-modify-write (a patch, a cascade of deletions)
 * is atomic and a watch opened after a list misses no change.
 */
final class LocalApi {

    private static final Logger LOG = LoggerFactory.getLogger(LocalApi.class);
    static final String JSON = "application/json";
    /** Namespaces a cluster has from the start. */
    static final List<String> INITIAL_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    private final ObjectMapper mapper;
    private final Storage storage;
    private final WatchHub hub;
    private final Discovery discovery;
    private final Clock clock;
    private final ReentrantLock writes = new ReentrantLock();
    /** Objects removed by the current write, whose dependents garbage collection visits next. */
    private final Deque<JsonNode> removed = new ArrayDeque<>();

    private volatile Map<String, List<BuiltinResources.Resource>> catalog;

    LocalApi(ObjectMapper mapper, Storage storage, WatchHub hub, Discovery discovery, Clock clock) {
        this.mapper = mapper;
        this.storage = storage;
        this.hub = hub;
        this.discovery = discovery;
        this.clock = clock;
        hub.follow((path, before, after) -> {
            if (path.resource().equals("customresourcedefinitions")) {
                catalog = null;
            }
            if (after == null && before != null) {
                removed.add(before);
            }
        });
    }

    /** Creates the namespaces every cluster starts with. */
    void createInitialNamespaces() {
        for (String ns : INITIAL_NAMESPACES) {
            ObjectNode namespace = mapper.createObjectNode();
            namespace
                    .put("apiVersion", "v1")
                    .put("kind", "Namespace")
                    .putObject("metadata")
                    .put("name", ns);
            ApiResponse r =
                    handle(new ApiRequest("POST", "/api/v1/namespaces", Map.of(), JSON, JSON, bytes(namespace)));
            if (r instanceof ApiResponse.Reply reply && reply.status() != 201) {
                throw new IllegalStateException(
                        "cannot create namespace " + ns + ": " + new String(reply.body(), StandardCharsets.UTF_8));
            }
        }
    }

    /** An API error, answered as a {@code Status} object. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;
        final String reason;
        /** The Status {@code details} (kind, name, causes), or null. */
        final transient JsonNode details;

        Failure(int code, String reason, String message) {
            this(code, reason, message, null);
        }

        Failure(int code, String reason, String message, JsonNode details) {
            super(message);
            this.code = code;
            this.reason = reason;
            this.details = details;
        }
    }

    ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (Failure f) {
            ObjectNode status = statusNode(f.code, f.reason, f.getMessage());
            if (f.details != null) {
                status.set("details", f.details);
            }
            return json(f.code, status);
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", request.method(), request.path(), e);
            return status(
                    500,
                    "InternalError",
                    "the local API server failed on " + request.method() + " " + request.path() + ": " + e);
        }
    }

    private ApiResponse route(ApiRequest request) {
        String path = request.path().length() > 1 && request.path().endsWith("/")
                ? request.path().substring(0, request.path().length() - 1)
                : request.path();
        String method = request.method().toUpperCase(Locale.ROOT);
        if (method.equals("GET")) {
            ApiResponse.Reply answer = discovery.answer(path, request.accept());
            if (answer != null) {
                return answer;
            }
        }
        ResourcePath p = ResourcePath.parse(path);
        if (p == null) {
            throw notFoundPath();
        }
        BuiltinResources.Resource resource = resource(p.groupVersion(), p.resource());
        if (resource == null || (p.namespace() != null && !resource.namespaced())) {
            throw notFoundPath();
        }
        if (p.subresource() != null && resource(p.groupVersion(), p.resource() + "/" + p.subresource()) == null) {
            throw notFoundPath();
        }
        JsonNode body = request.hasBody() && !method.equals("PATCH") ? parseBody(request) : null;
        if ("scale".equals(p.subresource())) {
            return scale(request, p, method, body);
        }
        return switch (method) {
            case "GET" ->
                p.isCollection() ? (isWatch(request) ? watch(request, p) : list(request, p)) : get(request, p);
            case "POST" -> p.isCollection() ? locked(() -> create(request, p, resource, body)) : notAllowed(method, p);
            case "PUT" -> p.isCollection() ? notAllowed(method, p) : locked(() -> update(request, p, resource, body));
            case "PATCH" -> p.isCollection() ? notAllowed(method, p) : locked(() -> patch(request, p, resource));
            case "DELETE" ->
                locked(() -> p.isCollection() ? deleteCollection(request, p, body) : delete(request, p, body));
            default -> notAllowed(method, p);
        };
    }

    // --- reads ---

    private ApiResponse get(ApiRequest request, ResourcePath p) {
        Storage.Result r = storage.get(p);
        if (r.code() == 404 || r.body() == null) {
            throw notFound(p);
        }
        if (Tables.wantsTable(request.accept())) {
            return json(
                    200,
                    table(
                            p,
                            List.of(r.body()),
                            request,
                            r.body().path("metadata").path("resourceVersion").asText()));
        }
        return json(200, r.body());
    }

    private ApiResponse list(ApiRequest request, ResourcePath p) {
        Predicate<JsonNode> selector = selector(request);
        long version;
        List<JsonNode> items;
        writes.lock();
        try {
            version = storage.resourceVersion();
            items = storage.list(p).stream().filter(selector).toList();
        } finally {
            writes.unlock();
        }
        if (Tables.wantsTable(request.accept())) {
            return json(200, table(p, items, request, String.valueOf(version)));
        }
        ObjectNode list = mapper.createObjectNode();
        list.put("kind", resource(p.groupVersion(), p.resource()).kind() + "List");
        list.put("apiVersion", p.groupVersion());
        list.putObject("metadata").put("resourceVersion", String.valueOf(version));
        list.putArray("items").addAll(items);
        return json(200, list);
    }

    private ObjectNode table(ResourcePath p, List<JsonNode> objects, ApiRequest request, String version) {
        try {
            return Tables.table(
                    p.group(),
                    p.version(),
                    p.resource(),
                    crdOf(p),
                    objects,
                    request.param("includeObject"),
                    version,
                    clock.instant());
        } catch (IllegalArgumentException e) {
            throw new Failure(400, "BadRequest", e.getMessage());
        }
    }

    private JsonNode crdOf(ResourcePath p) {
        for (JsonNode crd : discovery.storedCrds()) {
            if (crd.path("spec").path("group").asText().equals(p.group())
                    && crd.path("spec").path("names").path("plural").asText().equals(p.resource())) {
                return crd;
            }
        }
        return null;
    }

    private static boolean isWatch(ApiRequest request) {
        String watch = request.param("watch");
        return "true".equals(watch) || "1".equals(watch);
    }

    /**
     * A streaming watch. With no resourceVersion (or "0") it starts with an {@code ADDED} event
     * for every object, as the API server does; with one, it replays the changes after it.
     */
    private ApiResponse watch(ApiRequest request, ResourcePath p) {
        Predicate<JsonNode> selector = selector(request);
        String from = request.param("resourceVersion");
        boolean table = Tables.wantsTable(request.accept());
        if (table) {
            table(p, List.of(), request, "0"); // refuses a bad includeObject before the stream starts
        }
        boolean bookmarks = "true".equals(request.param("allowWatchBookmarks"));
        boolean initialEvents = "true".equals(request.param("sendInitialEvents"));
        long since;
        try {
            since = from == null || from.isEmpty() ? -1 : Long.parseLong(from);
        } catch (NumberFormatException e) {
            throw new Failure(400, "BadRequest", "resourceVersion \"" + from + "\" is not a number");
        }
        String timeout = request.param("timeoutSeconds");
        Duration limit;
        try {
            limit = timeout == null ? null : Duration.ofSeconds(Long.parseLong(timeout));
        } catch (NumberFormatException e) {
            throw new Failure(400, "BadRequest", "timeoutSeconds \"" + timeout + "\" is not a number of seconds");
        }
        return new ApiResponse.Watch(JSON, limit, sink -> {
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            WatchHub.Sink events = (type, object) -> sink.send(event(
                    type,
                    table && !type.equals("BOOKMARK")
                            ? Tables.watchEventTable(
                                    p.group(),
                                    p.version(),
                                    p.resource(),
                                    crdOf(p),
                                    object,
                                    request.param("includeObject"),
                                    first.getAndSet(false),
                                    clock.instant())
                            : object));
            writes.lock();
            try {
                long start = since;
                if (since <= 0 || initialEvents) {
                    for (JsonNode object : storage.list(p)) {
                        if (selector.test(object) && !events.send("ADDED", object)) {
                            return () -> {};
                        }
                    }
                    start = storage.resourceVersion();
                    if (initialEvents) {
                        ObjectNode mark = bookmark(p, start);
                        mark.withObject("metadata").putObject("annotations").put("k8s.io/initial-events-end", "true");
                        events.send("BOOKMARK", mark);
                    }
                }
                WatchHub.Subscription subscription = hub.subscribe(p, selector, start, events, bookmarks);
                return () -> hub.unsubscribe(subscription);
            } catch (WatchHub.Expired e) {
                sink.send(event("ERROR", statusNode(410, "Expired", e.getMessage())));
                sink.end();
                return () -> {};
            } finally {
                writes.unlock();
            }
        });
    }

    /**
     * The scale subresource ({@code kubectl scale}): an {@code autoscaling/v1} Scale read from and
     * written to the workload's {@code spec.replicas}.
     */
    private ApiResponse scale(ApiRequest request, ResourcePath p, String method, JsonNode body) {
        if (method.equals("GET")) {
            Storage.Result current = storage.get(p);
            if (!current.ok()) {
                throw notFound(p);
            }
            return json(200, scaleOf(current.body()));
        }
        if (!method.equals("PUT") && !method.equals("PATCH")) {
            return notAllowed(method, p);
        }
        return locked(() -> {
            Storage.Result current = storage.get(p);
            if (!current.ok()) {
                throw notFound(p);
            }
            JsonNode wanted;
            if (method.equals("PUT")) {
                wanted = body;
            } else {
                Patches.requireSupported(request.contentType());
                wanted = Patches.apply(
                        request.contentType(),
                        scaleOf(current.body()),
                        parse(request.body(), "patch"),
                        new BuiltinResources.Resource(
                                "autoscaling",
                                "v1",
                                "scale",
                                "scale",
                                "Scale",
                                true,
                                List.of(),
                                BuiltinResources.SUBRESOURCE_VERBS));
            }
            JsonNode replicas = wanted == null ? null : wanted.path("spec").get("replicas");
            if (replicas == null || !replicas.canConvertToInt() || replicas.asInt() < 0) {
                throw new Failure(
                        422,
                        "Invalid",
                        "Scale.autoscaling \"" + p.name() + "\" is invalid: spec.replicas: " + "Invalid value: "
                                + replicas + ": must be greater than or equal to 0");
            }
            ObjectNode updated = current.body().deepCopy();
            updated.withObject("spec").put("replicas", replicas.asInt());
            if (isDryRun(request, null)) {
                return json(200, scaleOf(updated));
            }
            replace(p.object(), current.body(), updated);
            return json(200, scaleOf(storage.get(p).body()));
        });
    }

    private ObjectNode scaleOf(JsonNode workload) {
        ObjectNode scale = mapper.createObjectNode();
        scale.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String field : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (workload.path("metadata").has(field)) {
                meta.set(field, workload.path("metadata").get(field));
            }
        }
        scale.putObject("spec")
                .put("replicas", workload.path("spec").path("replicas").asInt(1));
        StringBuilder selector = new StringBuilder();
        workload.path("spec").path("selector").path("matchLabels").properties().forEach(e -> {
            selector.append(selector.length() == 0 ? "" : ",")
                    .append(e.getKey())
                    .append('=')
                    .append(e.getValue().asText());
        });
        scale.putObject("status")
                .put("replicas", workload.path("status").path("replicas").asInt(0))
                .put("selector", selector.toString());
        return scale;
    }

    /** Sends every watch that allows bookmarks the current resourceVersion. */
    void sendBookmarks() {
        writes.lock();
        try {
            long version = storage.resourceVersion();
            hub.bookmark(version, s -> bookmark(s.collection, version));
        } finally {
            writes.unlock();
        }
    }

    private ObjectNode bookmark(ResourcePath p, long version) {
        // Clients decode a bookmark as an object of the watched kind, so it carries kind and apiVersion.
        ObjectNode mark = mapper.createObjectNode();
        BuiltinResources.Resource r = resource(p.groupVersion(), p.resource());
        if (r != null) {
            mark.put("kind", r.kind()).put("apiVersion", p.groupVersion());
        }
        mark.putObject("metadata").put("resourceVersion", String.valueOf(version));
        return mark;
    }

    private byte[] event(String type, JsonNode object) {
        ObjectNode event = mapper.createObjectNode();
        event.put("type", type);
        event.set("object", object);
        try {
            byte[] json = mapper.writeValueAsBytes(event);
            byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            return line;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- writes ---

    private ApiResponse create(ApiRequest request, ResourcePath p, BuiltinResources.Resource resource, JsonNode body) {
        ObjectNode object = objectBody(body, p, resource);
        ObjectNode metadata = object.withObject("metadata");
        if (resource.namespaced()) {
            String ns = metadata.path("namespace").asText(p.namespace() == null ? "" : p.namespace());
            if (p.namespace() == null) {
                throw new Failure(
                        405,
                        "MethodNotAllowed",
                        "create " + p.qualifiedResource() + " in a namespace: POST to /namespaces/{namespace}/"
                                + p.resource());
            }
            if (!ns.equals(p.namespace())) {
                throw new Failure(
                        400,
                        "BadRequest",
                        "the namespace of the provided object (" + ns
                                + ") does not match the namespace sent on the request (" + p.namespace() + ")");
            }
            metadata.put("namespace", ns);
            requireNamespace(ns);
        }
        String name = metadata.path("name").asText("");
        if (name.isEmpty() && metadata.path("generateName").asText("").isEmpty()) {
            throw new Failure(
                    422,
                    "Invalid",
                    resource.kind() + " is invalid: metadata.name: Required value: name or"
                            + " generateName is required");
        }
        if (!name.isEmpty() && storage.get(p.withName(name)).ok()) {
            throw new Failure(409, "AlreadyExists", p.qualifiedResource() + " \"" + name + "\" already exists");
        }
        if (name.isEmpty()) {
            metadata.put("name", metadata.path("generateName").asText() + randomSuffix());
        }
        Defaults.apply(resource.group(), resource.kind(), object);
        if (resource.kind().equals("CustomResourceDefinition")) {
            establish(object);
        }
        validateCel(p, object, null);
        if (isDryRun(request, null)) {
            return json(201, object);
        }
        Storage.Result r = storage.create(p, object);
        if (!r.ok()) {
            throw fromStorage(r, p.withName(name));
        }
        if (deleteIfOrphaned(p.withName(r.body().path("metadata").path("name").asText()), r.body())) {
            collectGarbage(null);
        }
        return json(201, r.body());
    }

    private ApiResponse update(ApiRequest request, ResourcePath p, BuiltinResources.Resource resource, JsonNode body) {
        ObjectNode object = objectBody(body, p, resource);
        Storage.Result current = storage.get(p);
        if (!current.ok()) {
            throw notFound(p);
        }
        if (isDryRun(request, null)) {
            validateCel(p, object, current.body());
            return json(200, object);
        }
        return replace(p, current.body(), object);
    }

    /** Stores {@code replacement} for the object at {@code p} under the status subresource rules. */
    private ApiResponse replace(ResourcePath p, JsonNode current, ObjectNode replacement) {
        if (p.subresource() == null) {
            // A cluster defaults on every write, not only on create: an update that leaves out a
            // defaulted field must read back as it did (and a Deployment's pod template keep its hash).
            BuiltinResources.Resource r = resource(p.groupVersion(), p.resource());
            Defaults.apply(r.group(), r.kind(), replacement);
        }
        if (p.subresource() == null && hasStatus(p)) {
            // As in a cluster: the main resource ignores status, the status subresource all but status.
            if (current.has("status")) {
                replacement.set("status", current.get("status").deepCopy());
            } else {
                replacement.remove("status");
            }
        }
        validateCel(p, replacement, current);
        if (current.path("metadata").hasNonNull("deletionTimestamp")
                && current.path("metadata").path("finalizers").isEmpty()
                && replacement.path("metadata").path("finalizers").isEmpty()) {
            // A terminating Pod is still written to (its kubelet reports it stopping); the mock would
            // take the deletionTimestamp as "remove now", so the write is stored as it is.
            ObjectNode kept = p.subresource() == null ? replacement : ((ObjectNode) current.deepCopy());
            if (p.subresource() != null) {
                kept.set("status", replacement.get("status"));
            }
            ObjectNode meta = kept.withObject("metadata");
            for (String field : List.of(
                    "uid",
                    "creationTimestamp",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "generation",
                    "namespace",
                    "name")) {
                if (current.path("metadata").has(field)) {
                    meta.set(field, current.path("metadata").get(field));
                }
            }
            return json(200, storage.markDeleted(p, kept).body());
        }
        Storage.Result r = storage.update(p, replacement);
        if (!r.ok()) {
            throw fromStorage(r, p);
        }
        if (r.body() != null) {
            deleteIfOrphaned(p.object(), r.body());
        }
        collectGarbage(null);
        return json(200, r.body() != null ? r.body() : current);
    }

    private ApiResponse patch(ApiRequest request, ResourcePath p, BuiltinResources.Resource resource) {
        Patches.requireSupported(request.contentType()); // before the lookup: SSA of a new object too
        Storage.Result current = storage.get(p);
        if (!current.ok()) {
            throw notFound(p);
        }
        JsonNode patched =
                Patches.apply(request.contentType(), current.body(), parse(request.body(), "patch"), resource);
        if (!(patched instanceof ObjectNode object)) {
            throw new Failure(422, "Invalid", "the patch does not leave an object");
        }
        if (isDryRun(request, null)) {
            validateCel(p, object, current.body()); // a server-side dry run is validated too
            return json(200, object);
        }
        return replace(p, current.body(), object);
    }

    private ApiResponse delete(ApiRequest request, ResourcePath p, JsonNode options) {
        Storage.Result current = storage.get(p);
        if (!current.ok()) {
            throw notFound(p);
        }
        JsonNode preconditions = options == null ? null : options.path("preconditions");
        if (preconditions != null && preconditions.isObject()) {
            JsonNode meta = current.body().path("metadata");
            checkPrecondition(p, "uid", preconditions, meta);
            checkPrecondition(p, "resourceVersion", preconditions, meta);
        }
        if (isDryRun(request, options)) {
            return json(200, current.body());
        }
        String policy = request.param("propagationPolicy");
        if (options != null && options.hasNonNull("propagationPolicy")) {
            policy = options.get("propagationPolicy").asText();
        } else if (options != null && options.has("orphanDependents")) {
            policy = options.get("orphanDependents").asBoolean() ? "Orphan" : "Background";
        }
        Long grace = gracePeriod(request, options);
        Storage.Result r = deleteObject(p, current.body(), grace);
        if (!r.ok()) {
            throw fromStorage(r, p);
        }
        collectGarbage(
                "Orphan".equals(policy)
                        ? current.body().path("metadata").path("uid").asText()
                        : null);
        Storage.Result after = storage.get(p);
        return json(200, after.ok() ? after.body() : current.body());
    }

    private static Long gracePeriod(ApiRequest request, JsonNode options) {
        if (options != null && options.hasNonNull("gracePeriodSeconds")) {
            return options.get("gracePeriodSeconds").asLong();
        }
        String query = request.param("gracePeriodSeconds");
        return query == null ? null : Long.valueOf(query);
    }

    /**
     * Deletes an object. A Pod that runs on a node is deleted gracefully, as in a cluster: it is
     * marked (deletionTimestamp and deletionGracePeriodSeconds) and stays Terminating until its
     * kubelet has stopped it and deletes it with a grace period of 0.
     */
    private Storage.Result deleteObject(ResourcePath p, JsonNode current, Long grace) {
        boolean scheduledPod = p.group().isEmpty()
                && p.resource().equals("pods")
                && !current.path("spec").path("nodeName").asText("").isEmpty();
        if (!scheduledPod || (grace != null && grace == 0)) {
            return storage.delete(p.object());
        }
        if (current.path("metadata").hasNonNull("deletionTimestamp")) {
            return new Storage.Result(200, current);
        }
        ObjectNode marked = current.deepCopy();
        long seconds = grace != null
                ? grace
                : current.path("spec").path("terminationGracePeriodSeconds").asLong(30);
        marked.withObject("metadata")
                .put(
                        "deletionTimestamp",
                        clock.instant()
                                .plusSeconds(seconds)
                                .truncatedTo(ChronoUnit.SECONDS)
                                .toString());
        marked.withObject("metadata").put("deletionGracePeriodSeconds", seconds);
        return storage.markDeleted(p, marked);
    }

    private ApiResponse deleteCollection(ApiRequest request, ResourcePath p, JsonNode options) {
        Predicate<JsonNode> selector = selector(request);
        ArrayNode deleted = mapper.createArrayNode();
        for (JsonNode object : storage.list(p)) {
            if (selector.test(object)) {
                String ns = object.path("metadata").path("namespace").asText(null);
                ResourcePath one = p.inNamespace(ns)
                        .withName(object.path("metadata").path("name").asText());
                if (!isDryRun(request, options)) {
                    deleteObject(one, object, gracePeriod(request, options));
                }
                deleted.add(object);
            }
        }
        collectGarbage(null);
        ObjectNode list = mapper.createObjectNode();
        list.put("kind", resource(p.groupVersion(), p.resource()).kind() + "List");
        list.put("apiVersion", p.groupVersion());
        list.putObject("metadata").put("resourceVersion", String.valueOf(storage.resourceVersion()));
        list.set("items", deleted);
        return json(200, list);
    }

    private static void checkPrecondition(ResourcePath p, String field, JsonNode preconditions, JsonNode meta) {
        if (preconditions.hasNonNull(field)
                && !preconditions.get(field).asText().equals(meta.path(field).asText())) {
            throw new Failure(
                    409,
                    "Conflict",
                    "Operation cannot be fulfilled on " + p.qualifiedResource() + " \""
                            + p.name() + "\": Precondition failed: " + field + " in precondition: "
                            + preconditions.get(field).asText()
                            + ", " + field + " in object meta: "
                            + meta.path(field).asText());
        }
    }

    /**
     * Garbage collection, done at once rather than in the background: for each object the last
     * write removed, deletes what it owned (by {@code metadata.ownerReferences} uid), or, for
     * {@code orphanUid} (an owner deleted with propagationPolicy Orphan), strips the reference;
     * a removed Namespace takes every object in it along.
     */
    private void collectGarbage(String orphanUid) {
        Set<String> visited = new HashSet<>();
        while (!removed.isEmpty()) {
            JsonNode gone = removed.poll();
            String uid = gone.path("metadata").path("uid").asText();
            if (!visited.add(uid)) {
                continue;
            }
            if (gone.path("kind").asText().equals("CustomResourceDefinition")) {
                deleteCustomResources(gone);
            }
            boolean namespace = gone.path("kind").asText().equals("Namespace")
                    && gone.path("apiVersion").asText().equals("v1");
            String namespaceName = gone.path("metadata").path("name").asText();
            for (JsonNode object : storage.all()) {
                JsonNode meta = object.path("metadata");
                boolean inNamespace =
                        namespace && namespaceName.equals(meta.path("namespace").asText(null));
                boolean owned = false;
                for (JsonNode ref : meta.path("ownerReferences")) {
                    owned |= uid.equals(ref.path("uid").asText());
                }
                if (!inNamespace && !owned) {
                    continue;
                }
                ResourcePath where = pathOf(object);
                if (where == null) {
                    continue;
                }
                if (!inNamespace && uid.equals(orphanUid)) {
                    ObjectNode orphan = object.deepCopy();
                    ArrayNode refs = orphan.withObject("metadata").withArray("ownerReferences");
                    for (int i = refs.size() - 1; i >= 0; i--) {
                        if (uid.equals(refs.get(i).path("uid").asText())) {
                            refs.remove(i);
                        }
                    }
                    if (refs.isEmpty()) {
                        orphan.withObject("metadata").remove("ownerReferences");
                    }
                    storage.update(where, orphan);
                } else {
                    deleteObject(where, object, null);
                }
            }
        }
    }

    /** A deleted CRD takes its custom resources along, as in a cluster. */
    private void deleteCustomResources(JsonNode crd) {
        String group = crd.path("spec").path("group").asText();
        String plural = crd.path("spec").path("names").path("plural").asText();
        for (JsonNode version : crd.path("spec").path("versions")) {
            for (JsonNode object :
                    storage.list(new ResourcePath(group, version.path("name").asText(), null, plural, null, null))) {
                String ns = object.path("metadata").path("namespace").asText(null);
                storage.delete(new ResourcePath(
                        group,
                        version.path("name").asText(),
                        "Cluster".equals(crd.path("spec").path("scope").asText()) ? null : ns,
                        plural,
                        object.path("metadata").path("name").asText(),
                        null));
            }
        }
    }

    /**
     * Deletes an object whose owners are all gone, as a cluster's garbage collector does (it
     * happens when a controller writes a dependent while its owner is being deleted). An owner
     * of a kind this server does not know counts as present. Returns true when it deleted.
     */
    private boolean deleteIfOrphaned(ResourcePath p, JsonNode object) {
        JsonNode refs = object.path("metadata").path("ownerReferences");
        if (!refs.isArray() || refs.isEmpty()) {
            return false;
        }
        String ns = object.path("metadata").path("namespace").asText(null);
        for (JsonNode ref : refs) {
            ResourcePath owner = pathOf(
                    ref.path("apiVersion").asText(),
                    ref.path("kind").asText(),
                    ns,
                    ref.path("name").asText());
            if (owner == null) {
                return false;
            }
            Storage.Result found = storage.get(owner);
            if (found.ok()
                    && ref.path("uid")
                            .asText()
                            .equals(found.body().path("metadata").path("uid").asText())) {
                return false;
            }
        }
        LOG.debug("{} has no owner left; garbage-collecting it", p);
        storage.delete(p);
        return true;
    }

    /** The path of a stored object, from its apiVersion and kind. */
    private ResourcePath pathOf(JsonNode object) {
        return pathOf(
                object.path("apiVersion").asText(),
                object.path("kind").asText(),
                object.path("metadata").path("namespace").asText(),
                object.path("metadata").path("name").asText());
    }

    private ResourcePath pathOf(String apiVersion, String kind, String namespace, String name) {
        List<BuiltinResources.Resource> resources = catalog().get(apiVersion);
        if (resources == null) {
            return null;
        }
        for (BuiltinResources.Resource r : resources) {
            if (r.kind().equals(kind) && !r.name().contains("/")) {
                int slash = apiVersion.indexOf('/');
                return new ResourcePath(
                        slash < 0 ? "" : apiVersion.substring(0, slash),
                        apiVersion.substring(slash + 1),
                        r.namespaced() ? namespace : null,
                        r.name(),
                        name,
                        null);
            }
        }
        return null;
    }

    /**
     * Refuses, with 422 Invalid and the causes, a custom resource that breaks its CRD's
     * x-kubernetes-validations rules; the whole object is validated, as the status subresource
     * would store it when {@code p} is one.
     */
    private void validateCel(ResourcePath p, JsonNode object, JsonNode old) {
        JsonNode crd = crdOf(p);
        if (crd == null) {
            return;
        }
        JsonNode whole = object;
        boolean statusOnly = "status".equals(p.subresource());
        if (old != null && (statusOnly || p.subresource() == null && hasStatus(p))) {
            // The part that the request cannot change is the stored one.
            ObjectNode merged = statusOnly ? old.deepCopy() : object.deepCopy();
            JsonNode status = (statusOnly ? object : old).get("status");
            if (status == null) {
                merged.remove("status");
            } else {
                merged.set("status", status);
            }
            whole = merged;
        }
        // As a cluster: prune and default in place (so that is what gets stored), then schema errors and CEL.
        List<CelValidation.Violation> violations =
                StructuralSchema.admit(crd, p.version(), object, whole, old, statusOnly);
        if (violations.isEmpty()) {
            return;
        }
        String kind = crd.path("spec").path("names").path("kind").asText();
        String name = object.path("metadata").path("name").asText();
        ObjectNode details = mapper.createObjectNode()
                .put("name", name)
                .put("group", p.group())
                .put("kind", kind);
        ArrayNode causes = details.putArray("causes");
        for (CelValidation.Violation v : violations) {
            causes.addObject()
                    .put("reason", v.reason())
                    .put("message", v.message())
                    .put("field", v.field());
        }
        throw new Failure(422, "Invalid", CelValidation.statusMessage(kind, p.group(), name, violations), details);
    }

    private void requireNamespace(String ns) {
        if (!storage.get(new ResourcePath("", "v1", null, "namespaces", ns, null))
                .ok()) {
            throw new Failure(404, "NotFound", "namespaces \"" + ns + "\" not found");
        }
        JsonNode namespace = storage.get(new ResourcePath("", "v1", null, "namespaces", ns, null))
                .body();
        if (namespace.path("metadata").hasNonNull("deletionTimestamp")) {
            throw new Failure(
                    403,
                    "Forbidden",
                    "unable to create new content in namespace " + ns + " because it is being terminated");
        }
    }

    /**
     * There is no CRD controller here, so a CRD is accepted and established as it is stored: its
     * status gets acceptedNames, storedVersions and the NamesAccepted and Established conditions,
     * so that {@code kubectl wait --for condition=established} can succeed.
     */
    private void establish(ObjectNode crd) {
        ObjectNode status = crd.withObjectProperty("status");
        status.set("acceptedNames", crd.path("spec").path("names").deepCopy());
        ArrayNode stored = status.putArray("storedVersions");
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("storage").asBoolean(false)) {
                stored.add(v.path("name").asText());
            }
        }
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        ArrayNode conditions = status.putArray("conditions");
        conditions
                .addObject()
                .put("type", "NamesAccepted")
                .put("status", "True")
                .put("reason", "NoConflicts")
                .put("message", "no conflicts found")
                .put("lastTransitionTime", now);
        conditions
                .addObject()
                .put("type", "Established")
                .put("status", "True")
                .put("reason", "InitialNamesAccepted")
                .put("message", "the initial names have been accepted")
                .put("lastTransitionTime", now);
    }

    // --- helpers ---

    private ApiResponse locked(java.util.function.Supplier<ApiResponse> write) {
        writes.lock();
        try {
            return write.get();
        } finally {
            removed.clear();
            writes.unlock();
        }
    }

    private Map<String, List<BuiltinResources.Resource>> catalog() {
        Map<String, List<BuiltinResources.Resource>> c = catalog;
        if (c != null) {
            return c;
        }
        // Built from the stored CRDs under the write lock, so a CRD write cannot slip in between the
        // read and the cache (which its change event has just emptied).
        writes.lock();
        try {
            c = catalog;
            if (c == null) {
                c = new java.util.LinkedHashMap<>();
                c.put(
                        "v1",
                        BuiltinResources.RESOURCES.stream()
                                .filter(r -> r.group().isEmpty())
                                .toList());
                c.putAll(discovery.groupVersions());
                catalog = c;
            }
            return c;
        } finally {
            writes.unlock();
        }
    }

    private BuiltinResources.Resource resource(String groupVersion, String name) {
        List<BuiltinResources.Resource> resources = catalog().get(groupVersion);
        if (resources != null) {
            for (BuiltinResources.Resource r : resources) {
                if (r.name().equals(name)) {
                    return r;
                }
            }
        }
        return null;
    }

    private boolean hasStatus(ResourcePath p) {
        return resource(p.groupVersion(), p.resource() + "/status") != null;
    }

    private ObjectNode objectBody(JsonNode body, ResourcePath p, BuiltinResources.Resource resource) {
        if (!(body instanceof ObjectNode object)) {
            throw new Failure(400, "BadRequest", "the request has no object body");
        }
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        if (!apiVersion.equals(p.groupVersion())) {
            throw new Failure(
                    400,
                    "BadRequest",
                    "the API version in the data (" + apiVersion + ") does not match the expected API version ("
                            + p.groupVersion() + ")");
        }
        if (!kind.equals(resource.kind())) {
            throw new Failure(
                    400,
                    "BadRequest",
                    "the kind in the data (" + kind + ") does not match the expected kind (" + resource.kind() + ")");
        }
        if (!object.path("metadata").isObject()) {
            object.putObject("metadata");
        }
        return object;
    }

    private JsonNode parseBody(ApiRequest request) {
        String type =
                request.contentType() == null ? JSON : request.contentType().toLowerCase(Locale.ROOT);
        if (type.contains("protobuf")) {
            try {
                return ProtobufBodies.toJson(request.body(), mapper)
                        .orElseThrow(() -> new Failure(400, "BadRequest", "empty protobuf body"));
            } catch (ProtobufBodies.Unsupported e) {
                throw new Failure(415, "UnsupportedMediaType", e.getMessage());
            }
        }
        if (!type.contains("json")) {
            throw new Failure(
                    415,
                    "UnsupportedMediaType",
                    "the local API server accepts JSON bodies only, not " + request.contentType());
        }
        return parse(request.body(), "body");
    }

    private JsonNode parse(byte[] body, String what) {
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            throw new Failure(400, "BadRequest", "the request " + what + " is not valid JSON: " + e.getMessage());
        }
    }

    private Predicate<JsonNode> selector(ApiRequest request) {
        try {
            return Selectors.of(request.param("labelSelector"), request.param("fieldSelector"));
        } catch (Selectors.InvalidSelector e) {
            throw new Failure(400, "BadRequest", e.getMessage());
        }
    }

    private static boolean isDryRun(ApiRequest request, JsonNode options) {
        return "All".equals(request.param("dryRun"))
                || (options != null && options.path("dryRun").toString().contains("All"));
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder b = new StringBuilder();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 5; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private Failure notFound(ResourcePath p) {
        return new Failure(404, "NotFound", p.qualifiedResource() + " \"" + p.name() + "\" not found");
    }

    private static Failure notFoundPath() {
        return new Failure(404, "NotFound", "the server could not find the requested resource");
    }

    private static ApiResponse notAllowed(String method, ResourcePath p) {
        throw new Failure(405, "MethodNotAllowed", method + " is not supported on " + p);
    }

    private Failure fromStorage(Storage.Result r, ResourcePath p) {
        if (r.code() == 404) {
            return notFound(p);
        }
        if (r.code() == 409) {
            // client-go retries on reason Conflict only; the mock says Invalid and names the kind.
            return new Failure(
                    409,
                    "Conflict",
                    "Operation cannot be fulfilled on " + p.qualifiedResource() + " \""
                            + p.name()
                            + "\": the object has been modified; please apply your changes to the latest version and"
                            + " try again");
        }
        JsonNode b = r.body();
        String message = b == null
                ? "the storage answered " + r.code()
                : b.path("message").asText(b.toString());
        String reason = b == null ? "" : b.path("reason").asText("");
        return new Failure(r.code(), reason.isEmpty() ? "Invalid" : reason, message);
    }

    private ObjectNode statusNode(int code, String reason, String message) {
        ObjectNode status = mapper.createObjectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason);
        status.put("code", code);
        return status;
    }

    private ApiResponse status(int code, String reason, String message) {
        return json(code, statusNode(code, reason, message));
    }

    private ApiResponse json(int code, JsonNode body) {
        return new ApiResponse.Reply(code, JSON, bytes(body));
    }

    private byte[] bytes(JsonNode body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
