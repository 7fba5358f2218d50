package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.kinds.Kinds;
import dev.slb.local.apiserver.schema.CelValidation;
import dev.slb.local.apiserver.schema.StructuralSchema;
import dev.slb.local.apiserver.schema.Violation;
import dev.slb.local.apiserver.store.ObjectStore.Part;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * What every write goes through before it is stored, as in a cluster: the kind's defaults (on
 * every write, not only on create), a new CRD accepted and established, and a custom resource
 * pruned, defaulted and validated against its CRD's schema and CEL rules.
 */
final class Admission {

    private final Clock clock;

    Admission(Clock clock) {
        this.clock = clock;
    }

    void create(Kind kind, ObjectNode object) {
        kind.defaults().accept(object);
        if (kind == Kinds.CRDS) {
            establish(object);
        }
        validate(kind, object, null, false);
    }

    void update(Kind kind, Part part, ObjectNode next, ObjectNode old) {
        if (part == Part.MAIN) {
            // An update that leaves out a defaulted field must read back as it did.
            kind.defaults().accept(next);
        }
        validate(kind, next, old, part == Part.STATUS);
    }

    /**
     * Prunes and defaults a custom resource in place (so that is what gets stored), then refuses it,
     * with 422 Invalid and the causes, when it breaks its schema or its x-kubernetes-validations
     * rules; a status write is checked on its status alone.
     */
    private static void validate(Kind kind, ObjectNode object, ObjectNode old, boolean statusOnly) {
        if (!kind.custom()) {
            return;
        }
        List<Violation> violations =
                StructuralSchema.admit(kind.crd(), kind.version(), object, object, old, statusOnly);
        if (violations.isEmpty()) {
            return;
        }
        String name = object.path("metadata").path("name").asText();
        ObjectNode details = Json.MAPPER.createObjectNode().put("name", name).put("group", kind.group());
        details.put("kind", kind.kind());
        ArrayNode causes = details.putArray("causes");
        for (Violation v : violations) {
            causes.addObject()
                    .put("reason", v.reason())
                    .put("message", v.message())
                    .put("field", v.field());
        }
        throw new ApiError(
                422, "Invalid", CelValidation.statusMessage(kind.kind(), kind.group(), name, violations), details);
    }

    /**
     * There is no CRD controller here, so a CRD is accepted and established as it is created: its
     * status gets acceptedNames, storedVersions and the NamesAccepted and Established conditions,
     * so that {@code kubectl wait --for condition=established} succeeds.
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
}
