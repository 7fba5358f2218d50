package dev.slb.local.apiserver.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kinds;
import dev.slb.local.apiserver.store.ObjectStore.Part;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection as a controller on the store's change stream, as a cluster's does by
 * {@code ownerReferences}, but at once rather than in the background: a deleted owner takes its
 * dependents along (a dependent with another owner left only loses the reference); an owner
 * being deleted with the {@code orphan} finalizer first drops the references to itself; an object
 * written with no owner left goes; a deleted Namespace takes what was in it, a deleted CRD its
 * custom resources. It deletes through the store, so finalizers and graceful deletion hold.
 */
public final class GarbageCollector implements ObjectStore.Listener {

    /** The finalizer of an owner deleted with propagationPolicy Orphan. */
    public static final String ORPHAN = "orphan";

    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

    private final ObjectStore store;
    private final Kinds kinds;

    public GarbageCollector(ObjectStore store, Kinds kinds) {
        this.store = store;
        this.kinds = kinds;
    }

    @Override
    public void changed(Change change) {
        Stored object = change.object();
        if (change.type() == Change.Type.DELETED) {
            collectDependents(object);
            if (object.kind().group().isEmpty() && object.kind().plural().equals("namespaces")) {
                store.inNamespace(object.name()).forEach(this::delete);
            }
            if (object.kind() == Kinds.CRDS) {
                JsonNode spec = object.tree().path("spec");
                store.ofResource(
                                spec.path("group").asText(),
                                spec.path("names").path("plural").asText())
                        .forEach(this::delete);
            }
            return;
        }
        if (object.deleting()
                && object.tree().path("metadata").path("finalizers").toString().contains("\"" + ORPHAN + "\"")) {
            orphan(object);
        } else if (!object.owners().isEmpty() && object.owners().stream().noneMatch(this::present)) {
            LOG.debug("{} {} has no owner left; collecting it", object.kind().kind(), object.key());
            delete(object);
        }
    }

    private void collectDependents(Stored owner) {
        for (Stored dependent : store.dependents(owner.uid())) {
            if (dependent.owners().stream().anyMatch(this::present)) {
                dropReference(dependent, owner.uid());
            } else {
                delete(dependent);
            }
        }
    }

    /** Drops every reference to the owner, then its finalizer, which lets its deletion finish. */
    private void orphan(Stored owner) {
        for (Stored dependent : store.dependents(owner.uid())) {
            dropReference(dependent, owner.uid());
        }
        update(owner, Part.MAIN, meta -> remove(meta.withArray("finalizers"), "", ORPHAN));
    }

    private void dropReference(Stored dependent, String ownerUid) {
        update(dependent, Part.MAIN, meta -> {
            remove(meta.withArray("ownerReferences"), "uid", ownerUid);
            if (meta.path("ownerReferences").isEmpty()) {
                meta.remove("ownerReferences");
            }
        });
    }

    /** An owner exists while its uid is stored; one of a kind this server does not serve counts as present. */
    private boolean present(Stored.OwnerReference owner) {
        return store.byUid(owner.uid()) != null || kinds.byKind(owner.apiVersion(), owner.kind()) == null;
    }

    private void delete(Stored object) {
        try {
            store.delete(object.kind(), object.namespace(), object.name(), null, null, found -> {});
        } catch (StoreException e) {
            // already gone
        }
    }

    private void update(Stored object, Part part, java.util.function.Consumer<ObjectNode> changeMetadata) {
        try {
            store.update(
                    object.kind(),
                    object.namespace(),
                    object.name(),
                    part,
                    current -> {
                        changeMetadata.accept(current.withObject("metadata"));
                        current.withObject("metadata").remove("resourceVersion");
                        return current;
                    },
                    (next, old) -> {},
                    false);
        } catch (StoreException e) {
            // already gone
        }
    }

    /** Removes the items equal to {@code value}: the items themselves, or their {@code field} when not empty. */
    private static void remove(ArrayNode list, String field, String value) {
        for (int i = list.size() - 1; i >= 0; i--) {
            JsonNode item = field.isEmpty() ? list.get(i) : list.get(i).path(field);
            if (item.asText().equals(value)) {
                list.remove(i);
            }
        }
    }
}
