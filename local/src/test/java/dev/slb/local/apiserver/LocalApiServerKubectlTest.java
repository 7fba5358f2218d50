package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives the real kubectl against {@link LocalApiServer} on loopback, command by command as a
 * user would. Skipped (with a message) when no kubectl 1.27+ is on PATH, except when the CI
 * environment variable is set: then a missing kubectl fails the build.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LocalApiServerKubectlTest {

    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path SHARED_SAMPLE = Path.of("..", "crds", "samples", "shared.yaml");

    @TempDir
    Path dir;

    private TestingKubectl kubectl;

    @BeforeEach
    void start() throws Exception {
        kubectl = TestingKubectl.start(dir);
    }

    @AfterEach
    void stop() {
        if (kubectl != null) {
            kubectl.close();
        }
    }

    @Test
    void versionReportsTheServer() throws Exception {
        TestingKubectl.Result r = kubectl.run("version", "-o", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode version = r.json();
        assertThat(version.path("serverVersion").path("major").asText()).isEqualTo("1");
        assertThat(version.path("serverVersion").path("gitVersion").asText()).contains("slb.local");
    }

    @Test
    void discoveryFallsBackFromAggregatedAndListsCrdsOnceApplied() throws Exception {
        TestingKubectl.Result before = kubectl.run("api-resources", "-v=6");
        assertThat(before.code()).as(before.toString()).isZero();
        assertThat(before.out()).containsPattern("(?m)^configmaps\\s+cm\\s+v1\\s+true\\s+ConfigMap");
        assertThat(before.out())
                .containsPattern("(?m)^customresourcedefinitions\\s+crd,crds\\s+apiextensions.k8s.io/v1\\s+false");
        // kubectl asked for aggregated discovery, got plain JSON, and walked the group versions.
        assertThat(before.err())
                .contains("GET " + kubectl.server.url() + "/apis?")
                .contains("/apis/apps/v1?");
        assertThat(before.out()).doesNotContain("loadbalancers");

        applyCrd();

        TestingKubectl.Result after = kubectl.run("api-resources", "--api-group=slb.dev");
        assertThat(after.code()).as(after.toString()).isZero();
        assertThat(after.out())
                .containsPattern("(?m)^loadbalancers\\s+slb\\s+slb.dev/v1alpha1\\s+true\\s+LoadBalancer");
    }

    @Test
    void statusSubresourceOfTheCrdIsDiscovered() throws Exception {
        applyCrd();
        TestingKubectl.Result raw = kubectl.run("get", "--raw", "/apis/slb.dev/v1alpha1");
        assertThat(raw.code()).as(raw.toString()).isZero();
        JsonNode list = raw.json();
        List<String> names = new ArrayList<>();
        list.path("resources").forEach(r -> names.add(r.path("name").asText()));
        assertThat(names).containsExactly("loadbalancers", "loadbalancers/status");
        assertThat(list.path("resources").get(0).path("singularName").asText()).isEqualTo("loadbalancer");
        assertThat(list.path("resources").get(0).path("verbs").toString()).contains("watch", "patch");
    }

    @Test
    void aCrdIsEstablishedOnceCreatedAndWaitSaysSoWithoutNoise() throws Exception {
        applyCrd();
        TestingKubectl.Result wait =
                kubectl.run("wait", "--for", "condition=established", "crd/loadbalancers.slb.dev", "--timeout=15s");
        assertThat(wait.code()).as(wait.toString()).isZero();
        assertThat(wait.out()).contains("loadbalancers.slb.dev condition met");
        assertThat(wait.err()).isEmpty();
        TestingKubectl.Result conditions = kubectl.run(
                "get",
                "crd",
                "loadbalancers.slb.dev",
                "-o",
                "jsonpath={.status.conditions[*].type}={.status.conditions[*].status}");
        assertThat(conditions.out()).isEqualTo("NamesAccepted Established=True True");
    }

    @Test
    void theUsualNamespacesExistAndAMissingOneIsNamed() throws Exception {
        TestingKubectl.Result ns = kubectl.run("get", "namespaces", "-o", "name");
        assertThat(ns.out().lines()).contains("namespace/default", "namespace/kube-system");
        TestingKubectl.Result create = kubectl.run("create", "configmap", "x", "-n", "nowhere", "--from-literal=a=b");
        assertThat(create.code()).isNotZero();
        assertThat(create.err()).contains("namespaces \"nowhere\" not found");
    }

    @Test
    void createAndGetConfigMap() throws Exception {
        // kubectl 1.32 sends this body as protobuf; the server translates ConfigMap, Secret, Namespace.
        TestingKubectl.Result create = kubectl.run("create", "configmap", "x", "--from-literal=a=b");
        assertThat(create.code()).as(create.toString()).isZero();
        assertThat(create.out()).contains("configmap/x created");

        TestingKubectl.Result get = kubectl.run("get", "configmap", "x", "-o", "yaml");
        assertThat(get.code()).as(get.toString()).isZero();
        assertThat(get.out())
                .contains("kind: ConfigMap")
                .contains("name: x")
                .contains("namespace: default")
                .containsPattern("(?m)^data:\\n  a: b$");

        TestingKubectl.Result missing = kubectl.run("get", "configmap", "nope");
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("NotFound").contains("configmaps \"nope\" not found");
    }

    @Test
    void applyTheCrdAndTheSharedSampleThenGetItByShortName() throws Exception {
        applyCrd();
        TestingKubectl.Result apply = kubectl.run("apply", "-f", SHARED_SAMPLE.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("loadbalancer.slb.dev/demo created");

        JsonNode lb = kubectl.run("get", "slb", "demo", "-o", "json").json();
        assertThat(lb.path("apiVersion").asText()).isEqualTo("slb.dev/v1alpha1");
        assertThat(lb.path("kind").asText()).isEqualTo("LoadBalancer");
        assertThat(lb.path("metadata").path("name").asText()).isEqualTo("demo");
        assertThat(lb.path("metadata").path("generation").asInt()).isEqualTo(1);
        assertThat(lb.path("spec").path("tier").asText()).isEqualTo("shared");
        assertThat(lb.path("spec").path("listeners")).hasSize(2);
    }

    @Test
    void createSecretAndNamespaceSentAsProtobufWithApiDefaults() throws Exception {
        TestingKubectl.Result secret = kubectl.run("create", "secret", "generic", "s", "--from-literal=k=v");
        assertThat(secret.code()).as(secret.toString()).isZero();
        TestingKubectl.Result data = kubectl.run("get", "secret", "s", "-o", "jsonpath={.type} {.data.k}");
        assertThat(data.out()).isEqualTo("Opaque dg==");

        TestingKubectl.Result ns = kubectl.run("create", "namespace", "team-a");
        assertThat(ns.code()).as(ns.toString()).isZero();
        TestingKubectl.Result get =
                kubectl.run("get", "namespace", "team-a", "-o", "jsonpath={.metadata.name} {.status.phase}");
        assertThat(get.out()).isEqualTo("team-a Active");
    }

    @Test
    void unsupportedProtobufIsAClearErrorNotAHang() throws Exception {
        // A Service body is protobuf too, and outside the translated subset.
        TestingKubectl.Result create = kubectl.run("create", "service", "clusterip", "web", "--tcp=80:8080");
        assertThat(create.code()).isNotZero();
        assertThat(create.err()).contains("protobuf bodies are supported only for v1 ConfigMap, Secret and Namespace");
    }

    @Test
    void getWatchStreamsEveryChange() throws Exception {
        TestingKubectl.Background watch = kubectl.startInBackground(
                "get",
                "configmaps",
                "-w",
                "--output-watch-events",
                "-o",
                "jsonpath={.type} {.object.metadata.name} {.object.data.a}{\"\\n\"}");
        assertThat(kubectl.run("create", "configmap", "w1", "--from-literal=a=1")
                        .code())
                .isZero();
        assertThat(watch.awaitOutput("ADDED w1 1", 15))
                .as(watch.output() + watch.errors())
                .isTrue();
        assertThat(kubectl.run("patch", "configmap", "w1", "--type", "merge", "-p", "{\"data\":{\"a\":\"2\"}}")
                        .code())
                .isZero();
        assertThat(kubectl.run("delete", "configmap", "w1").code()).isZero();
        assertThat(watch.awaitOutput("DELETED w1 2", 15))
                .as(watch.output() + watch.errors())
                .isTrue();
        assertThat(watch.output().lines()).containsExactly("ADDED w1 1", "MODIFIED w1 2", "DELETED w1 2");
        assertThat(watch.errors()).isEmpty();
    }

    @Test
    void waitSeesAConditionTheControllerSetsLater() throws Exception {
        applyCrdAndSample();
        TestingKubectl.Background wait =
                kubectl.startInBackground("wait", "--for=condition=Ready", "slb/demo", "--timeout=30s");
        Thread.sleep(500);
        TestingKubectl.Result status = kubectl.run(
                "patch",
                "slb",
                "demo",
                "--subresource=status",
                "--type=merge",
                "-p",
                "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"ReplicasReady\","
                        + "\"message\":\"2 of 2 ready\",\"lastTransitionTime\":\"2026-11-24T00:00:00Z\"}]}}");
        assertThat(status.code()).as(status.toString()).isZero();
        assertThat(wait.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(wait.process().exitValue()).as(wait.errors()).isZero();
        assertThat(wait.output()).contains("loadbalancer.slb.dev/demo condition met");
        assertThat(wait.errors()).isEmpty();
    }

    @Test
    void generationMovesWithTheSpecOnlyAndStatusIsItsOwnSubresource() throws Exception {
        applyCrdAndSample();
        TestingKubectl.Result spec = kubectl.run(
                "patch",
                "slb",
                "demo",
                "--type",
                "merge",
                "-p",
                "{\"spec\":{\"tier\":\"slb.s2.small\"},\"status\":{\"tier\":\"ignored\"}}");
        assertThat(spec.code()).as(spec.toString()).isZero();
        assertThat(get("slb", "demo", "{.metadata.generation} {.spec.tier} {.status.tier}"))
                .isEqualTo("2 slb.s2.small ");

        TestingKubectl.Result status = kubectl.run(
                "patch",
                "slb",
                "demo",
                "--subresource=status",
                "--type=merge",
                "-p",
                "{\"status\":{\"tier\":\"slb.s2.small\"},\"spec\":{\"tier\":\"shared\"}}");
        assertThat(status.code()).as(status.toString()).isZero();
        TestingKubectl.Result labels = kubectl.run("label", "slb", "demo", "team=edge");
        assertThat(labels.code()).as(labels.toString()).isZero();
        assertThat(get("slb", "demo", "{.metadata.generation} {.spec.tier} {.status.tier} {.metadata.labels.team}"))
                .isEqualTo("2 slb.s2.small slb.s2.small edge");
    }

    @Test
    void mergePatchFollowsRfc7386() throws Exception {
        applyCrdAndSample();
        assertThat(kubectl.run("label", "slb", "demo", "a=1", "b=2").code()).isZero();
        TestingKubectl.Result patch = kubectl.run(
                "patch",
                "slb",
                "demo",
                "--type",
                "merge",
                "-p",
                "{\"metadata\":{\"labels\":{\"a\":null}},\"spec\":{\"listeners\":[{\"name\":\"web\",\"protocol\":\"HTTP\","
                        + "\"port\":8080}]}}");
        assertThat(patch.code()).as(patch.toString()).isZero();
        // null deleted a label; the array was replaced, not appended to.
        assertThat(get("slb", "demo", "{.metadata.labels} {.spec.listeners[*].port}"))
                .isEqualTo("{\"b\":\"2\"} 8080");
    }

    @Test
    void applyOfAnEditedManifestUpdatesIt() throws Exception {
        applyCrdAndSample();
        String edited = Files.readString(SHARED_SAMPLE, StandardCharsets.UTF_8)
                .replace("tier: shared", "tier: slb.s2.small")
                .replaceAll("(?s)  - name: secure.*?secretName: demo-tls\n", "");
        Path file = dir.resolve("edited.yaml");
        Files.writeString(file, edited, StandardCharsets.UTF_8);
        TestingKubectl.Result apply = kubectl.run("apply", "-f", file.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("loadbalancer.slb.dev/demo configured");
        assertThat(get("slb", "demo", "{.spec.tier} {.spec.listeners[*].name} {.metadata.generation}"))
                .isEqualTo("slb.s2.small web 2");
        // Applying again changes nothing, though kubectl says "configured", as with a cluster: the stored
        // listeners carry schema defaults, so its JSON merge patch resends the list (kubernetes/kubernetes#66450).
        TestingKubectl.Result again = kubectl.run("apply", "-f", file.toString());
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(get("slb", "demo", "{.spec.tier} {.spec.listeners[*].name} {.metadata.generation}"))
                .isEqualTo("slb.s2.small web 2");
    }

    @Test
    void deletingAnOwnerCollectsWhatItOwned() throws Exception {
        applyCrdAndSample();
        String uid = get("slb", "demo", "{.metadata.uid}");
        Path owned = dir.resolve("owned.yaml");
        Files.writeString(owned, ownedConfigMap("demo-proxy-config", uid) + """
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: kept, namespace: default}
        """, StandardCharsets.UTF_8);
        assertThat(kubectl.run("apply", "-f", owned.toString()).code()).isZero();

        TestingKubectl.Result delete = kubectl.run("delete", "slb", "demo");
        assertThat(delete.code()).as(delete.toString()).isZero();
        assertThat(delete.out()).contains("loadbalancer.slb.dev \"demo\" deleted");
        TestingKubectl.Result left = kubectl.run("get", "configmaps", "-o", "name");
        assertThat(left.out().lines()).contains("configmap/kept").doesNotContain("configmap/demo-proxy-config");
    }

    @Test
    void anObjectWhoseOwnerIsGoneIsCollectedOnceWritten() throws Exception {
        applyCrdAndSample();
        Path orphan = dir.resolve("orphan.yaml");
        // Owned by a LoadBalancer demo that no longer exists under that uid (a controller racing a delete).
        Files.writeString(
                orphan, ownedConfigMap("late", "00000000-0000-0000-0000-00000000dead"), StandardCharsets.UTF_8);
        assertThat(kubectl.run("apply", "-f", orphan.toString()).code()).isZero();
        TestingKubectl.Result get = kubectl.run("get", "configmap", "late");
        assertThat(get.code()).isNotZero();
        assertThat(get.err()).contains("configmaps \"late\" not found");
    }

    @Test
    void aScheduledPodTerminatesGracefullyUntilItsKubeletRemovesIt() throws Exception {
        Path pod = dir.resolve("pod.yaml");
        Files.writeString(pod, """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: default}
        spec:
          nodeName: local
          terminationGracePeriodSeconds: 50
          containers: [{name: c, image: slb-proxy:dev}]
        """, StandardCharsets.UTF_8);
        assertThat(kubectl.run("apply", "-f", pod.toString()).code()).isZero();
        TestingKubectl.Result delete = kubectl.run("delete", "pod", "p", "--wait=false");
        assertThat(delete.code()).as(delete.toString()).isZero();
        assertThat(kubectl.run("get", "pod", "p").out()).containsPattern("(?m)^p\\s+0/1\\s+Terminating");
        assertThat(get("pod", "p", "{.metadata.deletionGracePeriodSeconds}")).isEqualTo("50");

        // What the kubelet does once the container has stopped.
        TestingKubectl.Result force = kubectl.run("delete", "pod", "p", "--grace-period=0", "--force");
        assertThat(force.code()).as(force.toString()).isZero();
        assertThat(kubectl.run("get", "pods", "-o", "name").out()).isEmpty();
    }

    @Test
    void orphanDeletionKeepsDependentsAndDropsTheReference() throws Exception {
        applyCrdAndSample();
        String uid = get("slb", "demo", "{.metadata.uid}");
        Path owned = dir.resolve("owned.yaml");
        Files.writeString(owned, ownedConfigMap("demo-proxy-config", uid), StandardCharsets.UTF_8);
        assertThat(kubectl.run("apply", "-f", owned.toString()).code()).isZero();

        assertThat(kubectl.run("delete", "slb", "demo", "--cascade=orphan").code())
                .isZero();
        assertThat(get("configmap", "demo-proxy-config", "{.metadata.name} [{.metadata.ownerReferences}]"))
                .isEqualTo("demo-proxy-config []");
    }

    @Test
    void getPrintsTheCrdsColumnsAndBuiltinsTheirUsualOnes() throws Exception {
        applyCrdAndSample();
        setStatus();
        TestingKubectl.Result slb = kubectl.run("get", "slb");
        assertThat(slb.code()).as(slb.toString()).isZero();
        assertThat(slb.out().lines().toList()).hasSize(2);
        assertThat(slb.out())
                .containsPattern(
                        "^NAME\\s+AGE\\s+ADDRESS\\s+BACKENDS\\s+PROGRAMMED\\s+READY\\s+REFS\\s+REPLICAS\\s+TIER\\n")
                // Columns whose condition or field the status lacks stay empty.
                .containsPattern("(?m)^demo\\s+\\d+s\\s+127\\.0\\.0\\.10\\s+True\\s+False\\s+shared$");

        TestingKubectl.Result ns = kubectl.run("get", "namespaces");
        assertThat(ns.out())
                .containsPattern("^NAME\\s+STATUS\\s+AGE\\n")
                .containsPattern("(?m)^default\\s+Active\\s+\\d+s$");
        assertThat(kubectl.run("create", "secret", "generic", "s", "--from-literal=k=v")
                        .code())
                .isZero();
        TestingKubectl.Result secrets = kubectl.run("get", "secrets");
        assertThat(secrets.out())
                .containsPattern("^NAME\\s+TYPE\\s+DATA\\s+AGE\\n")
                .containsPattern("(?m)^s\\s+Opaque\\s+1\\s+");
    }

    @Test
    void describeShowsConditionsAndTheEventsOfTheObject() throws Exception {
        applyCrdAndSample();
        setStatus();
        String uid = get("slb", "demo", "{.metadata.uid}");
        Path events = dir.resolve("events.yaml");
        Files.writeString(
                events,
                event(
                                "demo.1",
                                "demo",
                                uid,
                                "TierDowngradeNotSupported",
                                "spec.tier cannot go from slb.s2.small down to shared")
                        + "---\n" + event("other.1", "other", "another-uid", "Unrelated", "not about demo"),
                StandardCharsets.UTF_8);
        TestingKubectl.Result create = kubectl.run("create", "-f", events.toString());
        assertThat(create.code()).as(create.toString()).isZero();

        TestingKubectl.Result describe = kubectl.run("describe", "slb", "demo");
        assertThat(describe.code()).as(describe.toString()).isZero();
        assertThat(describe.out())
                .contains("Name:         demo")
                .containsPattern("(?s)Conditions:.*Type:\\s+Ready")
                .contains("1 of 2 replicas ready")
                .containsPattern("(?s)Events:.*TierDowngradeNotSupported")
                .contains("spec.tier cannot go from slb.s2.small down to shared")
                .doesNotContain("Unrelated");

        TestingKubectl.Result selected = kubectl.run(
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=demo,involvedObject.kind=LoadBalancer",
                "-o",
                "name");
        assertThat(selected.out().lines()).containsExactly("event/demo.1");
    }

    // --- helpers ---

    private void applyCrd() throws Exception {
        TestingKubectl.Result apply = kubectl.run("apply", "-f", CRD.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("customresourcedefinition.apiextensions.k8s.io/loadbalancers.slb.dev created");
    }

    private void applyCrdAndSample() throws Exception {
        applyCrd();
        TestingKubectl.Result apply = kubectl.run("apply", "-f", SHARED_SAMPLE.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
    }

    /** Writes a status as the operator would, through the status subresource. */
    private void setStatus() throws Exception {
        TestingKubectl.Result status =
                kubectl.run("patch", "slb", "demo", "--subresource=status", "--type=merge", "-p", """
        {"status":{"tier":"shared","addresses":["127.0.0.10"],"conditions":[
          {"type":"Programmed","status":"True","reason":"Programmed","message":"2 of 2 replicas serve generation 1",
           "lastTransitionTime":"2026-11-24T00:00:00Z"},
          {"type":"Ready","status":"False","reason":"ReplicasNotReady","message":"1 of 2 replicas ready",
           "lastTransitionTime":"2026-11-24T00:00:00Z"}]}}""");
        assertThat(status.code()).as(status.toString()).isZero();
    }

    private String get(String resource, String name, String jsonPath) throws Exception {
        TestingKubectl.Result r = kubectl.run("get", resource, name, "-o", "jsonpath=" + jsonPath);
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out();
    }

    private static String ownedConfigMap(String name, String ownerUid) {
        return """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: %s
          namespace: default
          ownerReferences:
          - apiVersion: slb.dev/v1alpha1
            kind: LoadBalancer
            name: demo
            uid: %s
            controller: true
        data:
          config.yaml: "version: 1"
        """.formatted(name, ownerUid);
    }

    private static String event(String name, String object, String uid, String reason, String message) {
        return """
        apiVersion: v1
        kind: Event
        metadata:
          name: %s
          namespace: default
        involvedObject:
          apiVersion: slb.dev/v1alpha1
          kind: LoadBalancer
          name: %s
          namespace: default
          uid: %s
        reason: %s
        message: "%s"
        type: Warning
        source:
          component: slb-operator
        firstTimestamp: "2026-11-24T00:00:00Z"
        lastTimestamp: "2026-11-24T00:00:00Z"
        count: 1
        """.formatted(name, object, uid, reason, message);
    }
}
