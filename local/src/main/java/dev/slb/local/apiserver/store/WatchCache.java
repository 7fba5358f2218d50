package dev.slb.local.apiserver.store;

import dev.slb.local.apiserver.kinds.Kind;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The watch side of the store: a bounded history of changes, so that a watch can start from the
 * resourceVersion of a list, and the open watches, indexed by resource, each handed the changes it
 * concerns the way the API server hands them: an object that stops matching a watch's selector
 * is {@code DELETED} for that watch, one that starts matching is {@code ADDED}.
 *
 * <p>Changes arrive under the store's lock; watches open under it too ({@link ObjectStore#locked}),
 * so no change falls between a list and the watch that follows it.
 */
public final class WatchCache implements ObjectStore.Listener {

    /** How many changes are kept for watches that resume from a resourceVersion. */
    public static final int HISTORY = 10_000;
    /** At most this much JSON is kept in the history; the objects are shared with the store. */
    public static final long HISTORY_BYTES = 64L << 20;

    /** Where a watch's events go; neither method may block. Both return false once the client is gone. */
    public interface Sink {
        boolean event(String type, Stored object);

        boolean bookmark(long resourceVersion);
    }

    /** A watch from a version older than the history holds: the client must list again (410 Expired). */
    public static final class Expired extends Exception {
        private static final long serialVersionUID = 1L;

        Expired(String message) {
            super(message);
        }
    }

    /** A watch from a version this server has not reached yet (a client of an earlier run, or a made-up version). */
    public static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    /** One open watch. */
    public static final class Watch {
        private final String resource;
        private final String namespace;
        private final Predicate<Stored> selector;
        private final Sink sink;
        private final boolean bookmarks;

        private Watch(Kind kind, String namespace, Predicate<Stored> selector, Sink sink, boolean bookmarks) {
            this.resource = resource(kind);
            this.namespace = kind.namespaced() ? namespace : null;
            this.selector = selector;
            this.sink = sink;
            this.bookmarks = bookmarks;
        }

        private boolean matches(Stored object) {
            return object != null
                    && (namespace == null || namespace.equals(object.namespace()))
                    && selector.test(object);
        }

        /** Hands over one change as this watch sees it; false once the client is gone. */
        private boolean deliver(Change change) {
            boolean before = matches(change.previous());
            boolean after = matches(change.after());
            if (before && after) {
                return sink.event("MODIFIED", change.object());
            } else if (after) {
                return sink.event("ADDED", change.object());
            } else if (before) {
                return sink.event("DELETED", change.object());
            }
            return true;
        }
    }

    private final ObjectStore store;
    private final int capacity;
    private final long maxBytes;
    private final ArrayDeque<Change> history = new ArrayDeque<>();
    private final Map<String, Set<Watch>> watches = new ConcurrentHashMap<>();
    private long historyBytes;
    /** Watches from a version before this one have missed changes the history no longer holds. */
    private long forgottenUpTo;

    public WatchCache(ObjectStore store, int capacity, long maxBytes) {
        this.store = store;
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.forgottenUpTo = store.resourceVersion();
    }

    @Override
    public void changed(Change change) {
        history.addLast(change);
        historyBytes += change.object().json().length;
        while (history.size() > capacity || (historyBytes > maxBytes && history.size() > 1)) {
            Change forgotten = history.removeFirst();
            historyBytes -= forgotten.object().json().length;
            forgottenUpTo = forgotten.resourceVersion();
        }
        Set<Watch> concerned = watches.get(resource(change.object().kind()));
        if (concerned != null) {
            concerned.removeIf(w -> !w.deliver(change));
        }
    }

    /**
     * Opens a watch that first replays the changes after {@code since}, then follows new ones; call
     * it under {@link ObjectStore#locked}.
     *
     * @throws Expired when changes after {@code since} are no longer all kept
     * @throws TooLarge when {@code since} is ahead of the store
     */
    public Watch watch(
            Kind kind, String namespace, Predicate<Stored> selector, long since, Sink sink, boolean bookmarks)
            throws Expired, TooLarge {
        if (since > store.resourceVersion()) {
            throw new TooLarge("Too large resource version: " + since + ", current: " + store.resourceVersion());
        }
        if (since < forgottenUpTo) {
            throw new Expired("too old resource version: " + since + " (" + forgottenUpTo + ")");
        }
        Watch watch = new Watch(kind, namespace, selector, sink, bookmarks);
        for (Change change : history) {
            if (change.resourceVersion() > since
                    && resource(change.object().kind()).equals(watch.resource)
                    && !watch.deliver(change)) {
                return watch;
            }
        }
        watches.computeIfAbsent(watch.resource, r -> ConcurrentHashMap.newKeySet())
                .add(watch);
        return watch;
    }

    public void stop(Watch watch) {
        Set<Watch> set = watches.get(watch.resource);
        if (set != null) {
            set.remove(watch);
        }
    }

    /** Sends every watch that allows bookmarks the current resourceVersion. */
    public void bookmark() {
        store.locked(() -> {
            long version = store.resourceVersion();
            for (Set<Watch> set : watches.values()) {
                set.removeIf(w -> w.bookmarks && !w.sink.bookmark(version));
            }
            return null;
        });
    }

    private static String resource(Kind kind) {
        return kind.group() + "/" + kind.plural();
    }
}
