package dev.slb.local.apiserver.kinds;

import static dev.slb.local.apiserver.kinds.MergeRule.byKey;
import static dev.slb.local.apiserver.kinds.MergeRule.join;
import static dev.slb.local.apiserver.kinds.MergeRule.replace;
import static dev.slb.local.apiserver.kinds.MergeRule.under;
import static dev.slb.local.apiserver.kinds.MergeRule.values;
import static java.util.Map.entry;

import java.util.Map;

/**
 * The strategic merge patch tags of the built-in kinds' fields, keyed by the path of JSON field
 * names from the object's root (list items add no segment). Only fields whose patchStrategy
 * differs from the default (maps merge, lists are replaced) are listed.
 */
final class MergeKeys {

    // Tags read from k8s.io/api v0.32 (core/v1, apps/v1, policy/v1), k8s.io/apimachinery meta/v1 and
    // k8s.io/apiextensions-apiserver v1. "retainKeys" tags are left out: they only tell clients when
    // to send $retainKeys, which the server honours wherever it appears. Fields under a list that is
    // itself replaced whole (containerStatuses, CRD versions) can never merge, so need no tag.

    private static final Map<String, MergeRule> OBJECT_META =
            Map.of("ownerReferences", byKey("uid"), "finalizers", values());

    private static final Map<String, MergeRule> CONTAINER = Map.of(
            "ports", byKey("containerPort"),
            "env", byKey("name"),
            "volumeMounts", byKey("mountPath"),
            "volumeDevices", byKey("devicePath"));

    private static final Map<String, MergeRule> POD_SPEC = join(
            Map.ofEntries(
                    entry("volumes", byKey("name")),
                    entry("initContainers", byKey("name")),
                    entry("containers", byKey("name")),
                    entry("ephemeralContainers", byKey("name")),
                    entry("imagePullSecrets", byKey("name")),
                    entry("hostAliases", byKey("ip")),
                    entry("topologySpreadConstraints", byKey("topologyKey")),
                    entry("schedulingGates", byKey("name")),
                    entry("resourceClaims", byKey("name"))),
            under("initContainers", CONTAINER),
            under("containers", CONTAINER),
            under("ephemeralContainers", CONTAINER));

    private static final Map<String, MergeRule> POD_STATUS = Map.of(
            "conditions", byKey("type"),
            "hostIPs", byKey("ip"),
            "podIPs", byKey("ip"),
            "resourceClaimStatuses", byKey("name"));

    private static final Map<String, MergeRule> CONDITIONS = Map.of("status.conditions", byKey("type"));

    /** Every kind's metadata: owner references by uid, finalizers as a set. */
    static final Map<String, MergeRule> METADATA = under("metadata", OBJECT_META);

    static final Map<String, MergeRule> POD = join(METADATA, under("spec", POD_SPEC), under("status", POD_STATUS));
    static final Map<String, MergeRule> SERVICE = join(METADATA, Map.of("spec.ports", byKey("port")), CONDITIONS);
    static final Map<String, MergeRule> SERVICE_ACCOUNT = join(METADATA, Map.of("secrets", byKey("name")));
    static final Map<String, MergeRule> WITH_CONDITIONS = join(METADATA, CONDITIONS);
    static final Map<String, MergeRule> DEPLOYMENT = join(
            METADATA, under("spec.template.metadata", OBJECT_META), under("spec.template.spec", POD_SPEC), CONDITIONS);
    static final Map<String, MergeRule> POD_DISRUPTION_BUDGET =
            join(METADATA, Map.of("spec.selector", replace()), CONDITIONS);

    private MergeKeys() {}
}
