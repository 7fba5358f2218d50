package dev.slb.local.apiserver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.BuiltinKinds;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.kinds.Kinds;
import dev.slb.local.apiserver.store.ObjectStore.Part;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store's write rules and garbage collection, without HTTP: what a cluster's storage layer does on each write. */
class ObjectStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Kind CONFIG_MAPS = kind("configmaps");
    private static final Kind DEPLOYMENTS = kind("deployments");
    private static final Kind PODS = kind("pods");
    private static final Kind NAMESPACES = kind("namespaces");

    private final ObjectStore store =
            new ObjectStore(Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
    private final List<Change> changes = new ArrayList<>();

    ObjectStoreTest() {
        store.listen(changes::add);
        store.listen(new GarbageCollector(store, new Kinds()));
    }

    @Test
    void versionsContinueFromTheClockAndAWriteThatChangesNothingIsNotOne() {
        Stored created = store.create(CONFIG_MAPS, object("v1", "ConfigMap", "a", "{\"data\":{\"x\":\"1\"}}"));
        assertThat(created.resourceVersion()).isEqualTo(1_796_083_200_000_001L);
        assertThat(created.tree().at("/metadata/generation").isMissingNode()).isTrue();

        Stored same = update(CONFIG_MAPS, "a", Part.MAIN, o -> o);
        assertThat(same.resourceVersion()).isEqualTo(created.resourceVersion());
        assertThat(changes).hasSize(1);
    }

    @Test
    void generationMovesWithTheSpecAndTheStatusSplitKeepsEachPartApart() {
        store.create(DEPLOYMENTS, object("apps/v1", "Deployment", "web", "{\"spec\":{\"replicas\":1}}"));
        Stored labelled = update(DEPLOYMENTS, "web", Part.MAIN, o -> {
            o.withObject("metadata").withObject("labels").put("a", "b");
            o.withObject("status").put("replicas", 9);
            return o;
        });
        assertThat(labelled.tree().at("/metadata/generation").asInt()).isEqualTo(1);
        assertThat(labelled.tree().has("status"))
                .as("the main resource ignores status")
                .isFalse();

        Stored status = update(DEPLOYMENTS, "web", Part.STATUS, o -> {
            o.withObject("spec").put("replicas", 5);
            o.withObject("status").put("replicas", 1);
            return o;
        });
        assertThat(status.tree().at("/spec/replicas").asInt())
                .as("the status ignores the spec")
                .isEqualTo(1);
        assertThat(status.tree().at("/status/replicas").asInt()).isEqualTo(1);

        Stored scaled = update(DEPLOYMENTS, "web", Part.MAIN, o -> {
            o.withObject("spec").put("replicas", 3);
            return o;
        });
        assertThat(scaled.tree().at("/metadata/generation").asInt()).isEqualTo(2);
        assertThat(scaled.tree().at("/status/replicas").asInt()).isEqualTo(1);
    }

    @Test
    void aWriteFromAnOlderVersionConflicts() {
        Stored created = store.create(CONFIG_MAPS, object("v1", "ConfigMap", "a", "{}"));
        update(
                CONFIG_MAPS,
                "a",
                Part.MAIN,
                o -> o.set("data", JSON.createObjectNode().put("x", "1")));
        assertThatThrownBy(() -> update(CONFIG_MAPS, "a", Part.MAIN, o -> created.tree()))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.problem()).isEqualTo(StoreException.Problem.CONFLICT));
    }

    @Test
    void finalizersHoldADeletionUntilTheLastGoes() {
        store.create(CONFIG_MAPS, object("v1", "ConfigMap", "held", "{\"metadata\":{\"finalizers\":[\"x/y\"]}}"));
        Stored marked = store.delete(CONFIG_MAPS, "default", "held", null, null, o -> {});
        assertThat(marked.deleting()).isTrue();
        assertThat(store.get(CONFIG_MAPS, "default", "held")).isNotNull();

        update(CONFIG_MAPS, "held", Part.MAIN, o -> {
            o.withObject("metadata").remove("finalizers");
            return o;
        });
        assertThat(store.get(CONFIG_MAPS, "default", "held")).isNull();
        assertThat(changes.get(changes.size() - 1).type()).isEqualTo(Change.Type.DELETED);
    }

    @Test
    void aPodOnANodeTerminatesOverItsGracePeriodAndGoesWithGraceZero() {
        store.create(PODS, object("v1", "Pod", "p", "{\"spec\":{\"nodeName\":\"local\"}}"));
        Stored terminating = store.delete(PODS, "default", "p", null, null, o -> {});
        assertThat(terminating.tree().at("/metadata/deletionGracePeriodSeconds").asInt())
                .isEqualTo(30);
        update(
                PODS,
                "p",
                Part.STATUS,
                o -> o.set("status", JSON.createObjectNode().put("phase", "Running")));
        assertThat(store.get(PODS, "default", "p").deleting())
                .as("still terminating")
                .isTrue();

        store.delete(PODS, "default", "p", 0L, null, o -> {});
        assertThat(store.get(PODS, "default", "p")).isNull();
    }

    @Test
    void aDeletedOwnerTakesItsDependentsButOneWithAnotherOwnerOnlyLosesTheReference() {
        Stored a = store.create(CONFIG_MAPS, object("v1", "ConfigMap", "owner-a", "{}"));
        Stored b = store.create(CONFIG_MAPS, object("v1", "ConfigMap", "owner-b", "{}"));
        store.create(CONFIG_MAPS, owned("only-a", a));
        store.create(CONFIG_MAPS, owned("both", a, b));

        store.delete(CONFIG_MAPS, "default", "owner-a", null, null, o -> {});

        assertThat(store.get(CONFIG_MAPS, "default", "only-a")).isNull();
        Stored both = store.get(CONFIG_MAPS, "default", "both");
        assertThat(both.owners()).extracting(Stored.OwnerReference::uid).containsExactly(b.uid());
    }

    @Test
    void theOrphanFinalizerDropsTheReferencesThenLetsTheOwnerGo() {
        Stored owner = store.create(CONFIG_MAPS, object("v1", "ConfigMap", "owner", "{}"));
        store.create(CONFIG_MAPS, owned("kept", owner));

        store.delete(CONFIG_MAPS, "default", "owner", null, GarbageCollector.ORPHAN, o -> {});

        assertThat(store.get(CONFIG_MAPS, "default", "owner")).isNull();
        assertThat(store.get(CONFIG_MAPS, "default", "kept").owners()).isEmpty();
    }

    @Test
    void anObjectWrittenWithNoOwnerLeftIsCollectedAndADeletedNamespaceTakesItsObjects() {
        ObjectNode dangling = owned("late", store.create(CONFIG_MAPS, object("v1", "ConfigMap", "gone", "{}")));
        store.delete(CONFIG_MAPS, "default", "gone", null, null, o -> {});
        store.create(CONFIG_MAPS, dangling);
        assertThat(store.get(CONFIG_MAPS, "default", "late")).isNull();

        store.create(NAMESPACES, object("v1", "Namespace", "team", "{}"));
        ObjectNode inTeam = object("v1", "ConfigMap", "x", "{}");
        inTeam.withObject("metadata").put("namespace", "team");
        store.create(CONFIG_MAPS, inTeam);
        store.delete(NAMESPACES, null, "team", null, null, o -> {});
        assertThat(store.list(CONFIG_MAPS, "team").items()).isEmpty();
        assertThat(store.list(CONFIG_MAPS, null).items()).isEmpty();
    }

    // --- plumbing ---

    private Stored update(Kind kind, String name, Part part, java.util.function.UnaryOperator<ObjectNode> change) {
        return store.update(kind, "default", name, part, change, (next, old) -> {}, false);
    }

    private static ObjectNode owned(String name, Stored... owners) {
        ObjectNode object = object("v1", "ConfigMap", name, "{}");
        for (Stored owner : owners) {
            object.withObject("metadata")
                    .withArray("ownerReferences")
                    .addObject()
                    .put("apiVersion", "v1")
                    .put("kind", "ConfigMap")
                    .put("name", owner.name())
                    .put("uid", owner.uid());
        }
        return object;
    }

    private static ObjectNode object(String apiVersion, String kind, String name, String rest) {
        try {
            ObjectNode object = (ObjectNode) JSON.readTree(rest);
            object.put("apiVersion", apiVersion).put("kind", kind);
            object.withObject("metadata").put("name", name).put("namespace", "default");
            return object;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Kind kind(String plural) {
        return BuiltinKinds.ALL.stream()
                .filter(k -> k.plural().equals(plural))
                .findFirst()
                .orElseThrow();
    }
}
