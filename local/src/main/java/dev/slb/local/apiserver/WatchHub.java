package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Predicate;

/**
 * The watch side of the API server: keeps a bounded history of changes, so that a watch can
 * start from a resourceVersion a list returned, and hands each change to the watches it
 * concerns, as {@code ADDED}, {@code MODIFIED} or {@code DELETED} the way the API server does:
 * an object that stops matching a watch's selector is {@code DELETED} for that watch.
 *
 * <p>Changes arrive under the storage's write lock, in resourceVersion order; callers subscribe
 * under the same serialization (see {@link LocalApi}), so no change falls between a list and
 * the watch that follows it.
 */
final class WatchHub implements Storage.ChangeListener {

    /** How many changes are kept, by default, for watches that resume from a resourceVersion. */
    static final int HISTORY = 10_000;

    /** Where a watch's events go; {@link #send} must not block. */
    interface Sink {
        /** Sends one event; returns false once the client is gone. */
        boolean send(String type, JsonNode object);
    }

    /**
     * At most this much JSON (both states of each change) is kept for resuming watches; the parsed
     * trees take a few times more heap. A watch from an older version gets 410 Expired and lists.
     */
    static final long HISTORY_BYTES = 32L << 20;

    /** One change, as it is kept for resuming watches. */
    record Change(long resourceVersion, ResourcePath path, JsonNode before, JsonNode after, long bytes) {}

    /** One open watch. */
    static final class Subscription {
        final ResourcePath collection;
        final String group;
        final String resource;
        final String namespace;
        final Predicate<JsonNode> selector;
        final Sink sink;
        final boolean bookmarks;

        Subscription(ResourcePath collection, Predicate<JsonNode> selector, Sink sink, boolean bookmarks) {
            this.collection = collection;
            this.group = collection.group();
            this.resource = collection.resource();
            this.namespace = collection.namespace();
            this.selector = selector;
            this.sink = sink;
            this.bookmarks = bookmarks;
        }

        boolean concerns(ResourcePath path) {
            return path.group().equals(group) && path.resource().equals(resource);
        }

        private boolean matches(JsonNode object) {
            return object != null
                    && (namespace == null
                            || namespace.equals(
                                    object.path("metadata").path("namespace").asText()))
                    && selector.test(object);
        }

        /** Delivers one change as this watch sees it; false once the client is gone. */
        boolean deliver(Change change) {
            boolean before = matches(change.before());
            boolean after = matches(change.after());
            if (before && after) {
                return sink.send("MODIFIED", change.after());
            } else if (after) {
                return sink.send("ADDED", change.after());
            } else if (before) {
                return sink.send("DELETED", change.after() != null ? change.after() : change.before());
            }
            return true;
        }
    }

    /** Thrown when a watch asks to resume from a version older than the history holds. */
    static final class Expired extends Exception {
        private static final long serialVersionUID = 1L;

        Expired(String message) {
            super(message);
        }
    }

    private final int capacity;
    private final Deque<Change> history = new ArrayDeque<>();
    private final Set<Subscription> subscriptions = new CopyOnWriteArraySet<>();
    private final List<Storage.ChangeListener> followers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long forgottenUpTo;
    private long historyBytes;

    WatchHub(int capacity) {
        this.capacity = capacity;
    }

    /** Adds a listener told of every change after the watches are (garbage collection, caches). */
    void follow(Storage.ChangeListener follower) {
        followers.add(follower);
    }

    @Override
    public void changed(ResourcePath path, JsonNode before, JsonNode after) {
        changed(path, before, after, 0);
    }

    @Override
    public synchronized void changed(ResourcePath path, JsonNode before, JsonNode after, long jsonBytes) {
        JsonNode current = after != null ? after : before;
        long version = current.path("metadata").path("resourceVersion").asLong();
        Change change = new Change(version, path, before, after, jsonBytes);
        history.addLast(change);
        historyBytes += jsonBytes;
        while (history.size() > capacity || (historyBytes > HISTORY_BYTES && history.size() > 1)) {
            Change forgotten = history.removeFirst();
            historyBytes -= forgotten.bytes();
            forgottenUpTo = forgotten.resourceVersion();
        }
        for (Subscription s : subscriptions) {
            if (s.concerns(path) && !s.deliver(change)) {
                subscriptions.remove(s);
            }
        }
        for (Storage.ChangeListener f : followers) {
            f.changed(path, before, after);
        }
    }

    /**
     * Opens a watch that first replays the changes after {@code since}, then follows new ones.
     *
     * @throws Expired when changes after {@code since} are no longer all kept
     */
    synchronized Subscription subscribe(
            ResourcePath collection, Predicate<JsonNode> selector, long since, Sink sink, boolean bookmarks)
            throws Expired {
        if (since < forgottenUpTo) {
            throw new Expired("too old resource version: " + since + " (" + forgottenUpTo + ")");
        }
        Subscription s = new Subscription(collection, selector, sink, bookmarks);
        for (Change change : history) {
            if (change.resourceVersion() > since && s.concerns(change.path()) && !s.deliver(change)) {
                return s;
            }
        }
        subscriptions.add(s);
        return s;
    }

    void unsubscribe(Subscription s) {
        subscriptions.remove(s);
    }

    /** Sends a BOOKMARK at {@code resourceVersion} to every watch that allows them. */
    synchronized void bookmark(long resourceVersion, java.util.function.Function<Subscription, JsonNode> object) {
        for (Subscription s : subscriptions) {
            if (s.bookmarks && !s.sink.send("BOOKMARK", object.apply(s))) {
                subscriptions.remove(s);
            }
        }
    }
}
