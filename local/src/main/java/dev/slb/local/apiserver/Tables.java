package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Server-side printing: turns stored objects into the {@code meta.k8s.io/v1} Table that
 * {@code kubectl get} asks for, with the columns a real API server prints for each kind.
 */
final class Tables {

    /**
     * The Content-Type of a Table answer and of a watch stream of Tables. The real server answers
     * plain JSON: the {@code as=Table} parameters appear only in the request's Accept header.
     */
    static final String CONTENT_TYPE = "application/json";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    // ObjectMeta's own field documentation, which the real server puts in these two columns.
    private static final String NAME_DOC = "Name must be unique within a namespace. Is required when"
            + " creating resources, although some resources may allow a client to request the generation"
            + " of an appropriate name automatically. Name is primarily intended for creation idempotence"
            + " and configuration definition. Cannot be updated. More info:"
            + " https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    private static final String CREATED_DOC = "CreationTimestamp is a timestamp representing the"
            + " server time when this object was created. It is not guaranteed to be set in"
            + " happens-before order across separate operations. Clients may not set this value. It is"
            + " represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for"
            + " lists. More info:"
            + " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    private static final String CONTAINERS_DOC = "Names of each container in the template.";
    private static final String IMAGES_DOC = "Images referenced by each container in the template.";

    private static final Column NAME = new Column("Name", "string", "name", NAME_DOC, 0);
    private static final Column AGE = new Column("Age", "string", "", CREATED_DOC, 0);

    private Tables() {}

    /**
     * True when the Accept header asks for a meta.k8s.io Table (v1 or v1beta1) before any plain
     * representation, as the server's negotiation takes the first clause it can serve.
     */
    static boolean wantsTable(String accept) {
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
     * The Table for objects of one resource; crd is the stored CustomResourceDefinition JSON when the
     * resource is a custom one, else null. includeObject is the request's {@code includeObject}
     * parameter ({@code None}, {@code Metadata} or null for the default, {@code Object}); any other
     * value throws IllegalArgumentException carrying the message the real server answers with 400.
     */
    static ObjectNode table(
            String group,
            String version,
            String resource,
            JsonNode crd,
            List<JsonNode> objects,
            String includeObject,
            String listResourceVersion,
            Instant now) {
        return build(group, version, resource, crd, objects, includeObject, listResourceVersion, true, now);
    }

    /**
     * The Table carried by one watch event: one row for the event's object and the object's
     * resourceVersion. The real server sends column definitions in the first event of a watch only;
     * kubectl prints its header once and reuses the columns it already has for later events.
     */
    static ObjectNode watchEventTable(
            String group,
            String version,
            String resource,
            JsonNode crd,
            JsonNode object,
            String includeObject,
            boolean withColumnDefinitions,
            Instant now) {
        String resourceVersion = object.path("metadata").path("resourceVersion").asText("");
        return build(
                group,
                version,
                resource,
                crd,
                List.of(object),
                includeObject,
                resourceVersion,
                withColumnDefinitions,
                now);
    }

    private static ObjectNode build(
            String group,
            String version,
            String resource,
            JsonNode crd,
            List<JsonNode> objects,
            String includeObject,
            String resourceVersion,
            boolean withColumns,
            Instant now) {
        Include include = Include.of(includeObject);
        Printer printer = printerFor(group, resource, crd, version);
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
            row.set("object", include.object(object, group, version, resource, crd));
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

        JsonNode object(JsonNode object, String group, String version, String resource, JsonNode crd) {
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
                case OBJECT -> withTypeMeta(object, group, version, resource, crd);
            };
        }
    }

