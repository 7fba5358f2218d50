package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The object store: fabric8's CRUD mock used as a library (it keeps objects by path, assigns
 * uid, creationTimestamp, resourceVersion and generation, checks resourceVersion on update and
 * keeps status apart for custom resources with a status subresource), with every change
 * reported to a {@link ChangeListener} so that watches and garbage collection can follow.
 *
 * <p>Callers serialize writes (see {@link LocalApi}); reads may run beside them.
 */
final class Storage extends KubernetesCrudDispatcher {

    /** Told of every stored change, under the storage's write lock, in resourceVersion order. */
    interface ChangeListener {
        /** {@code before} is null for a creation, {@code after} null for a removal. */
        void changed(ResourcePath path, JsonNode before, JsonNode after);

        /** The same, with the size of both states as JSON text, for listeners that keep them. */
        default void changed(ResourcePath path, JsonNode before, JsonNode after, long jsonBytes) {
            changed(path, before, after);
        }
    }

    /** A storage answer: HTTP code and body (null when the storage gave none). */
    record Result(int code, JsonNode body) {
        boolean ok() {
            return code >= 200 && code < 300;
        }
    }

    private final ObjectMapper mapper;
    private volatile ChangeListener listener = (path, before, after) -> {};
    private volatile long lastChange;

    Storage(ObjectMapper mapper) {
        super(List.of());
        this.mapper = mapper;
    }

    void listener(ChangeListener changeListener) {
        this.listener = Objects.requireNonNull(changeListener);
    }

    @Override
    public void processEvent(
            String path,
            AttributeSet pathAttributes,
            AttributeSet oldAttributes,
            GenericKubernetesResource resource,
            String newState) {
        String before = oldAttributes == null ? null : map.get(oldAttributes);
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        ResourcePath where = ResourcePath.parse(path);
        if (Objects.equals(before, newState) || where == null) {
            return;
        }
        JsonNode after = read(newState);
        long version;
        if (after != null) {
            version = after.path("metadata").path("resourceVersion").asLong(lastChange);
        } else {
            // A removal is a change of its own: give it a version, as watchers resume from it.
            version = requestResourceVersion();
        }
        lastChange = Math.max(lastChange, version);
        JsonNode removed = read(before);
        if (after == null && removed instanceof ObjectNode o) {
            o.withObjectProperty("metadata").put("resourceVersion", String.valueOf(version));
        }
        listener.changed(
                where,
                removed,
                after,
                (before == null ? 0 : before.length()) + (newState == null ? 0 : newState.length()));
    }

    /** Every stored object, of every kind. */
    List<JsonNode> all() {
        List<JsonNode> all = new ArrayList<>();
        for (String json : new ArrayList<>(map.values())) {
            all.add(read(json));
        }
        return all;
    }

    /** The resourceVersion of the last change (0 before any). */
    long resourceVersion() {
        return lastChange;
    }

    Result get(ResourcePath object) {
        return result(handleGet(object.object().toString()));
    }

    /** Every object of the collection (across namespaces when the path names none). */
    List<JsonNode> list(ResourcePath collection) {
        List<JsonNode> items = new ArrayList<>();
        JsonNode body = body(handleGet(collection.collection().toString()));
        if (body != null) {
            body.path("items").forEach(items::add);
        }
        return items;
    }

    Result create(ResourcePath collection, JsonNode object) {
        return result(handleCreate(request(HttpMethod.POST, collection.collection(), object)));
    }

    /** Replaces the object; a path ending in {@code /status} replaces only its status. */
    Result update(ResourcePath object, JsonNode replacement) {
        return result(handleUpdate(request(HttpMethod.PUT, object, replacement)));
    }

    /**
     * Stores an object marked for deletion but kept, which the mock's update would remove at once
     * when it has no finalizers (a Pod being deleted gracefully has none). Writes go through
     * {@link LocalApi}'s lock; a concurrent reader may miss the object for the instant it is swapped.
     */
    Result markDeleted(ResourcePath object, ObjectNode marked) {
        AttributeSet key = getKey(object.object().toString());
        java.util.Map.Entry<AttributeSet, String> current = findResource(key);
        if (current == null) {
            return new Result(404, null);
        }
        marked.withObject("metadata").put("resourceVersion", String.valueOf(requestResourceVersion()));
        String json;
        try {
            json = mapper.writeValueAsString(marked);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        processEvent(object.object().toString(), key, current.getKey(), null, json);
        return new Result(200, marked);
    }

    /** Removes the object, or only marks it for deletion while it has finalizers. */
    Result delete(ResourcePath object) {
        return result(handleDelete(object.object().toString()));
    }

    private RecordedRequest request(HttpMethod method, ResourcePath path, JsonNode body) {
        try {
            return new RecordedRequest(
                    "HTTP/1.1",
                    method,
                    path.toString(),
                    new Headers.Builder()
                            .set("Content-Type", "application/json")
                            .build(),
                    new Buffer(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Result result(MockResponse response) {
        return new Result(response.code(), body(response));
    }

    private JsonNode body(MockResponse response) {
        Buffer body = response.getBody();
        if (body == null || body.size() == 0) {
            return null;
        }
        try {
            return mapper.readTree(body.getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode read(String json) {
        if (json == null) {
            return null;
        }
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
