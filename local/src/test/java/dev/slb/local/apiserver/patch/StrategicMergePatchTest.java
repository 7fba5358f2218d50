package dev.slb.local.apiserver.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code kubectl apply} patches here are the bodies kubectl 1.32 sent for the manifests
 * described (captured from a recording server), with the last-applied-configuration value
 * shortened; the results are those of the Kubernetes API server's strategic merge.
 */
class StrategicMergePatchTest {

    /** Single quotes allowed, so that one-line JSON reads without escapes. */
    private static final ObjectMapper MAPPER =
            JsonMapper.builder().enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).build();

    @Nested
    class KubectlApply {

        @Test
        void droppingAnEnvVarAndChangingTheImageKeepsWhatOthersAdded() throws Exception {
            // The live Deployment has a sidecar and an env var that a webhook injected; the manifest
            // drops env B and moves the image to 2.0.
            JsonNode live = json("""
          {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "front"},
             "annotations": {"deployment.kubernetes.io/revision": "1",
               "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment","image":"1.0"}'}},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
               {"name": "app", "image": "example/web:1.0", "ports": [{"containerPort": 8080, "name": "http"}],
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"},
                        {"name": "INJECTED", "value": "x"}]},
               {"name": "sidecar", "image": "mesh/proxy:2"},
               {"name": "metrics", "image": "example/metrics:1.0"}]}}},
           "status": {"replicas": 2, "conditions": [{"type": "Available", "status": "True"}]}}""");
            JsonNode patch = json("""
          {"metadata": {"annotations": {
             "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment","image":"2.0"}\\n'}},
           "spec": {"template": {"spec": {
             "$setElementOrder/containers": [{"name": "app"}, {"name": "metrics"}],
             "containers": [{"$setElementOrder/env": [{"name": "A"}, {"name": "C"}],
                             "env": [{"$patch": "delete", "name": "B"}],
                             "image": "example/web:2.0", "name": "app"}]}}}}""");

            JsonNode result = apply("apps", "Deployment", live, patch);

            assertThat(result.at("/spec/template/spec/containers")).isEqualTo(json("""
          [{"name": "app", "image": "example/web:2.0", "ports": [{"containerPort": 8080, "name": "http"}],
            "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}, {"name": "INJECTED", "value": "x"}]},
           {"name": "sidecar", "image": "mesh/proxy:2"},
           {"name": "metrics", "image": "example/metrics:1.0"}]"""));
            assertThat(result.at("/metadata/annotations")).isEqualTo(json("""
          {"deployment.kubernetes.io/revision": "1",
           "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment","image":"2.0"}\\n'}"""));
            assertThat(result.get("status")).isEqualTo(live.get("status"));
            assertThat(result.at("/metadata/labels")).isEqualTo(live.at("/metadata/labels"));
        }

        @Test
        void replacingOneEnvVarWithAnotherOrdersItemsAsTheServerDoes() throws Exception {
            // Manifest env goes from [A, B, C] to [A, C, D]; INJECTED was added by someone else. The
            // server appends D into the slot B freed, so INJECTED stays ahead of D.
            JsonNode live = json("""
          {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:1", "env": [
            {"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"},
            {"name": "INJECTED", "value": "x"}]}]}}}}""");
            JsonNode patch = json("""
          {"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "app"}],
            "containers": [{"$setElementOrder/env": [{"name": "A"}, {"name": "C"}, {"name": "D"}],
                            "env": [{"name": "D", "value": "4"}, {"$patch": "delete", "name": "B"}],
                            "name": "app"}]}}}}""");

            JsonNode env = apply("apps", "Deployment", live, patch).at("/spec/template/spec/containers/0/env");

            assertThat(env).isEqualTo(json("""
          [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}, {"name": "INJECTED", "value": "x"},
           {"name": "D", "value": "4"}]"""));
        }

        @Test
        void addingAndRemovingContainersFollowsSetElementOrderAndReplacesTolerationsWhole() throws Exception {
            // Manifest containers go from [app, metrics] to [logger, app]; tolerations from [a] to [b].
            JsonNode live = json("""
          {"spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "app:1"}, {"name": "sidecar", "image": "mesh:2"},
                           {"name": "metrics", "image": "metrics:1"}],
            "tolerations": [{"key": "a", "operator": "Exists"}]}}}}""");
            JsonNode patch = json("""
          {"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "logger"}, {"name": "app"}],
            "containers": [{"image": "logger:1", "name": "logger"}, {"$patch": "delete", "name": "metrics"}],
            "tolerations": [{"key": "b", "operator": "Exists"}]}}}}""");

            JsonNode spec = apply("apps", "Deployment", live, patch).at("/spec/template/spec");

            // The server appends logger into the slot metrics freed, behind sidecar, so the injected
            // sidecar ends up first; logger still precedes app as $setElementOrder asks.
            assertThat(spec.get("containers")).isEqualTo(json("""
          [{"name": "sidecar", "image": "mesh:2"}, {"name": "logger", "image": "logger:1"},
           {"name": "app", "image": "app:1"}]"""));
            assertThat(spec.get("tolerations")).isEqualTo(json("[{'key': 'b', 'operator': 'Exists'}]"));
        }

        @Test
        void retainKeysOnTheDeploymentStrategyDropsRollingUpdate() throws Exception {
            // Manifest strategy goes from RollingUpdate (with maxSurge) to Recreate.
            JsonNode live = json("""
          {"spec": {"replicas": 2, "strategy": {"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}}}""");
            JsonNode patch = json("""
          {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"}}}""");

            assertThat(apply("apps", "Deployment", live, patch)).isEqualTo(json("""
          {"spec": {"replicas": 2, "strategy": {"type": "Recreate"}}}"""));
        }

        @Test
        void retainKeysDropsTheOldSourceOfAVolumeAndSetElementOrderReordersMounts() throws Exception {
            // Manifest volume cfg goes from emptyDir to a ConfigMap, and its two mounts swap places.
            JsonNode live = json("""
          {"spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "i", "volumeMounts": [
              {"name": "cfg", "mountPath": "/etc/cfg"}, {"name": "cache", "mountPath": "/cache"}]}],
            "volumes": [{"name": "cfg", "emptyDir": {}}, {"name": "cache", "emptyDir": {"medium": "Memory"}}]}}}}""");
            JsonNode patch = json("""
          {"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}],
            "$setElementOrder/volumes": [{"name": "cfg"}, {"name": "cache"}],
            "containers": [{"$setElementOrder/volumeMounts": [{"mountPath": "/cache"}, {"mountPath": "/etc/cfg"}],
                            "name": "app"}],
            "volumes": [{"$retainKeys": ["configMap", "name"], "configMap": {"name": "settings"},
                         "emptyDir": null, "name": "cfg"}]}}}}""");

            JsonNode spec = apply("apps", "Deployment", live, patch).at("/spec/template/spec");

            assertThat(spec.get("volumes")).isEqualTo(json("""
          [{"name": "cfg", "configMap": {"name": "settings"}},
           {"name": "cache", "emptyDir": {"medium": "Memory"}}]"""));
            assertThat(spec.at("/containers/0/volumeMounts")).isEqualTo(json("""
          [{"name": "cache", "mountPath": "/cache"}, {"name": "cfg", "mountPath": "/etc/cfg"}]"""));
        }

        @Test
        void aServicePortRemovedFromTheManifestIsDeletedByPortNumber() throws Exception {
            JsonNode live = json("""
          {"spec": {"selector": {"app": "web"}, "clusterIP": "10.0.0.7", "type": "ClusterIP", "ports": [
            {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
            {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
            {"name": "admin", "port": 9000, "targetPort": 9000, "protocol": "TCP"}]}}""");
            JsonNode patch = json("""
          {"spec": {"$setElementOrder/ports": [{"port": 80}, {"port": 9000}],
                    "ports": [{"$patch": "delete", "port": 443}]}}""");

            assertThat(apply("", "Service", live, patch)).isEqualTo(json("""
          {"spec": {"selector": {"app": "web"}, "clusterIP": "10.0.0.7", "type": "ClusterIP", "ports": [
            {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
            {"name": "admin", "port": 9000, "targetPort": 9000, "protocol": "TCP"}]}}"""));
        }

        @Test
        void aConfigMapLosesALabelADataKeyAndAFinalizer() throws Exception {
            // Manifest: label stage and data key two removed, data three added, finalizers [a, b] -> [b, c];
            // the server had added its own finalizer.
            JsonNode live = json("""
          {"metadata": {"name": "settings", "labels": {"app": "web", "stage": "beta"},
             "finalizers": ["example.com/a", "example.com/b", "example.com/server"],
             "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"old":true}'}},
           "data": {"one": "1", "two": "2"}}""");
            JsonNode patch = json("""
          {"data": {"three": "3", "two": null},
           "metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a"],
             "$setElementOrder/finalizers": ["example.com/b", "example.com/c"],
             "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"new":true}\\n'},
             "finalizers": ["example.com/c"],
             "labels": {"stage": null}}}""");

            assertThat(apply("", "ConfigMap", live, patch)).isEqualTo(json("""
          {"metadata": {"name": "settings", "labels": {"app": "web"},
             "finalizers": ["example.com/b", "example.com/c", "example.com/server"],
             "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"new":true}\\n'}},
           "data": {"one": "1", "three": "3"}}"""));
        }
    }

    @Nested
    class KubectlPatch {

        @Test
        void ownerReferencesMergeByUid() throws Exception {
            JsonNode live = json("""
          {"metadata": {"name": "cm", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u1", "controller": true}]}}""");
            JsonNode patch = json("""
          {"metadata": {"ownerReferences": [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "parent", "uid": "u2"},
            {"uid": "u1", "blockOwnerDeletion": true}]}}""");

            // Without $setElementOrder the server puts the patch's items in the patch's order.
            assertThat(apply("", "ConfigMap", live, patch).at("/metadata/ownerReferences"))
                    .isEqualTo(json("""
          [{"apiVersion": "v1", "kind": "ConfigMap", "name": "parent", "uid": "u2"},
           {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u1", "controller": true,
            "blockOwnerDeletion": true}]"""));
        }

        @Test
        void aNewItemGoesBeforeTheStoredOnesWhenThePatchSetsNoOrder() throws Exception {
            JsonNode live = json("{'metadata': {'finalizers': ['example.com/a']}}");
            JsonNode patch = json("{'metadata': {'finalizers': ['example.com/x', 'example.com/a']}}");

            assertThat(apply("", "Secret", live, patch).at("/metadata/finalizers"))
                    .isEqualTo(json("['example.com/x', 'example.com/a']"));
            assertThat(apply("", "Secret", live, json("{'metadata': {'finalizers': ['example.com/x']}}"))
                            .at("/metadata/finalizers"))
                    .isEqualTo(json("['example.com/x', 'example.com/a']"));
        }

        @Test
        void deleteFromPrimitiveListRemovesOnlyTheNamedFinalizer() throws Exception {
            JsonNode live = json("{'metadata': {'finalizers': ['a', 'b', 'c']}}");
            JsonNode patch = json("{'metadata': {'$deleteFromPrimitiveList/finalizers': ['b', 'zzz']}}");

            assertThat(apply("", "Namespace", live, patch).at("/metadata/finalizers"))
                    .isEqualTo(json("['a', 'c']"));
        }

        @Test
        void patchDeleteInAListRemovesTheItemWithThatKey() throws Exception {
            JsonNode live = json("""
          {"spec": {"containers": [{"name": "app", "image": "a"}, {"name": "debug", "image": "busybox"}]}}""");
            JsonNode patch = json("{'spec': {'containers': [{'name': 'debug', '$patch': 'delete'}]}}");

            assertThat(apply("", "Pod", live, patch).at("/spec/containers"))
                    .isEqualTo(json("[{'name': 'app', 'image': 'a'}]"));
        }

        @Test
        void patchReplaceInAListReplacesTheWholeList() throws Exception {
            JsonNode live = json("""
          {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "a", "env": [{"name": "X"}]},
            {"name": "sidecar", "image": "s"}]}}}}""");
            JsonNode patch = json("""
          {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "o", "command": null},
            {"$patch": "replace"}]}}}}""");

            assertThat(apply("apps", "Deployment", live, patch)).isEqualTo(json("""
          {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "o"}]}}}}"""));
        }

        @Test
        void patchReplaceInAMapReplacesTheMap() throws Exception {
            JsonNode live = json("{'metadata': {'labels': {'a': '1', 'b': '2'}, 'name': 'x'}}");
            JsonNode patch = json("{'metadata': {'labels': {'$patch': 'replace', 'c': '3'}}}");

            assertThat(apply("", "ServiceAccount", live, patch))
                    .isEqualTo(json("{'metadata': {'labels': {'c': '3'}, 'name': 'x'}}"));
        }

        @Test
        void patchDeleteInAMapLeavesItEmptyAsTheServerDoes() throws Exception {
            JsonNode live = json("{'spec': {'strategy': {'type': 'Recreate'}, 'replicas': 1}}");

            assertThat(apply("apps", "Deployment", live, json("{'spec': {'strategy': {'$patch': 'delete'}}}")))
                    .isEqualTo(json("{'spec': {'strategy': {}, 'replicas': 1}}"));
            // A field the object does not have stays absent.
            assertThat(apply("apps", "Deployment", live, json("{'spec': {'paused': {'$patch': 'delete'}}}")))
                    .isEqualTo(live);
        }

        @Test
        void nullsDeleteAndAreNeverStored() throws Exception {
            JsonNode live = json("""
          {"metadata": {"labels": {"app": "web", "tier": "front"}},
           "spec": {"containers": [{"name": "app", "image": "a", "args": ["x"]}]}}""");
            JsonNode patch = json("""
          {"metadata": {"labels": {"tier": null, "absent": null}},
           "spec": {"containers": [{"name": "app", "args": null},
                                   {"name": "new", "image": "n", "workingDir": null,
                                    "resources": {"limits": null}}]}}""");

            assertThat(apply("", "Pod", live, patch)).isEqualTo(json("""
          {"metadata": {"labels": {"app": "web"}},
           "spec": {"containers": [{"name": "app", "image": "a"},
                                   {"name": "new", "image": "n", "resources": {}}]}}"""));
        }

        @Test
        void aWholeListIsDeletedWithNull() throws Exception {
            JsonNode live = json("{'spec': {'containers': [{'name': 'app', 'ports': [{'containerPort': 80}]}]}}");
            JsonNode patch = json("""
          {"spec": {"containers": [{"name": "app", "ports": null, "$setElementOrder/ports": []}]}}""");

            assertThat(apply("", "Pod", live, patch)).isEqualTo(json("{'spec': {'containers': [{'name': 'app'}]}}"));
        }

        @Test
        void mergeKeysMatchAcrossJsonNumberTypes() throws Exception {
            JsonNode live = json("{'spec': {'containers': [{'name': 'app', 'ports': [{'containerPort': 0}]}]}}");
            ((ObjectNode) live.at("/spec/containers/0/ports/0")).put("containerPort", 8080L);
            JsonNode patch = json("""
          {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 8080, "name": "http"}]}]}}""");

            JsonNode ports = apply("", "Pod", live, patch).at("/spec/containers/0/ports");

            assertThat(ports).hasSize(1);
            assertThat(ports.at("/0/name").asText()).isEqualTo("http");
        }

        @Test
        void theStatusSubresourceMergesConditionsByType() throws Exception {
            JsonNode live = json("""
          {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"},
            {"type": "PodScheduled", "status": "True"}]}}""");
            JsonNode patch = json("""
          {"status": {"$setElementOrder/conditions": [{"type": "Ready"}, {"type": "PodScheduled"}],
                      "conditions": [{"type": "Ready", "status": "True"}]}}""");

            assertThat(apply("", "Pod", live, patch).at("/status/conditions")).isEqualTo(json("""
          [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]"""));
        }

        @Test
        void aPodDisruptionBudgetSelectorIsReplacedWhole() throws Exception {
            JsonNode live = json("{'spec': {'minAvailable': 1, 'selector': {'matchLabels': {'app': 'web'}}}}");
            JsonNode patch = json("{'spec': {'selector': {'matchLabels': {'app': 'api', 'tier': null}}}}");

            assertThat(apply("policy", "PodDisruptionBudget", live, patch))
                    .isEqualTo(json("{'spec': {'minAvailable': 1, 'selector': {'matchLabels': {'app': 'api'}}}}"));
        }

        @Test
        void aCustomResourceDefinitionMergesItsMapsAndReplacesItsVersionsWhole() throws Exception {
            JsonNode live = json("""
          {"metadata": {"name": "loadbalancers.slb.dev", "annotations": {"a": "1"}},
           "spec": {"group": "slb.dev", "names": {"kind": "LoadBalancer", "plural": "loadbalancers"},
             "versions": [{"name": "v1alpha1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
               "type": "object", "required": ["spec"], "properties": {"spec": {"type": "object"}}}}}]}}""");
            JsonNode patch = json("""
          {"metadata": {"annotations": {"b": "2"}},
           "spec": {"names": {"shortNames": ["slb"]},
             "versions": [{"name": "v1alpha1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
               "type": "object",
               "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}}""");

            JsonNode result = apply("apiextensions.k8s.io", "CustomResourceDefinition", live, patch);

            assertThat(result.at("/metadata/annotations")).isEqualTo(json("{'a': '1', 'b': '2'}"));
            assertThat(result.at("/spec/names")).isEqualTo(json("""
          {"kind": "LoadBalancer", "plural": "loadbalancers", "shortNames": ["slb"]}"""));
            assertThat(result.at("/spec/versions")).isEqualTo(patch.at("/spec/versions"));
        }

        @Test
        void aNamespaceFinalizerListInTheSpecIsReplacedWhole() throws Exception {
            JsonNode live = json("{'spec': {'finalizers': ['kubernetes']}, 'metadata': {'finalizers': ['a']}}");
            JsonNode patch = json("{'spec': {'finalizers': ['other']}, 'metadata': {'finalizers': ['b']}}");

            assertThat(apply("", "Namespace", live, patch)).isEqualTo(json("""
          {"spec": {"finalizers": ["other"]}, "metadata": {"finalizers": ["b", "a"]}}"""));
        }

        @Test
        void aPatchReplaceAtTheTopReplacesTheObject() throws Exception {
            JsonNode live = json("{'kind': 'Lease', 'spec': {'holderIdentity': 'a', 'leaseDurationSeconds': 15}}");
            JsonNode patch = json("{'$patch': 'replace', 'kind': 'Lease', 'spec': {'holderIdentity': 'b'}}");

            assertThat(apply("coordination.k8s.io", "Lease", live, patch))
                    .isEqualTo(json("{'kind': 'Lease', 'spec': {'holderIdentity': 'b'}}"));
        }

        @Test
        void neverChangesItsInputs() throws Exception {
            JsonNode live = json("""
          {"metadata": {"labels": {"a": "1"}, "finalizers": ["x"]},
           "spec": {"template": {"spec": {"containers": [{"name": "app", "env": [{"name": "A"}]}],
             "tolerations": [{"key": "t"}]}}}}""");
            JsonNode patch = json("""
          {"metadata": {"labels": {"a": null, "b": "2"}, "$deleteFromPrimitiveList/finalizers": ["x"]},
           "spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "app"}],
             "containers": [{"name": "app", "env": [{"name": "B"}, {"name": "A", "$patch": "delete"}]}],
             "tolerations": [{"key": "u", "value": null}]}}}}""");
            JsonNode liveBefore = live.deepCopy();
            JsonNode patchBefore = patch.deepCopy();

            JsonNode result = apply("apps", "Deployment", live, patch);
            ((ObjectNode) result.at("/spec/template/spec/tolerations/0")).put("mutated", true);
            ((ObjectNode) result.at("/spec/template/spec/containers/0")).put("mutated", true);

            assertThat(live).isEqualTo(liveBefore);
            assertThat(patch).isEqualTo(patchBefore);
        }
    }

    /** The lists the Kubernetes API types tag {@code patchStrategy:"merge"}, per kind. */
    static Stream<Arguments> listsMergedByKey() {
        return Stream.of(
                Arguments.of("", "Pod", "spec.containers", "name"),
                Arguments.of("", "Pod", "spec.initContainers", "name"),
                Arguments.of("", "Pod", "spec.ephemeralContainers", "name"),
                Arguments.of("", "Pod", "spec.volumes", "name"),
                Arguments.of("", "Pod", "spec.imagePullSecrets", "name"),
                Arguments.of("", "Pod", "spec.hostAliases", "ip"),
                Arguments.of("", "Pod", "spec.topologySpreadConstraints", "topologyKey"),
                Arguments.of("", "Pod", "spec.schedulingGates", "name"),
                Arguments.of("", "Pod", "spec.resourceClaims", "name"),
                Arguments.of("", "Pod", "status.conditions", "type"),
                Arguments.of("", "Pod", "status.podIPs", "ip"),
                Arguments.of("", "Pod", "status.hostIPs", "ip"),
                Arguments.of("", "Pod", "metadata.ownerReferences", "uid"),
                Arguments.of("apps", "Deployment", "spec.template.spec.containers", "name"),
                Arguments.of("apps", "Deployment", "spec.template.spec.initContainers", "name"),
                Arguments.of("apps", "Deployment", "spec.template.spec.volumes", "name"),
                Arguments.of("apps", "Deployment", "spec.template.spec.imagePullSecrets", "name"),
                Arguments.of("apps", "Deployment", "spec.template.spec.hostAliases", "ip"),
                Arguments.of("apps", "Deployment", "spec.template.metadata.ownerReferences", "uid"),
                Arguments.of("apps", "Deployment", "status.conditions", "type"),
                Arguments.of("", "Service", "spec.ports", "port"),
                Arguments.of("", "Service", "status.conditions", "type"),
                Arguments.of("", "ServiceAccount", "secrets", "name"),
                Arguments.of("", "Namespace", "status.conditions", "type"),
                Arguments.of("policy", "PodDisruptionBudget", "status.conditions", "type"),
                Arguments.of("", "ConfigMap", "metadata.ownerReferences", "uid"),
                Arguments.of("rbac.authorization.k8s.io", "ClusterRoleBinding", "metadata.ownerReferences", "uid"),
                Arguments.of("discovery.k8s.io", "EndpointSlice", "metadata.ownerReferences", "uid"));
    }

    @ParameterizedTest(name = "{1}.{2} merges by {3}")
    @MethodSource("listsMergedByKey")
    void listsMergeByTheirMergeKey(String group, String kind, String path, String key) throws Exception {
        JsonNode live = nest(path, json("[{'%1$s': 'a', 'x': 1}, {'%1$s': 'b', 'x': 2}]".formatted(key)));
        JsonNode patch = nest(path, json("[{'%s': 'b', 'y': 3}]".formatted(key)));

        assertThat(apply(group, kind, live, patch))
                .isEqualTo(nest(path, json("[{'%1$s': 'a', 'x': 1}, {'%1$s': 'b', 'x': 2, 'y': 3}]".formatted(key))));
    }

    /** Lists without a patch strategy: a patch replaces them whole. */
    static Stream<Arguments> atomicLists() {
        return Stream.of(
                Arguments.of("", "Pod", "spec.tolerations"),
                Arguments.of("", "Pod", "spec.readinessGates"),
                Arguments.of("", "Pod", "status.containerStatuses"),
                Arguments.of("apps", "Deployment", "spec.template.spec.tolerations"),
                Arguments.of("apps", "Deployment", "spec.selector.matchExpressions"),
                Arguments.of("", "ServiceAccount", "imagePullSecrets"),
                Arguments.of("", "Service", "status.loadBalancer.ingress"),
                Arguments.of("discovery.k8s.io", "EndpointSlice", "endpoints"),
                Arguments.of("discovery.k8s.io", "EndpointSlice", "ports"),
                Arguments.of("rbac.authorization.k8s.io", "Role", "rules"),
                Arguments.of("rbac.authorization.k8s.io", "ClusterRole", "rules"),
                Arguments.of("rbac.authorization.k8s.io", "ClusterRole", "aggregationRule.clusterRoleSelectors"),
                Arguments.of("rbac.authorization.k8s.io", "RoleBinding", "subjects"),
                Arguments.of("rbac.authorization.k8s.io", "ClusterRoleBinding", "subjects"),
                Arguments.of("apiextensions.k8s.io", "CustomResourceDefinition", "spec.versions"),
                Arguments.of("apiextensions.k8s.io", "CustomResourceDefinition", "status.conditions"),
                Arguments.of("", "Secret", "metadata.managedFields"));
    }

    @ParameterizedTest(name = "{1}.{2} is replaced whole")
    @MethodSource("atomicLists")
    void atomicListsAreReplacedWhole(String group, String kind, String path) throws Exception {
        JsonNode live = nest(path, json("[{'name': 'a', 'x': 1}, {'name': 'b', 'x': 2}]"));
        JsonNode patch = nest(path, json("[{'name': 'b', 'y': 3, 'z': null}]"));

        assertThat(apply(group, kind, live, patch)).isEqualTo(nest(path, json("[{'name': 'b', 'y': 3}]")));
    }

    @Nested
    class Refusals {

        @Test
        void aCustomResourceGetsTheRealServers415() {
            PatchException e = refused("slb.dev", "LoadBalancer", "{}", "{'spec': {}}");

            assertThat(e.code()).isEqualTo(415);
            assertThat(e)
                    .hasMessage(
                            "the body of the request was in an unknown format - accepted media types include:"
                                    + " application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }

        @Test
        void aBuiltInKindWithoutMergeKeysHereSaysSoAndWhatToSendInstead() {
            PatchException e = refused("batch", "Job", "{}", "{'spec': {}}");

            assertThat(e.code()).isEqualTo(415);
            assertThat(e.getMessage())
                    .contains("Job.batch is not implemented by the local API server")
                    .contains("--type=merge");
        }

        @Test
        void aPatchThatIsNotAnObjectIsABadRequest() {
            PatchException e = refused("", "ConfigMap", "{}", "[{'op': 'add'}]");

            assertThat(e.code()).isEqualTo(400);
            assertThat(e).hasMessage("a strategic merge patch must be a JSON object, not array");
        }

        @Test
        void patchMergeIsRefusedInAMapAndInAList() {
            PatchException map = refused("", "ConfigMap", "{'data': {}}", "{'data': {'$patch': 'merge'}}");
            PatchException list = refused("", "Pod", "{}", "{'spec': {'containers': [{'$patch': 'merge'}]}}");

            assertThat(map.code()).isEqualTo(422);
            assertThat(map.getMessage()).startsWith("data: \"$patch: merge\" is not accepted in a map");
            assertThat(list.code()).isEqualTo(422);
            assertThat(list.getMessage()).startsWith("spec.containers: \"$patch: merge\" is not accepted in a list");
        }

        @Test
        void anUnknownPatchDirectiveIsRefused() {
            PatchException e =
                    refused("", "Pod", "{}", "{'spec': {'containers': [{'name': 'a', '$patch': 'remove'}]}}");

            assertThat(e.code()).isEqualTo(422);
            assertThat(e)
                    .hasMessage("spec.containers: unknown directive \"$patch\": \"remove\"; the API server accepts"
                            + " \"replace\" and \"delete\"");
        }

        @Test
        void deletingTheWholeObjectByPatchIsRefused() {
            PatchException e = refused("", "Secret", "{'data': {}}", "{'$patch': 'delete'}");

            assertThat(e.code()).isEqualTo(422);
            assertThat(e.getMessage()).contains("would delete the whole Secret");
        }

        @Test
        void anItemWithoutTheMergeKeyIsRefused() {
            PatchException e = refused(
                    "apps",
                    "Deployment",
                    "{}",
                    "{'spec': {'template': {'spec': {'containers': [{'name': 'app', 'env': [{'value': '1'}]}]}}}}");

            assertThat(e.code()).isEqualTo(422);
            assertThat(e)
                    .hasMessage("spec.template.spec.containers[name=app].env is a list merged by \"name\", but the"
                            + " patch has an item without one: {\"value\":\"1\"}");
        }

        @Test
        void aPlainValueInAListOfObjectsIsRefused() {
            PatchException e = refused("", "Service", "{}", "{'spec': {'ports': [80]}}");

            assertThat(e.code()).isEqualTo(422);
            assertThat(e.getMessage()).startsWith("spec.ports is a list merged by \"port\" in Service");
        }

        @Test
        void directivesOnAListThatIsReplacedWholeAreRefused() {
            PatchException order = refused(
                    "",
                    "Pod",
                    "{'spec': {'tolerations': [{'key': 'a'}]}}",
                    "{'spec': {'$setElementOrder/tolerations': [{'key': 'a'}]}}");
            PatchException delete = refused(
                    "rbac.authorization.k8s.io",
                    "Role",
                    "{'rules': []}",
                    "{'rules': [{'$patch': 'delete', 'verbs': ['get']}]}");

            assertThat(order.code()).isEqualTo(422);
            assertThat(order.getMessage())
                    .startsWith("spec.tolerations: $setElementOrder/tolerations applies only to a"
                            + " list with merge semantics, and Pod replaces spec.tolerations whole");
            assertThat(delete.code()).isEqualTo(422);
            assertThat(delete.getMessage())
                    .startsWith("rules is replaced whole when Role.rbac.authorization.k8s.io is patched");
        }

        @Test
        void retainKeysMustBeAListNamingEveryFieldThePatchSets() {
            PatchException missing = refused(
                    "apps",
                    "Deployment",
                    "{'spec': {'strategy': {}}}",
                    "{'spec': {'strategy': {'$retainKeys': ['type'], 'type': 'RollingUpdate',"
                            + " \"rollingUpdate\": {\"maxSurge\": 1}}}}");
            PatchException notAList =
                    refused("apps", "Deployment", "{}", "{'spec': {'strategy': {'$retainKeys': 'type'}}}");

            assertThat(missing.code()).isEqualTo(400);
            assertThat(missing)
                    .hasMessage("spec.strategy: the patch sets \"rollingUpdate\" but $retainKeys [\"type\"]"
                            + " does not keep it");
            assertThat(notAList.code()).isEqualTo(400);
        }

        @Test
        void setElementOrderMustAgreeWithThePatchList() {
            PatchException e = refused("", "Service", "{}", """
          {"spec": {"$setElementOrder/ports": [{"port": 80}, {"port": 443}],
                    "ports": [{"port": 443}, {"port": 80}]}}""");

            assertThat(e.code()).isEqualTo(400);
            assertThat(e.getMessage())
                    .startsWith("spec.ports: the items of the patch list are not in $setElementOrder/ports");
        }

        @Test
        void malformedDirectiveNamesAreBadRequests() {
            PatchException noField = refused("", "ConfigMap", "{}", "{'metadata': {'$setElementOrder': []}}");
            PatchException notAList =
                    refused("", "ConfigMap", "{}", "{'metadata': {'$deleteFromPrimitiveList/finalizers': 'a'}}");

            assertThat(noField.code()).isEqualTo(400);
            assertThat(noField)
                    .hasMessage("metadata: \"$setElementOrder\" is not a valid directive; write"
                            + " \"$setElementOrder/<field>\"");
            assertThat(notAList.code()).isEqualTo(400);
        }

        @Test
        void deleteFromPrimitiveListRefusesAListOfObjects() {
            PatchException e = refused(
                    "",
                    "Pod",
                    "{'spec': {'containers': [{'name': 'a'}]}}",
                    "{'spec': {'$deleteFromPrimitiveList/containers': ['a']}}");

            assertThat(e.code()).isEqualTo(422);
            assertThat(e.getMessage()).startsWith("spec.containers is a list of objects");
        }
    }

    private static JsonNode apply(String group, String kind, JsonNode live, JsonNode patch) throws PatchException {
        return StrategicMergePatch.apply(live, patch, group, kind);
    }

    private static PatchException refused(String group, String kind, String live, String patch) {
        return catchThrowableOfType(
                PatchException.class, () -> StrategicMergePatch.apply(json(live), json(patch), group, kind));
    }

    /** {@code value} placed at a dotted path of nested objects. */
    private static JsonNode nest(String path, JsonNode value) {
        String[] names = path.split("\\.");
        JsonNode node = value;
        for (int i = names.length - 1; i >= 0; i--) {
            node = MAPPER.createObjectNode().set(names[i], node);
        }
        return node;
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
