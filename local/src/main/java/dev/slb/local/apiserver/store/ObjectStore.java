package dev.slb.local.apiserver.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.store.StoreException.Problem;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object store: every object by kind and key, with a uid index and an owner index, one
 * resourceVersion counter, and the rules a cluster's storage layer applies on write (uid and
 * timestamps, generation, optimistic concurrency, the status split, finalizers and graceful
 * deletion). Each change goes to the {@link Listener}s in resourceVersion order.
 *
 * <p>Writes run under one lock, and so do the listeners, which may write in turn (garbage
 * collection does): their changes are delivered after the one being delivered, in order. Reads of
 * one object take no lock; a list takes it, so its items and resourceVersion agree.
 */
public final class ObjectStore {

    private static final Logger LOG = LoggerFactory.getLogger(ObjectStore.class);
    /** The metadata an update cannot change: the store's, and the object's identity. */
    private static final List<String> SERVER_OWNED = List.of(
            "uid",
            "name",
            "namespace",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "resourceVersion");

    /** Told of every change, under the store's lock, in resourceVersion order. */
    public interface Listener {
        void changed(Change change);
    }

    /** Checks (and completes) an object before it is written, from what is stored; throws to refuse it. */
    public interface Admission {
        void admit(ObjectNode next, ObjectNode old);
    }

    /** Which part of an object a write may change, as the status subresource splits it. */
    public enum Part {
        /** Everything but the status, for a kind with a status subresource; everything otherwise. */
        MAIN,
        /** The status alone. */
        STATUS
    }

    /** A list's items with the resourceVersion they are current at. */
    public record Snapshot(List<Stored> items, long resourceVersion) {}

    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ConcurrentSkipListMap<String, Stored>> objects = new ConcurrentHashMap<>();
    private final Map<String, Stored> byUid = new ConcurrentHashMap<>();
    /** Owner uid to the uids of the objects that name it; an owner's entry outlives it, for its collection. */
    private final Map<String, Set<String>> dependents = new HashMap<>();

    private final List<Listener> listeners = new ArrayList<>();
    private final ArrayDeque<Change> pending = new ArrayDeque<>();
    private boolean delivering;
    private long resourceVersion;

