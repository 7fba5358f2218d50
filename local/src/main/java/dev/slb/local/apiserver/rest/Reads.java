package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.printing.Tables;
import dev.slb.local.apiserver.store.ObjectStore;
import dev.slb.local.apiserver.store.Selectors;
import dev.slb.local.apiserver.store.Stored;
import dev.slb.local.apiserver.store.WatchCache;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Get, list and watch: objects as they are stored (their JSON is sent as it was written, never
 * serialized again), or as Tables when kubectl asks for them.
 */
final class Reads {

    private static final byte[] EVENT_END = "}\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEWLINE = {'\n'};
    private static final Map<String, byte[]> PREFIXES =
            Map.of("ADDED", prefix("ADDED"), "MODIFIED", prefix("MODIFIED"), "DELETED", prefix("DELETED"));

    private final ObjectStore store;
    private final WatchCache watches;
    private final Clock clock;

    Reads(ObjectStore store, WatchCache watches, Clock clock) {
        this.store = store;
        this.watches = watches;
        this.clock = clock;
    }

    ApiResponse get(ApiRequest request, ResourcePath p, Kind kind) {
        Stored object = store.get(kind, p.namespace(), p.name());
        if (object == null) {
            throw ApiError.notFound(kind, p.name());
        }
        if (Tables.wantsTable(request.accept())) {
            return Json.reply(200, table(kind, List.of(object), request, object.resourceVersion(), true));
        }
        return Json.reply(200, object.json());
    }

    ApiResponse listOrWatch(ApiRequest request, ResourcePath p, Kind kind) {
        String watch = request.param("watch");
        if ("true".equals(watch) || "1".equals(watch)) {
            return watch(request, p, kind);
        }
        Predicate<Stored> selector = selector(request);
        ObjectStore.Snapshot snapshot = store.list(kind, p.namespace());
        long since = version(request);
        if (since > snapshot.resourceVersion()) {
            throw tooLarge(since, snapshot.resourceVersion());
        }
        List<Stored> items = snapshot.items().stream().filter(selector).toList();
        if (Tables.wantsTable(request.accept())) {
            return Json.reply(200, table(kind, items, request, snapshot.resourceVersion(), true));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + items.size() * 2048);
        out.writeBytes(("{\"kind\":\"" + kind.kind() + "List\",\"apiVersion\":\"" + kind.apiVersion()
                        + "\",\"metadata\":{\"resourceVersion\":\"" + snapshot.resourceVersion() + "\"},\"items\":[")
                .getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(items.get(i).json());
        }
        out.writeBytes("]}".getBytes(StandardCharsets.UTF_8));
        return Json.reply(200, out.toByteArray());
    }