    /** The object as the server converts it for a row: with apiVersion and kind even when stored without. */
    private static JsonNode withTypeMeta(JsonNode object, String group, String version, String resource, JsonNode crd) {
        if (!object.isObject() || (object.hasNonNull("apiVersion") && object.hasNonNull("kind"))) {
            return object.deepCopy();
        }
        String kind = crd != null
                ? crd.path("spec").path("names").path("kind").asText("")
                : BuiltinResources.RESOURCES.stream()
                        .filter(r -> r.group().equals(group)
                                && r.version().equals(version)
                                && r.name().equals(resource))
                        .map(BuiltinResources.Resource::kind)
                        .findFirst()
                        .orElse("");
        ObjectNode typed = JSON.objectNode();
        typed.put("apiVersion", group.isEmpty() ? version : group + "/" + version);
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

    // ---- Printers --------------------------------------------------------------------------------

    /** A column definition as the Table carries it. */
    private record Column(String name, String type, String format, String description, int priority) {
        ObjectNode toJson() {
            ObjectNode json = JSON.objectNode();
            json.put("name", name);
            json.put("type", type);
            json.put("format", format);
            json.put("description", description);
            json.put("priority", priority);
            return json;
        }
    }

    /** Computes one row's cells, in column order, from an object and the time now. */
    @FunctionalInterface
    private interface Cells {
        List<Object> apply(JsonNode object, Instant now);
    }

    /** The columns of one resource, how to fill them, and any row conditions. */
    private record Printer(List<Column> columns, Cells cells, Function<JsonNode, ArrayNode> conditions) {
        Printer(List<Column> columns, Cells cells) {
            this(columns, cells, object -> null);
        }
    }

    private static Printer printerFor(String group, String resource, JsonNode crd, String version) {
        if (crd != null) {
            return customResource(crd, version);
        }
        Printer builtin = BUILTIN.get(group + "/" + resource);
        // A resource without a printer and without its CRD gets what a CRD without columns gets.
        return builtin != null ? builtin : customResource(null, version);
    }

    private static Column col(String name, String type, String description) {
        return new Column(name, type, "", description, 0);
    }

    private static Column wide(String name, String type, String description) {
        return new Column(name, type, "", description, 1);
    }

    /** Resources the real server prints with its default convertor: name and creation time. */
    private static final Printer CREATED_AT = new Printer(
            List.of(NAME, new Column("Created At", "date", "", CREATED_DOC, 0)),
            (o, now) -> List.of(name(o), createdAt(o)));

    private static final Printer EVENTS = new Printer(
            List.of(
                    col(
                            "Last Seen",
                            "string",
                            "Time at which the most recent occurrence of this event was" + " recorded."),
                    col(
                            "Type",
                            "string",
                            "Type of this event (Normal, Warning), new types could be added in the" + " future"),
                    col(
                            "Reason",
                            "string",
                            "This should be a short, machine understandable string that gives the"
                                    + " reason for the transition into the object's current status."),
                    col("Object", "string", "The object that this event is about."),
                    wide("Subobject", "string", "The field of the involved object this event is about."),
                    wide(
                            "Source",
                            "string",
                            "The component reporting this event. Should be a short machine"
                                    + " understandable string."),
                    col("Message", "string", "A human-readable description of the status of this operation."),
                    wide(
                            "First Seen",
                            "string",
                            "The time at which the event was first recorded. (Time of server"
                                    + " receipt is in TypeMeta.)"),
                    wide("Count", "string", "The number of times this event has occurred."),
                    new Column("Name", "string", "name", NAME_DOC, 1)),
            Tables::eventCells);

    private static Printer bindings(String kind) {
        return new Printer(
                List.of(
                        NAME,
                        col(
                                "Role",
                                "string",
                                "RoleRef can only reference a ClusterRole in the global namespace, or a"
                                        + " Role in the binding's namespace."),
                        AGE,
                        wide("Users", "string", "Users in the " + kind),
                        wide("Groups", "string", "Groups in the " + kind),
                        wide("ServiceAccounts", "string", "ServiceAccounts in the " + kind)),
                Tables::roleBindingCells);
    }

    private static final Map<String, Printer> BUILTIN = Map.ofEntries(
            Map.entry(
                    "/namespaces",
                    new Printer(
                            List.of(NAME, col("Status", "string", "The status of the namespace"), AGE),
                            // The real server sets phase Active on create; the local storage does not.
                            (o, now) -> List.of(name(o), orElse(str(o, "status", "phase"), "Active"), age(o, now)))),
            Map.entry(
                    "/configmaps",
                    new Printer(
                            List.of(NAME, col("Data", "string", "Data contains the configuration data."), AGE),
                            (o, now) ->
                                    List.of(name(o), (long) (size(o, "data") + size(o, "binaryData")), age(o, now)))),
            Map.entry(
                    "/secrets",
                    new Printer(
                            List.of(
                                    NAME,
                                    col("Type", "string", "Used to facilitate programmatic handling of secret data."),
                                    col("Data", "string", "Data contains the secret data."),
                                    AGE),
                            (o, now) ->
                                    List.of(name(o), orElse(str(o, "type"), "Opaque"), secretKeys(o), age(o, now)))),
            Map.entry(
                    "/services",
                    new Printer(
                            List.of(
                                    NAME,
                                    col("Type", "string", "type determines how the Service is exposed."),
                                    col("Cluster-IP", "string", "clusterIP is the IP address of the service."),
                                    col(
                                            "External-IP",
                                            "string",
                                            "externalIPs is a list of IP addresses for which nodes in the"
                                                    + " cluster will also accept traffic for this service."),
                                    col("Port(s)", "string", "The list of ports that are exposed by this service."),
                                    AGE,
                                    wide(
                                            "Selector",
                                            "string",
                                            "Route service traffic to pods with label keys and values"
                                                    + " matching this selector.")),
                            Tables::serviceCells)),
            Map.entry(
                    "/serviceaccounts",
                    new Printer(
                            List.of(
                                    NAME,
                                    col(
                                            "Secrets",
                                            "string",
                                            "Secrets is a list of the secrets in the same namespace"
                                                    + " that pods running using this ServiceAccount are allowed to use."),
                                    AGE),
                            (o, now) -> List.of(name(o), (long) size(o, "secrets"), age(o, now)))),
            Map.entry(
                    "/pods",
                    new Printer(
                            List.of(
                                    NAME,
                                    col(
                                            "Ready",
                                            "string",
                                            "The aggregate readiness state of this pod for accepting traffic."),
                                    col("Status", "string", "The aggregate status of the containers in this pod."),
                                    col(
                                            "Restarts",
                                            "string",
                                            "The number of times the containers in this pod have been"
                                                    + " restarted and when the last container in this pod has restarted."),
                                    AGE,
                                    wide(
                                            "IP",
                                            "string",
                                            "IP address allocated to the pod. Routable at least within the"
                                                    + " cluster. Empty if not yet allocated."),
                                    wide("Node", "string", "NodeName indicates in which node this pod is scheduled."),
                                    wide(
                                            "Nominated Node",
                                            "string",
                                            "nominatedNodeName is set only when this pod preempts"
                                                    + " other pods on the node."),
                                    wide(
                                            "Readiness Gates",
                                            "string",
                                            "If specified, all readiness gates will be evaluated for"
                                                    + " pod readiness.")),
                            Tables::podCells,
                            Tables::podConditions)),
            Map.entry("/events", EVENTS),
            Map.entry("events.k8s.io/events", EVENTS),
            Map.entry(
                    "/endpoints",
                    new Printer(
                            List.of(
                                    NAME,
                                    col(
                                            "Endpoints",
                                            "string",
                                            "The set of all endpoints is the union of all" + " subsets."),
                                    AGE),
                            (o, now) -> List.of(name(o), endpoints(o), age(o, now)))),
            Map.entry(
                    "apps/deployments",
                    new Printer(
                            List.of(
                                    NAME,
                                    col("Ready", "string", "Number of the pod with ready state"),
                                    col(
                                            "Up-to-date",
                                            "string",
                                            "Total number of non-terminated pods targeted by this"
                                                    + " deployment that have the desired template spec."),
                                    col(
                                            "Available",
                                            "string",
                                            "Total number of available pods (ready for at least"
                                                    + " minReadySeconds) targeted by this deployment."),
                                    AGE,
                                    wide("Containers", "string", CONTAINERS_DOC),
                                    wide("Images", "string", IMAGES_DOC),
                                    wide("Selector", "string", "Label selector for pods.")),
                            Tables::deploymentCells)),
            Map.entry(
                    "apps/replicasets",
                    new Printer(
                            List.of(
                                    NAME,
                                    col("Desired", "integer", "Replicas is the number of desired replicas."),
                                    col(
                                            "Current",
                                            "integer",
                                            "Replicas is the most recently observed number of replicas."),
                                    col("Ready", "integer", "The number of ready replicas for this replica set."),
                                    AGE,
                                    wide("Containers", "string", CONTAINERS_DOC),
                                    wide("Images", "string", IMAGES_DOC),
                                    wide(
                                            "Selector",
                                            "string",
                                            "Selector is a label query over pods that should match the"
                                                    + " replica count.")),
                            Tables::replicaSetCells)),
            Map.entry(
                    "apps/statefulsets",
                    new Printer(
                            List.of(
                                    NAME,
                                    col("Ready", "string", "Number of the pod with ready state"),
                                    AGE,
                                    wide("Containers", "string", CONTAINERS_DOC),
                                    wide("Images", "string", IMAGES_DOC)),
                            Tables::statefulSetCells)),
            Map.entry(
                    "apps/daemonsets",
                    new Printer(
                            List.of(
                                    NAME,
                                    col(
                                            "Desired",
                                            "integer",
                                            "The total number of nodes that should be running the daemon pod."),
                                    col(
                                            "Current",
                                            "integer",
                                            "The number of nodes that are running at least 1 daemon pod and"
                                                    + " are supposed to run the daemon pod."),
                                    col(
                                            "Ready",
                                            "integer",
                                            "The number of nodes that should be running the daemon pod and have"
                                                    + " one or more of the daemon pod running and ready."),
                                    col(
                                            "Up-to-date",
                                            "integer",
                                            "The total number of nodes that are running updated daemon pod"),
                                    col(
                                            "Available",
                                            "integer",
                                            "The number of nodes that should be running the daemon pod and"
                                                    + " have one or more of the daemon pod running and available."),
                                    col(
                                            "Node Selector",
                                            "string",
                                            "NodeSelector is a selector which must be true for the pod"
                                                    + " to fit on a node."),
                                    AGE,
                                    wide("Containers", "string", CONTAINERS_DOC),
                                    wide("Images", "string", IMAGES_DOC),
                                    wide(
                                            "Selector",
                                            "string",
                                            "A label query over pods that are managed by the daemon set.")),
                            Tables::daemonSetCells)),
            Map.entry(
                    "policy/poddisruptionbudgets",
                    new Printer(
                            List.of(
                                    NAME,
                                    col(
                                            "Min Available",
                                            "string",
                                            "The minimum number of pods that must be available."),
                                    col(
                                            "Max Unavailable",
                                            "string",
                                            "The maximum number of pods that may be unavailable."),
                                    col(
                                            "Allowed Disruptions",
                                            "integer",
                                            "Calculated number of pods that may be disrupted at" + " this time."),
                                    AGE),
                            (o, now) -> List.of(
                                    name(o),
                                    intOrString(o, "N/A", "spec", "minAvailable"),
                                    intOrString(o, "N/A", "spec", "maxUnavailable"),
                                    num(o, "status", "disruptionsAllowed"),
                                    age(o, now)))),
            Map.entry(
                    "discovery.k8s.io/endpointslices",
                    new Printer(
                            List.of(
                                    NAME,
                                    col(
                                            "AddressType",
                                            "string",
                                            "addressType specifies the type of address carried by this"
                                                    + " EndpointSlice."),
                                    col(
                                            "Ports",
                                            "string",
                                            "ports specifies the list of network ports exposed by each endpoint"
                                                    + " in this slice."),
                                    col(
                                            "Endpoints",
                                            "string",
                                            "endpoints is a list of unique endpoints in this slice."),
                                    AGE),
                            (o, now) -> List.of(
                                    name(o), str(o, "addressType"), slicePorts(o), sliceEndpoints(o), age(o, now)))),
            Map.entry(
                    "coordination.k8s.io/leases",
                    new Printer(
                            List.of(
                                    NAME,
                                    col(
                                            "Holder",
                                            "string",
                                            "holderIdentity contains the identity of the holder of a"
                                                    + " current lease."),
                                    AGE),
                            (o, now) -> List.of(name(o), str(o, "spec", "holderIdentity"), age(o, now)))),
            Map.entry("apiextensions.k8s.io/customresourcedefinitions", CREATED_AT),
            Map.entry("rbac.authorization.k8s.io/roles", CREATED_AT),
            Map.entry("rbac.authorization.k8s.io/clusterroles", CREATED_AT),
            Map.entry("rbac.authorization.k8s.io/rolebindings", bindings("roleBinding")),
            Map.entry("rbac.authorization.k8s.io/clusterrolebindings", bindings("clusterRoleBinding")));

    // ---- Custom resources ------------------------------------------------------------------------

    /**
     * Name, then the served version's additionalPrinterColumns. Like the real server, an Age column
     * is added only when the version declares no columns at all; a CRD that lists its own Age gets
     * that one, and a CRD with columns but no Age gets none.
     */
    private static Printer customResource(JsonNode crd, String version) {
        List<Column> columns = new ArrayList<>(List.of(NAME));
        List<JsonPathColumns> paths = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (JsonNode declared : printerColumns(crd, version)) {
            String jsonPath = declared.path("jsonPath").asText("");
            String description = declared.path("description").asText("");
            String type = declared.path("type").asText("string");
            columns.add(new Column(
                    declared.path("name").asText(""),
                    type,
                    declared.path("format").asText(""),
                    description.isEmpty()
                            ? "Custom resource definition column (in JSONPath format): " + jsonPath
                            : description,
                    declared.path("priority").asInt(0)));
            types.add(type);
            paths.add(compileOrNull(jsonPath));
        }
        if (paths.isEmpty()) {
            columns.add(new Column("Age", "date", "", CREATED_DOC, 0));
            types.add("date");
            paths.add(JsonPathColumns.compile(".metadata.creationTimestamp"));
        }
        return new Printer(List.copyOf(columns), (o, now) -> {
            List<Object> cells = new ArrayList<>();
            cells.add(name(o));
            for (int i = 0; i < paths.size(); i++) {
                cells.add(
                        paths.get(i) == null
                                ? null
                                : customCell(types.get(i), paths.get(i).find(o), now));
            }
            return cells;
        });
    }

    private static List<JsonNode> printerColumns(JsonNode crd, String version) {
        if (crd == null) {
            return List.of();
        }
        for (JsonNode served : crd.path("spec").path("versions")) {
            if (served.path("name").asText("").equals(version)) {
                List<JsonNode> columns = new ArrayList<>();
                served.path("additionalPrinterColumns").forEach(columns::add);
                return columns;
            }
        }
        return List.of();
    }

    private static JsonPathColumns compileOrNull(String jsonPath) {
        try {
            return JsonPathColumns.compile(jsonPath);
        } catch (IllegalArgumentException e) {
            // A path the real server could not parse never gets past CRD validation; an empty cell is
            // kinder than failing the whole listing.
            return null;
        }
    }

    /** The server takes the first value the path finds and types it by the column's declared type. */
    private static Object customCell(String type, List<JsonNode> found, Instant now) {
        if (found.isEmpty()) {
            return null;
        }
        JsonNode value = found.get(0);
        if (value == null || value.isNull()) {
            return null;
        }
        return switch (type) {
            case "string" -> JsonPathColumns.text(value);
            case "integer" -> value.isNumber() ? (Object) value.longValue() : null;
            case "number" -> value.isNumber() ? (Object) value.doubleValue() : null;
            case "boolean" -> value.isBoolean() ? (Object) value.booleanValue() : null;
            case "date" -> value.isTextual() ? dateCell(value.textValue(), now) : null;
            default -> null;
        };
    }

    /** A date column's cell is a short relative age ("5m", "3h", "2d"), computed on the server. */
    private static String dateCell(String timestamp, Instant now) {
        if (timestamp.isEmpty() || timestamp.equals("null")) {
            return "<unknown>";
        }
        Instant time = parseTime(timestamp);
        return time == null ? "<invalid>" : shortHumanDuration(Duration.between(time, now));
    }

    // ---- Durations -------------------------------------------------------------------------------

    /**
     * kubectl's Age format for built-in kinds: two units while they matter ({@code 2m5s},
     * {@code 3h20m}, {@code 2d3h}, {@code 2y30d}), one unit otherwise.
     */
    static String humanDuration(Duration elapsed) {
        long seconds = truncatedSeconds(elapsed);
        if (seconds < -1) {
            return "<invalid>";
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long rest = seconds % 60;
            return rest == 0 ? minutes + "m" : minutes + "m" + rest + "s";
        }
        if (minutes < 180) {
            return minutes + "m";
        }
        long hours = seconds / 3600;
        if (hours < 8) {
            long rest = minutes % 60;
            return rest == 0 ? hours + "h" : hours + "h" + rest + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        long days = hours / 24;
        if (hours < 24 * 8) {
            long rest = hours % 24;
            return rest == 0 ? days + "d" : days + "d" + rest + "h";
        }
        if (hours < 24 * 365 * 2) {
            return days + "d";
        }
        long years = days / 365;
        if (hours < 24 * 365 * 8) {
            long rest = days % 365;
            return rest == 0 ? years + "y" : years + "y" + rest + "d";
        }
        return years + "y";
    }

    /**
     * The one-unit format the server uses for CRD {@code date} columns: {@code 45s}, {@code 5m},
     * {@code 3h}, {@code 15d}, {@code 2y}.
     */
    static String shortHumanDuration(Duration elapsed) {
        long seconds = truncatedSeconds(elapsed);
        if (seconds < -1) {
            return "<invalid>";
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 60) {
            return minutes + "m";
        }
        long hours = seconds / 3600;
        if (hours < 24) {
            return hours + "h";
        }
        if (hours < 24 * 365) {
            return hours / 24 + "d";
        }
        return hours / 24 / 365 + "y";
    }

    /** Whole seconds rounded toward zero, as Go's int(d.Seconds()); a clock skew of under 2s reads as now. */
    private static long truncatedSeconds(Duration elapsed) {
        long seconds = elapsed.getSeconds();
        return seconds < 0 && elapsed.getNano() > 0 ? seconds + 1 : seconds;
    }

    // ---- Cells of built-in kinds -----------------------------------------------------------------

    private static String name(JsonNode object) {
        return str(object, "metadata", "name");
    }

    private static String age(JsonNode object, Instant now) {
        return since(str(object, "metadata", "creationTimestamp"), now);
    }

    /** Time since a timestamp in kubectl's Age format; {@code <unknown>} when there is none. */
    private static String since(String timestamp, Instant now) {
        Instant time = parseTime(timestamp);
        return time == null ? "<unknown>" : humanDuration(Duration.between(time, now));
    }

    private static String createdAt(JsonNode object) {
        Instant created = parseTime(str(object, "metadata", "creationTimestamp"));
        // Go formats a zero time this way, which is what an object without a timestamp shows.
        Instant shown = created == null ? Instant.parse("0001-01-01T00:00:00Z") : created;
        return DateTimeFormatter.ISO_INSTANT.format(shown.truncatedTo(ChronoUnit.SECONDS));
    }

    private static Instant parseTime(String timestamp) {
        if (timestamp == null || timestamp.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(timestamp).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static long secretKeys(JsonNode secret) {
        // The real server folds stringData into data on write; the local storage keeps both.
        TreeSet<String> keys = new TreeSet<>();
        secret.path("data").fieldNames().forEachRemaining(keys::add);
        secret.path("stringData").fieldNames().forEachRemaining(keys::add);
        return keys.size();
    }

    private static List<Object> serviceCells(JsonNode svc, Instant now) {
        // Defaults the real server fills in on create, which the local storage does not.
        String type = orElse(str(svc, "spec", "type"), "ClusterIP");
        String clusterIp = firstText(at(svc, "spec", "clusterIPs"));
        if (clusterIp.isEmpty()) {
            clusterIp = str(svc, "spec", "clusterIP");
        }
        List<String> ports = new ArrayList<>();
        for (JsonNode port : items(svc, "spec", "ports")) {
            String protocol = orElse(str(port, "protocol"), "TCP");
            long nodePort = num(port, "nodePort");
            ports.add(
                    nodePort > 0
                            ? num(port, "port") + ":" + nodePort + "/" + protocol
                            : num(port, "port") + "/" + protocol);
        }
        return List.of(
                name(svc),
                type,
                orElse(clusterIp, "<none>"),
                externalIp(svc, type),
                ports.isEmpty() ? "<none>" : String.join(",", ports),
                age(svc, now),
                formatLabels(at(svc, "spec", "selector")));
    }

    private static String externalIp(JsonNode svc, String type) {
        List<String> externalIps = texts(at(svc, "spec", "externalIPs"));
        switch (type) {
            case "ClusterIP", "NodePort" -> {
                return externalIps.isEmpty() ? "<none>" : String.join(",", externalIps);
            }
            case "LoadBalancer" -> {
                // Sorted and deduplicated, the way the server's string set lists them.
                TreeSet<String> ingress = new TreeSet<>();
                for (JsonNode point : items(svc, "status", "loadBalancer", "ingress")) {
                    String ip = str(point, "ip");
                    String hostname = str(point, "hostname");
                    if (!ip.isEmpty()) {
                        ingress.add(ip);
                    } else if (!hostname.isEmpty()) {
                        ingress.add(hostname);
                    }
                }
                List<String> all = new ArrayList<>(ingress);
                all.addAll(externalIps);
                return all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            case "ExternalName" -> {
                return str(svc, "spec", "externalName");
            }
            default -> {
                return "<unknown>";
            }
        }
    }

    private static List<Object> deploymentCells(JsonNode deployment, Instant now) {
        List<JsonNode> containers = items(deployment, "spec", "template", "spec", "containers");
        String selector = selectorString(at(deployment, "spec", "selector"));
        return List.of(
                name(deployment),
                num(deployment, "status", "readyReplicas") + "/" + replicas(deployment),
                num(deployment, "status", "updatedReplicas"),
                num(deployment, "status", "availableReplicas"),
                age(deployment, now),
                join(containers, "name"),
                join(containers, "image"),
                selector == null ? "<invalid>" : selector);
    }

    private static List<Object> replicaSetCells(JsonNode rs, Instant now) {
        List<JsonNode> containers = items(rs, "spec", "template", "spec", "containers");
        return List.of(
                name(rs),
                replicas(rs),
                num(rs, "status", "replicas"),
                num(rs, "status", "readyReplicas"),
                age(rs, now),
                join(containers, "name"),
                join(containers, "image"),
                formatLabelSelector(at(rs, "spec", "selector")));
    }

    private static List<Object> statefulSetCells(JsonNode sts, Instant now) {
        List<JsonNode> containers = items(sts, "spec", "template", "spec", "containers");
        return List.of(
                name(sts),
                num(sts, "status", "readyReplicas") + "/" + replicas(sts),
                age(sts, now),
                join(containers, "name"),
                join(containers, "image"));
    }

    private static List<Object> daemonSetCells(JsonNode ds, Instant now) {
        List<JsonNode> containers = items(ds, "spec", "template", "spec", "containers");
        return List.of(
                name(ds),
                num(ds, "status", "desiredNumberScheduled"),
                num(ds, "status", "currentNumberScheduled"),
                num(ds, "status", "numberReady"),
                num(ds, "status", "updatedNumberScheduled"),
                num(ds, "status", "numberAvailable"),
                formatLabels(at(ds, "spec", "template", "spec", "nodeSelector")),
                age(ds, now),
                join(containers, "name"),
                join(containers, "image"),
                formatLabelSelector(at(ds, "spec", "selector")));
    }

    /** spec.replicas, or the 1 the real server defaults it to. */
    private static long replicas(JsonNode object) {
        JsonNode replicas = at(object, "spec", "replicas");
        return replicas.isNumber() ? replicas.longValue() : 1;
    }

    private static List<Object> roleBindingCells(JsonNode binding, Instant now) {
        List<String> users = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<String> serviceAccounts = new ArrayList<>();
        for (JsonNode subject : items(binding, "subjects")) {
            switch (str(subject, "kind")) {
                case "User" -> users.add(str(subject, "name"));
                case "Group" -> groups.add(str(subject, "name"));
                case "ServiceAccount" -> serviceAccounts.add(str(subject, "namespace") + "/" + str(subject, "name"));
                default -> {
                    // The server lists other kinds nowhere in the table either.
                }
            }
        }
        return List.of(
                name(binding),
                str(binding, "roleRef", "kind") + "/" + str(binding, "roleRef", "name"),
                age(binding, now),
                String.join(", ", users),
                String.join(", ", groups),
                String.join(", ", serviceAccounts));
    }

    /** Both core/v1 and events.k8s.io/v1 events, the latter's fields read under their own names. */
    private static List<Object> eventCells(JsonNode event, Instant now) {
        boolean core =
                !str(event, "apiVersion").startsWith("events.k8s.io/") && !event.has("regarding") && !event.has("note");
        String firstSeenAt = str(event, core ? "firstTimestamp" : "deprecatedFirstTimestamp");
        String firstSeen = since(parseTime(firstSeenAt) == null ? str(event, "eventTime") : firstSeenAt, now);
        String lastSeenAt = str(event, core ? "lastTimestamp" : "deprecatedLastTimestamp");
        String lastSeen = parseTime(lastSeenAt) == null ? firstSeen : since(lastSeenAt, now);
        long count = num(event, core ? "count" : "deprecatedCount");
        if (at(event, "series").isObject()) {
            lastSeen = since(str(event, "series", "lastObservedTime"), now);
            count = num(event, "series", "count");
        } else if (count == 0) {
            // Singleton events of the new API carry no count.
            count = 1;
        }
        JsonNode regarding = at(event, core ? "involvedObject" : "regarding");
        String kind = str(regarding, "kind").toLowerCase(Locale.ROOT);
        String target = str(regarding, "name").isEmpty() ? kind : kind + "/" + str(regarding, "name");
        JsonNode source = at(event, core ? "source" : "deprecatedSource");
        String component =
                orElse(str(source, "component"), str(event, core ? "reportingComponent" : "reportingController"));
        String host = orElse(str(source, "host"), str(event, "reportingInstance"));
        return List.of(
                lastSeen,
                str(event, "type"),
                str(event, "reason"),
                target,
                str(regarding, "fieldPath"),
                host.isEmpty() ? component : component + ", " + host,
                str(event, core ? "message" : "note").strip(),
                firstSeen,
                count,
                name(event));
    }

    /** Up to three host:port pairs of ready addresses, then "+ N more...". */
    private static String endpoints(JsonNode endpoints) {
        List<JsonNode> subsets = items(endpoints, "subsets");
        if (subsets.isEmpty()) {
            return "<none>";
        }
        List<String> shown = new ArrayList<>();
        int count = 0;
        boolean more = false;
        for (JsonNode subset : subsets) {
            List<JsonNode> addresses = items(subset, "addresses");
            List<JsonNode> ports = items(subset, "ports");
            // A headless service may have no ports: its endpoints are bare addresses.
            List<String> suffixes = ports.isEmpty()
                    ? Collections.singletonList(null)
                    : ports.stream().map(p -> Long.toString(num(p, "port"))).toList();
            for (String port : suffixes) {
                count += addresses.size();
                for (JsonNode address : addresses) {
                    if (shown.size() == 3) {
                        more = true;
                        break;
                    }
                    String ip = str(address, "ip");
                    shown.add(port == null ? ip : hostPort(ip, port));
                }
            }
        }
        String joined = String.join(",", shown);
        return more ? joined + " + " + (count - 3) + " more..." : joined;
    }

    private static String hostPort(String host, String port) {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static String slicePorts(JsonNode slice) {
        List<String> shown = new ArrayList<>();
        int count = 0;
        for (JsonNode port : items(slice, "ports")) {
            if (shown.size() < 3) {
                shown.add(
                        at(port, "port").isNumber()
                                ? Long.toString(num(port, "port"))
                                : orElse(str(port, "name"), "*"));
            }
            count++;
        }
        return listWithMore(shown, count);
    }

    private static String sliceEndpoints(JsonNode slice) {
        List<String> shown = new ArrayList<>();
        int count = 0;
        for (JsonNode endpoint : items(slice, "endpoints")) {
            for (JsonNode address : items(endpoint, "addresses")) {
                if (shown.size() < 3) {
                    shown.add(address.asText());
                }
                count++;
            }
        }
        return listWithMore(shown, count);
    }

    private static String listWithMore(List<String> shown, int count) {
        String joined = String.join(",", shown);
        if (count > shown.size()) {
            return joined + " + " + (count - shown.size()) + " more...";
        }
        return joined.isEmpty() ? "<unset>" : joined;
    }

    // ---- Pods ------------------------------------------------------------------------------------

    private static ArrayNode podConditions(JsonNode pod) {
        String phase = str(pod, "status", "phase");
        if (!phase.equals("Succeeded") && !phase.equals("Failed")) {
            return null;
        }
        ArrayNode conditions = JSON.arrayNode();
        ObjectNode completed = conditions.addObject();
        completed.put("type", "Completed");
        completed.put("status", "True");
        completed.put("reason", phase);
        completed.put("message", phase.equals("Succeeded") ? "The pod has completed successfully." : "The pod failed.");
        return conditions;
    }

    /** READY, STATUS and RESTARTS as kubectl shows them, walking init containers then containers. */
    private static List<Object> podCells(JsonNode pod, Instant now) {
        // A real server stores every new pod with phase Pending; the local storage may not.
        String phase = orElse(str(pod, "status", "phase"), "Pending");
        String reason = orElse(str(pod, "status", "reason"), phase);
        for (JsonNode condition : items(pod, "status", "conditions")) {
            if (str(condition, "type").equals("PodScheduled")
                    && str(condition, "reason").equals("SchedulingGated")) {
                reason = "SchedulingGated";
            }
        }

        List<JsonNode> initSpecs = items(pod, "spec", "initContainers");
        Map<String, Boolean> sidecars = new HashMap<>();
        int total = items(pod, "spec", "containers").size();
        for (JsonNode init : initSpecs) {
            boolean sidecar = str(init, "restartPolicy").equals("Always");
            sidecars.put(str(init, "name"), sidecar);
            if (sidecar) {
                total++;
            }
        }

        int ready = 0;
        long restarts = 0;
        long sidecarRestarts = 0;
        Instant lastRestart = null;
        Instant lastSidecarRestart = null;
        boolean initializing = false;
        List<JsonNode> initStatuses = items(pod, "status", "initContainerStatuses");
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode status = initStatuses.get(i);
            boolean sidecar = sidecars.getOrDefault(str(status, "name"), false);
            restarts += num(status, "restartCount");
            Instant finished = parseTime(str(status, "lastState", "terminated", "finishedAt"));
            lastRestart = later(lastRestart, finished);
            if (sidecar) {
                sidecarRestarts += num(status, "restartCount");
                lastSidecarRestart = later(lastSidecarRestart, finished);
            }
            JsonNode terminated = at(status, "state", "terminated");
            JsonNode waiting = at(status, "state", "waiting");
            if (terminated.isObject() && num(terminated, "exitCode") == 0) {
                continue;
            }
            if (sidecar && at(status, "started").asBoolean(false)) {
                if (at(status, "ready").asBoolean(false)) {
                    ready++;
                }
                continue;
            }
            if (terminated.isObject()) {
                reason = !str(terminated, "reason").isEmpty()
                        ? "Init:" + str(terminated, "reason")
                        : num(terminated, "signal") != 0
                                ? "Init:Signal:" + num(terminated, "signal")
                                : "Init:ExitCode:" + num(terminated, "exitCode");
            } else if (waiting.isObject()
                    && !str(waiting, "reason").isEmpty()
                    && !str(waiting, "reason").equals("PodInitializing")) {
                reason = "Init:" + str(waiting, "reason");
            } else {
                reason = "Init:" + i + "/" + initSpecs.size();
            }
            initializing = true;
            break;
        }

        if (!initializing || conditionTrue(pod, "Initialized")) {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            boolean hasRunning = false;
            List<JsonNode> statuses = items(pod, "status", "containerStatuses");
            // Backwards, so the first container's state is the one the STATUS column ends on.
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode status = statuses.get(i);
                restarts += num(status, "restartCount");
                lastRestart = later(lastRestart, parseTime(str(status, "lastState", "terminated", "finishedAt")));
                JsonNode waiting = at(status, "state", "waiting");
                JsonNode terminated = at(status, "state", "terminated");
                if (waiting.isObject() && !str(waiting, "reason").isEmpty()) {
                    reason = str(waiting, "reason");
                } else if (terminated.isObject() && !str(terminated, "reason").isEmpty()) {
                    reason = str(terminated, "reason");
                } else if (terminated.isObject()) {
                    reason = num(terminated, "signal") != 0
                            ? "Signal:" + num(terminated, "signal")
                            : "ExitCode:" + num(terminated, "exitCode");
                } else if (at(status, "ready").asBoolean(false)
                        && at(status, "state", "running").isObject()) {
                    hasRunning = true;
                    ready++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = conditionTrue(pod, "Ready") ? "Running" : "NotReady";
            }
        }

        boolean deleting = !str(pod, "metadata", "deletionTimestamp").isEmpty();
        if (deleting && str(pod, "status", "reason").equals("NodeLost")) {
            reason = "Unknown";
        } else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) {
            reason = "Terminating";
        }

        String restartText = restarts != 0 && lastRestart != null
                ? restarts + " (" + humanDuration(Duration.between(lastRestart, now)) + " ago)"
                : Long.toString(restarts);

        String podIp = str(at(pod, "status", "podIPs").path(0), "ip");
        if (podIp.isEmpty()) {
            podIp = str(pod, "status", "podIP");
        }
        String readinessGates = "<none>";
        List<JsonNode> gates = items(pod, "spec", "readinessGates");
        if (!gates.isEmpty()) {
            int trueGates = 0;
            for (JsonNode gate : gates) {
                for (JsonNode condition : items(pod, "status", "conditions")) {
                    if (str(condition, "type").equals(str(gate, "conditionType"))) {
                        if (str(condition, "status").equals("True")) {
                            trueGates++;
                        }
                        break;
                    }
                }
            }
            readinessGates = trueGates + "/" + gates.size();
        }
        return List.of(
                name(pod),
                ready + "/" + total,
                reason,
                restartText,
                age(pod, now),
                orElse(podIp, "<none>"),
                orElse(str(pod, "spec", "nodeName"), "<none>"),
                orElse(str(pod, "status", "nominatedNodeName"), "<none>"),
                readinessGates);
    }

    private static boolean conditionTrue(JsonNode pod, String type) {
        for (JsonNode condition : items(pod, "status", "conditions")) {
            if (str(condition, "type").equals(type) && str(condition, "status").equals("True")) {
                return true;
            }
        }
        return false;
    }

    private static Instant later(Instant current, Instant candidate) {
        return candidate != null && (current == null || candidate.isAfter(current)) ? candidate : current;
    }

    // ---- Labels and selectors --------------------------------------------------------------------

    /** A label map as {@code a=1,b=2}, keys sorted; {@code <none>} when empty. */
    private static String formatLabels(JsonNode labels) {
        TreeMap<String, String> sorted = new TreeMap<>();
        if (labels.isObject()) {
            labels.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
        }
        if (sorted.isEmpty()) {
            return "<none>";
        }
        return sorted.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /**
     * A LabelSelector in selector syntax; {@code <none>} when it selects by nothing, {@code <error>}
     * when invalid.
     */
    private static String formatLabelSelector(JsonNode selector) {
        String text = selectorString(selector);
        if (text == null) {
            return "<error>";
        }
        return text.isEmpty() ? "<none>" : text;
    }

    /**
     * A LabelSelector as the server's selector String() writes it: requirements sorted by key,
     * {@code k=v}, {@code k in (a,b)}, {@code k notin (a,b)}, {@code k}, {@code !k}; null when invalid.
     */
    private static String selectorString(JsonNode selector) {
        if (!selector.isObject()) {
            return "";
        }
        List<String[]> requirements = new ArrayList<>();
        for (Map.Entry<String, JsonNode> label : selector.path("matchLabels").properties()) {
            requirements.add(new String[] {
                label.getKey(), label.getKey() + "=" + label.getValue().asText()
            });
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = str(expression, "key");
            List<String> values = new ArrayList<>(new TreeSet<>(texts(at(expression, "values"))));
            String requirement;
            switch (str(expression, "operator")) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        return null;
                    }
                    requirement = key + (str(expression, "operator").equals("In") ? " in (" : " notin (")
                            + String.join(",", values) + ")";
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        return null;
                    }
                    requirement = (str(expression, "operator").equals("Exists") ? "" : "!") + key;
                }
                default -> {
                    return null;
                }
            }
            requirements.add(new String[] {key, requirement});
        }
        requirements.sort(Comparator.comparing(r -> r[0]));
        return requirements.stream().map(r -> r[1]).collect(Collectors.joining(","));
    }

    // ---- JSON helpers ----------------------------------------------------------------------------

    private static JsonNode at(JsonNode node, String... path) {
        JsonNode current = node;
        for (String key : path) {
            if (current == null || !current.isObject()) {
                return MissingNode.getInstance();
            }
            current = current.get(key);
        }
        return current == null ? MissingNode.getInstance() : current;
    }

    /** A string field, or "" like Go's zero value when missing. */
    private static String str(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        return value.isValueNode() && !value.isNull() ? value.asText() : "";
    }

    /** A numeric field, or 0 when missing. */
    private static long num(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        return value.isNumber() ? value.longValue() : 0;
    }

    private static List<JsonNode> items(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        List<JsonNode> items = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(items::add);
        }
        return items;
    }

    private static int size(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        return value.isContainerNode() ? value.size() : 0;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(value -> texts.add(value.asText()));
        }
        return texts;
    }

    private static String firstText(JsonNode array) {
        return array.isArray() && !array.isEmpty() ? array.get(0).asText() : "";
    }

    private static String join(List<JsonNode> containers, String field) {
        return containers.stream().map(c -> str(c, field)).collect(Collectors.joining(","));
    }

    private static String intOrString(JsonNode node, String absent, String... path) {
        JsonNode value = at(node, path);
        if (value.isNumber()) {
            return Long.toString(value.longValue());
        }
        return value.isTextual() ? value.textValue() : absent;
    }

    private static String orElse(String value, String fallback) {
        return value.isEmpty() ? fallback : value;
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