    /**
     * A store whose resourceVersions continue from the clock (microseconds since the epoch), as
     * etcd's revision outlives an API server's restart: a client that watches from a version a
     * previous run handed out gets "too old" and lists again, rather than waiting for a version
     * this run has not reached.
     */
    public ObjectStore(Clock clock) {
        this.clock = clock;
        Instant now = clock.instant();
        this.resourceVersion = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    public void listen(Listener listener) {
        lock.lock();
        try {
            listeners.add(listener);
        } finally {
            lock.unlock();
        }
    }

    /** The resourceVersion of the last change. */
    public long resourceVersion() {
        return resourceVersion;
    }

    /** Runs {@code work} with no write in between (a list and the watch that follows it). */
    public <T> T locked(Supplier<T> work) {
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    public Stored get(Kind kind, String namespace, String name) {
        Map<String, Stored> all = objects.get(resource(kind));
        return all == null ? null : all.get(Stored.key(kind.namespaced() ? namespace : null, name));
    }

    public Stored byUid(String uid) {
        return byUid.get(uid);
    }

    /** The objects of a kind, in one namespace (null: all), sorted by namespace and name. */
    public Snapshot list(Kind kind, String namespace) {
        return locked(() -> new Snapshot(items(kind, namespace), resourceVersion));
    }

    List<Stored> items(Kind kind, String namespace) {
        ConcurrentSkipListMap<String, Stored> all = objects.get(resource(kind));
        if (all == null) {
            return List.of();
        }
        Collection<Stored> selected = namespace == null || !kind.namespaced()
                ? all.values()
                : all.subMap(namespace + "/", namespace + "/\uffff").values();
        return List.copyOf(selected);
    }

    /** Every object in a namespace, of every kind. */
    List<Stored> inNamespace(String namespace) {
        List<Stored> found = new ArrayList<>();
        for (ConcurrentSkipListMap<String, Stored> all : objects.values()) {
            found.addAll(all.subMap(namespace + "/", namespace + "/\uffff").values());
        }
        return found;
    }

    /** Every object of the resource {@code group/plural}, whatever version it was stored under. */
    List<Stored> ofResource(String group, String plural) {
        ConcurrentSkipListMap<String, Stored> all = objects.get(group + "/" + plural);
        return all == null ? List.of() : List.copyOf(all.values());
    }

    /** The objects that name {@code ownerUid} among their owners. */
    List<Stored> dependents(String ownerUid) {
        Set<String> uids = dependents.get(ownerUid);
        List<Stored> found = new ArrayList<>();
        if (uids != null) {
            for (String uid : List.copyOf(uids)) {
                Stored s = byUid.get(uid);
                if (s != null) {
                    found.add(s);
                }
            }
        }
        return found;
    }

    /** Creates the object: it gets its uid, creationTimestamp, resourceVersion and (where kept) generation. */
    public Stored create(Kind kind, ObjectNode object) {
        lock.lock();
        try {
            ObjectNode meta = object.withObject("metadata");
            String name = meta.path("name").asText();
            String namespace = kind.namespaced() ? meta.path("namespace").asText() : null;
            if (get(kind, namespace, name) != null) {
                throw new StoreException(Problem.ALREADY_EXISTS, name);
            }
            meta.put("uid", UUID.randomUUID().toString());
            meta.put("creationTimestamp", now(0));
            meta.remove(List.of("deletionTimestamp", "deletionGracePeriodSeconds", "generation", "managedFields"));
            if (kind.generation()) {
                meta.put("generation", 1);
            }
            return write(kind, null, object);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the object with what {@code change} makes of a copy of it, split by {@code part},
     * completed by {@code admission}. A change the writer based on an older resourceVersion is a
     * conflict; one that changes nothing is not written; one that leaves a deleted object without
     * finalizers removes it. With {@code dryRun} everything but the write happens.
     */
    public Stored update(
            Kind kind,
            String namespace,
            String name,
            Part part,
            UnaryOperator<ObjectNode> change,
            Admission admission,
            boolean dryRun) {
        lock.lock();
        try {
            Stored current = require(kind, namespace, name);
            ObjectNode old = current.tree();
            ObjectNode incoming = change.apply(current.tree());
            String version = incoming.path("metadata").path("resourceVersion").asText("");
            if (!version.isEmpty() && !version.equals(String.valueOf(current.resourceVersion()))) {
                throw new StoreException(Problem.CONFLICT, name);
            }
            ObjectNode next = StatusSplit.apply(kind, part, old, incoming);
            admission.admit(next, old);
            ObjectNode meta = next.withObject("metadata");
            for (String field : SERVER_OWNED) {
                JsonNode kept = old.path("metadata").get(field);
                if (kept == null) {
                    meta.remove(field);
                } else {
                    meta.set(field, kept);
                }
            }
            meta.remove("managedFields");
            if (kind.generation() && StatusSplit.specChanged(next, old)) {
                meta.put("generation", old.path("metadata").path("generation").asLong(1) + 1);
            }
            if (dryRun || next.equals(old)) {
                return dryRun ? Stored.of(kind, next) : current;
            }
            boolean finalized = meta.hasNonNull("deletionTimestamp")
                    && meta.path("finalizers").isEmpty()
                    && meta.path("deletionGracePeriodSeconds").asLong(0) == 0;
            if (finalized) {
                return remove(current);
            }
            return write(kind, current, next);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes the object, as a cluster does: one with finalizers, or one deleted gracefully (a
     * Pod on a node: {@code grace} seconds, or its own period when null), is marked with a
     * deletionTimestamp and stays; anything else goes. {@code finalizer}, when not null, is added
     * first (garbage collection's {@code orphan}). {@code precondition} may refuse by throwing.
     */
    public Stored delete(
            Kind kind, String namespace, String name, Long grace, String finalizer, Consumer<Stored> precondition) {
        lock.lock();
        try {
            Stored current = require(kind, namespace, name);
            precondition.accept(current);
            ObjectNode object = current.tree();
            ObjectNode meta = object.withObject("metadata");
            long seconds = grace != null ? grace : defaultGrace(kind, object);
            boolean terminating = meta.hasNonNull("deletionTimestamp");
            boolean added =
                    finalizer != null && !meta.path("finalizers").toString().contains('"' + finalizer + '"');
            if (added) {
                meta.withArray("finalizers").add(finalizer);
            }
            if (meta.path("finalizers").isEmpty() && seconds == 0) {
                return remove(current);
            }
            if (terminating && !added) {
                return current;
            }
            if (!terminating) {
                meta.put("deletionTimestamp", now(seconds));
                meta.put("deletionGracePeriodSeconds", seconds);
            }
            return write(kind, current, object);
        } finally {
            lock.unlock();
        }
    }

    /** A Pod on a node is deleted gracefully, over its termination grace period; anything else at once. */
    private static long defaultGrace(Kind kind, JsonNode object) {
        boolean onNode = !object.path("spec").path("nodeName").asText("").isEmpty();
        return kind.graceful() && onNode
                ? object.path("spec").path("terminationGracePeriodSeconds").asLong(30)
                : 0;
    }

    private Stored require(Kind kind, String namespace, String name) {
        Stored current = get(kind, namespace, name);
        if (current == null) {
            throw new StoreException(Problem.NOT_FOUND, name);
        }
        return current;
    }

    /** Stores {@code object} at the next resourceVersion, in place of {@code current} (null: a creation). */
    private Stored write(Kind kind, Stored current, ObjectNode object) {
        object.withObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
        Stored written = Stored.of(kind, object);
        put(current, written);
        emit(new Change(current == null ? Change.Type.ADDED : Change.Type.MODIFIED, written, current));
        return written;
    }

    private Stored remove(Stored current) {
        ObjectNode last = current.tree();
        last.withObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
        Stored gone = Stored.of(current.kind(), last);
        put(current, null);
        emit(new Change(Change.Type.DELETED, gone, current));
        return gone;
    }

    /** Replaces {@code previous} with {@code next} (either may be null) in the maps and the indexes. */
    private void put(Stored previous, Stored next) {
        Stored any = next != null ? next : previous;
        ConcurrentSkipListMap<String, Stored> all =
                objects.computeIfAbsent(resource(any.kind()), r -> new ConcurrentSkipListMap<>());
        if (previous != null) {
            byUid.remove(previous.uid());
            for (Stored.OwnerReference owner : previous.owners()) {
                Set<String> set = dependents.get(owner.uid());
                if (set != null && set.remove(previous.uid()) && set.isEmpty()) {
                    dependents.remove(owner.uid());
                }
            }
        }
        if (next == null) {
            all.remove(previous.key());
            return;
        }
        all.put(next.key(), next);
        byUid.put(next.uid(), next);
        for (Stored.OwnerReference owner : next.owners()) {
            dependents.computeIfAbsent(owner.uid(), u -> new HashSet<>()).add(next.uid());
        }
    }

    private void emit(Change change) {
        pending.add(change);
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            for (Change next = pending.poll(); next != null; next = pending.poll()) {
                for (Listener listener : listeners) {
                    try {
                        listener.changed(next);
                    } catch (RuntimeException e) {
                        LOG.warn(
                                "a listener failed on {} {}",
                                next.type(),
                                next.object().key(),
                                e);
                    }
                }
            }
        } finally {
            delivering = false;
        }
    }

    private String now(long plusSeconds) {
        return clock.instant()
                .plusSeconds(plusSeconds)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
    }

    private static String resource(Kind kind) {
        return kind.group() + "/" + kind.plural();
    }
}