    /**
     * A streaming watch. With no resourceVersion (or "0") it starts with an {@code ADDED} event
     * for every object, as the API server does; with one, it replays the changes after it, or
     * answers as a cluster does one it cannot serve: "too old" (410) or "too large" (504).
     */
    private ApiResponse watch(ApiRequest request, ResourcePath p, Kind kind) {
        Predicate<Stored> selector = selector(request);
        boolean table = Tables.wantsTable(request.accept());
        if (table) {
            table(kind, List.of(), request, 0, true); // refuses a bad includeObject before the stream starts
        }
        long since = version(request);
        boolean bookmarks = "true".equals(request.param("allowWatchBookmarks"));
        boolean initialEvents = "true".equals(request.param("sendInitialEvents"));
        String timeout = request.param("timeoutSeconds");
        Duration limit;
        try {
            limit = timeout == null ? null : Duration.ofSeconds(Long.parseLong(timeout));
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("timeoutSeconds \"" + timeout + "\" is not a number of seconds");
        }
        return new ApiResponse.Watch(Json.TYPE, limit, sink -> {
            AtomicBoolean first = new AtomicBoolean(true);
            WatchCache.Sink events = new WatchCache.Sink() {
                @Override
                public boolean event(String type, Stored object) {
                    if (table) {
                        ObjectNode row =
                                table(kind, List.of(object), request, object.resourceVersion(), first.getAndSet(false));
                        return sink.send(PREFIXES.get(type), Json.bytes(row), EVENT_END);
                    }
                    return sink.send(PREFIXES.get(type), object.json(), EVENT_END);
                }

                @Override
                public boolean bookmark(long resourceVersion) {
                    return sink.send(Json.bytes(eventNode("BOOKMARK", bookmarkObject(kind, resourceVersion))), NEWLINE);
                }
            };
            return store.locked(() -> {
                try {
                    long start = since;
                    if (since <= 0 || initialEvents) {
                        ObjectStore.Snapshot snapshot = store.list(kind, p.namespace());
                        for (Stored object : snapshot.items()) {
                            if (selector.test(object) && !events.event("ADDED", object)) {
                                return () -> {};
                            }
                        }
                        start = snapshot.resourceVersion();
                        if (initialEvents) {
                            ObjectNode mark = bookmarkObject(kind, start);
                            mark.withObject("metadata")
                                    .putObject("annotations")
                                    .put("k8s.io/initial-events-end", "true");
                            sink.send(Json.bytes(eventNode("BOOKMARK", mark)), NEWLINE);
                        }
                    }
                    WatchCache.Watch w = watches.watch(kind, p.namespace(), selector, start, events, bookmarks);
                    return () -> watches.stop(w);
                } catch (WatchCache.Expired e) {
                    return fail(sink, ApiError.status(410, "Expired", e.getMessage()));
                } catch (WatchCache.TooLarge e) {
                    return fail(sink, tooLarge(since, store.resourceVersion()).toStatus());
                }
            });
        });
    }

    void bookmarks() {
        watches.bookmark();
    }

    private static Runnable fail(ApiResponse.EventSink sink, ObjectNode status) {
        sink.send(Json.bytes(eventNode("ERROR", status)), NEWLINE);
        sink.end();
        return () -> {};
    }

    /** What a cluster answers a read from a version it has not reached: 504, retry after a second. */
    private static ApiError tooLarge(long version, long current) {
        ObjectNode details = Json.MAPPER.createObjectNode().put("retryAfterSeconds", 1);
        details.putArray("causes")
                .addObject()
                .put("reason", "ResourceVersionTooLarge")
                .put("message", "Too large resource version");
        return new ApiError(
                504, "Timeout", "Too large resource version: " + version + ", current: " + current, details);
    }

    private ObjectNode table(Kind kind, List<Stored> objects, ApiRequest request, long version, boolean columns) {
        List<JsonNode> trees = new ArrayList<>(objects.size());
        objects.forEach(o -> trees.add(o.tree()));
        try {
            return Tables.table(
                    kind.printer(),
                    kind.apiVersion(),
                    kind.kind(),
                    trees,
                    request.param("includeObject"),
                    version == 0 ? "" : String.valueOf(version),
                    columns,
                    clock.instant());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    private static ObjectNode bookmarkObject(Kind kind, long version) {
        // Clients decode a bookmark as an object of the watched kind, so it carries kind and apiVersion.
        ObjectNode mark =
                Json.MAPPER.createObjectNode().put("kind", kind.kind()).put("apiVersion", kind.apiVersion());
        mark.putObject("metadata").put("resourceVersion", String.valueOf(version));
        return mark;
    }

    private static ObjectNode eventNode(String type, JsonNode object) {
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", type);
        event.set("object", object);
        return event;
    }

    private static byte[] prefix(String type) {
        return ("{\"type\":\"" + type + "\",\"object\":").getBytes(StandardCharsets.UTF_8);
    }

    private static long version(ApiRequest request) {
        String from = request.param("resourceVersion");
        try {
            return from == null || from.isEmpty() ? 0 : Long.parseLong(from);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("resourceVersion \"" + from + "\" is not a number");
        }
    }

    static Predicate<Stored> selector(ApiRequest request) {
        try {
            return Selectors.of(request.param("labelSelector"), request.param("fieldSelector"));
        } catch (Selectors.InvalidSelector e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }
}
