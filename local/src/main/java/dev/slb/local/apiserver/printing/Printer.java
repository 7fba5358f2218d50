package dev.slb.local.apiserver.printing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The columns {@code kubectl get} shows for one kind, how to fill them from an object, and any
 * row conditions: what a real API server's table convertor for that kind does.
 */
public record Printer(List<Column> columns, Cells cells, Function<JsonNode, ArrayNode> conditions) {

    // ObjectMeta's own field documentation, which the real server puts in these two columns.
    static final String NAME_DOC = "Name must be unique within a namespace. Is required when"
            + " creating resources, although some resources may allow a client to request the generation"
            + " of an appropriate name automatically. Name is primarily intended for creation idempotence"
            + " and configuration definition. Cannot be updated. More info:"
            + " https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    static final String CREATED_DOC = "CreationTimestamp is a timestamp representing the"
            + " server time when this object was created. It is not guaranteed to be set in"
            + " happens-before order across separate operations. Clients may not set this value. It is"
            + " represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for"
            + " lists. More info:"
            + " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    static final Column NAME = new Column("Name", "string", "name", NAME_DOC, 0);
    static final Column AGE = new Column("Age", "string", "", CREATED_DOC, 0);

    Printer(List<Column> columns, Cells cells) {
        this(columns, cells, object -> null);
    }

    /** A column definition as the Table carries it. */
    public record Column(String name, String type, String format, String description, int priority) {
        ObjectNode toJson() {
            ObjectNode json = JsonNodeFactory.instance.objectNode();
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
    public interface Cells {
        List<Object> apply(JsonNode object, Instant now);
    }

    static Column col(String name, String type, String description) {
        return new Column(name, type, "", description, 0);
    }

    static Column wide(String name, String type, String description) {
        return new Column(name, type, "", description, 1);
    }
}
