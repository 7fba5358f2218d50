package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl validates manifests and explains fields from the OpenAPI documents of
 * {@link LocalApiServer}, with its default {@code --validate=strict}. Skipped (with a message)
 * when no kubectl 1.27+ is on PATH, except when the CI environment variable is set: then a
 * missing kubectl fails the build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenApiKubectlTest {

    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path SAMPLES = Path.of("..", "crds", "samples");

    /** One object of every built-in kind the operator and the proxy use, with the fields they set. */
    private static final String BUILTINS = """
      apiVersion: v1
      kind: Namespace
      metadata: {name: team-a, labels: {team: a}}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: proxy-config, namespace: default}
      data: {config.json: "{}"}
      binaryData: {blob: aGVsbG8=}
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: demo-tls, namespace: default}
      type: kubernetes.io/tls
      stringData: {tls.crt: cert, tls.key: key}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: demo, namespace: default, labels: {app.kubernetes.io/name: slb}}
      spec:
        type: LoadBalancer
        selector: {app: demo}
        ports:
        - {name: web, port: 80, targetPort: 10080, protocol: TCP}
        - {name: secure, port: 443, targetPort: https}
      ---
      apiVersion: v1
      kind: ServiceAccount
      metadata: {name: slb-proxy, namespace: default}
      automountServiceAccountToken: false
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: demo, namespace: default, annotations: {slb.dev/config-checksum: "abc"}}
      spec:
        replicas: 2
        selector: {matchLabels: {app: demo}}
        strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}
        template:
          metadata: {labels: {app: demo}}
          spec:
            serviceAccountName: slb-proxy
            securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
            containers:
            - name: proxy
              image: slb-proxy:dev
              args: ["--config", "/etc/slb/config.json"]
              ports: [{containerPort: 10080}, {containerPort: 9090, name: admin}]
              env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
              resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 1, memory: 1Gi}}
              readinessProbe: {httpGet: {path: /ready, port: admin}, periodSeconds: 5}
              volumeMounts: [{name: tls, mountPath: /etc/slb/tls, readOnly: true}]
              securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
            volumes:
            - {name: tls, secret: {secretName: demo-tls, defaultMode: 0400}}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: backend-abc, namespace: default, labels: {kubernetes.io/service-name: backend}}
      addressType: IPv4
      ports: [{name: http, port: 8080, protocol: TCP}]
      endpoints:
      - addresses: [10.0.0.1]
        conditions: {ready: true, serving: true, terminating: false}
        targetRef: {kind: Pod, name: backend-1, namespace: default}
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: Role
      metadata: {name: proxy, namespace: default}
      rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: RoleBinding
      metadata: {name: proxy, namespace: default}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: proxy}
      subjects: [{kind: ServiceAccount, name: slb-proxy, namespace: default}]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRole
      metadata: {name: slb-operator}
      rules: [{apiGroups: [slb.dev], resources: [loadbalancers, loadbalancers/status], verbs: ["*"]}]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRoleBinding
      metadata: {name: slb-operator}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: slb-operator}
      subjects: [{kind: ServiceAccount, name: slb-operator, namespace: default}]
      ---
      apiVersion: coordination.k8s.io/v1
      kind: Lease
      metadata: {name: slb-operator, namespace: default}
      spec: {holderIdentity: op-1, leaseDurationSeconds: 15, renewTime: "2024-01-01T00:00:00.000000Z"}
      ---
      apiVersion: v1
      kind: Event
      metadata: {name: demo.1, namespace: default}
      involvedObject: {apiVersion: slb.dev/v1alpha1, kind: LoadBalancer, name: demo, namespace: default}
      reason: Programmed
      message: every ready proxy replica serves the current config
      type: Normal
      count: 1
      source: {component: slb-operator}
      ---
      apiVersion: events.k8s.io/v1
      kind: Event
      metadata: {name: demo.2, namespace: default}
      eventTime: "2024-01-01T00:00:00.000000Z"
      reportingController: slb.dev/operator
      reportingInstance: op-1
      action: Reconcile
      reason: Programmed
      regarding: {kind: LoadBalancer, name: demo, namespace: default}
      type: Normal
      """;

    @TempDir
    Path dir;

    private TestingKubectl kubectl;

    @BeforeEach
    void start() throws IOException {
        kubectl = TestingKubectl.start(dir);
    }

    @AfterEach
    void stop() {
        if (kubectl != null) {
            kubectl.close();
        }
    }

    @Test
    void theCrdAndEverySampleApplyWithClientSideValidation() throws Exception {
        TestingKubectl.Result crd = kubectl("apply", "-f", CRD.toString(), "-v=6");
        assertThat(crd.code()).as(crd.toString()).isZero();
        assertThat(crd.out()).contains("customresourcedefinition.apiextensions.k8s.io/loadbalancers.slb.dev created");
        // kubectl looked for server-side field validation in v3, found none, and validated against v2.
        assertThat(crd.err())
                .contains("GET " + kubectl.server.url() + "/openapi/v3?")
                .contains("GET " + kubectl.server.url() + "/openapi/v3/apis/apiextensions.k8s.io/v1?hash=")
                .contains("GET " + kubectl.server.url() + "/openapi/v2?");

        TestingKubectl.Result samples = kubectl("apply", "-f", SAMPLES.toString());
        assertThat(samples.code()).as(samples.toString()).isZero();
        assertThat(samples.out())
                .contains(
                        "loadbalancer.slb.dev/chat created",
                        "loadbalancer.slb.dev/demo created",
                        "loadbalancer.slb.dev/db created");
    }

    @Test
    void anUnknownFieldOrAWrongTypeInALoadBalancerIsRefusedByKubectl() throws Exception {
        assertThat(kubectl("apply", "-f", CRD.toString()).code()).isZero();
        Path manifest = write("typo.yaml", """
        apiVersion: slb.dev/v1alpha1
        kind: LoadBalancer
        metadata: {name: typo, namespace: default}
        spec:
          tierr: shared
          listeners:
          - {name: web, protocol: HTTP, port: eighty}
        """);
        TestingKubectl.Result apply = kubectl("apply", "-f", manifest.toString());
        assertThat(apply.code()).as(apply.toString()).isNotZero();
        assertThat(apply.err())
                .contains("error validating \"" + manifest + "\"")
                .contains("unknown field \"tierr\" in dev.slb.v1alpha1.LoadBalancer.spec")
                .contains("invalid type for dev.slb.v1alpha1.LoadBalancer.spec.listeners.port: got \"string\", "
                        + "expected \"integer\"")
                .contains("turn validation off with --validate=false");
        TestingKubectl.Result get = kubectl("get", "slb", "typo");
        assertThat(get.code()).as("nothing was sent").isNotZero();
        assertThat(get.err()).contains("not found");
    }

    @Test
    void builtinKindsInUseValidateAndTyposInThemAreRefused() throws Exception {
        TestingKubectl.Result apply =
                kubectl("apply", "-f", write("builtins.yaml", BUILTINS).toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
        assertThat(apply.out())
                .contains(
                        "namespace/team-a created",
                        "configmap/proxy-config created",
                        "secret/demo-tls created",
                        "service/demo created",
                        "serviceaccount/slb-proxy created",
                        "deployment.apps/demo created",
                        "endpointslice.discovery.k8s.io/backend-abc created",
                        "role.rbac.authorization.k8s.io/proxy created",
                        "rolebinding.rbac.authorization.k8s.io/proxy created",
                        "clusterrole.rbac.authorization.k8s.io/slb-operator created",
                        "clusterrolebinding.rbac.authorization.k8s.io/slb-operator created",
                        "lease.coordination.k8s.io/slb-operator created",
                        "event/demo.1 created",
                        "event.events.k8s.io/demo.2 created");

        TestingKubectl.Result typo =
                kubectl("apply", "-f", write("deployment.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: typo, namespace: default}
        spec:
          replicas: two
          selector: {matchLabels: {app: typo}}
          template:
            metadata: {labels: {app: typo}}
            spec:
              containers:
              - {name: proxy, image: slb-proxy:dev, imagePullPolicyy: Always}
        """).toString());
        assertThat(typo.code()).as(typo.toString()).isNotZero();
        assertThat(typo.err())
                .contains(
                        "invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got \"string\", expected \"integer\"")
                .contains("unknown field \"imagePullPolicyy\" in io.k8s.api.core.v1.Container");
    }

    @Test
    void explainPrintsTheCrdsFieldDescriptions() throws Exception {
        assertThat(kubectl("apply", "-f", CRD.toString()).code()).isZero();
        // Applying a LoadBalancer refreshes kubectl's discovery cache, as against a real cluster; only
        // then does it know the short name slb.
        assertThat(kubectl("apply", "-f", SAMPLES.resolve("shared.yaml").toString())
                        .code())
                .isZero();

        TestingKubectl.Result tier = kubectl("explain", "slb.spec.tier");
        assertThat(tier.code()).as(tier.toString()).isZero();
        assertThat(tier.out())
                .contains(
                        "GROUP:      slb.dev",
                        "KIND:       LoadBalancer",
                        "VERSION:    v1alpha1",
                        "FIELD: tier <string>",
                        "slb.s3.xxlarge",
                        "Instance tier: shared (best effort, no WebSocket)");

        TestingKubectl.Result spec = kubectl("explain", "loadbalancers.spec");
        assertThat(spec.code()).as(spec.toString()).isZero();
        assertThat(spec.out())
                .contains(
                        "listeners\t<[]Object> -required-",
                        "The listeners, 1 to 16, with unique names and ports.",
                        "tier\t<string>");

        TestingKubectl.Result recursive = kubectl("explain", "slb", "--recursive");
        assertThat(recursive.code()).as(recursive.toString()).isZero();
        assertThat(recursive.out())
                .contains(
                        "metadata\t<ObjectMeta>",
                        "secretName\t<string> -required-",
                        "websocketKeepaliveSeconds\t<integer>",
                        "readyReplicas\t<integer>");
    }

    @Test
    void explainDescribesBuiltinFieldsWithoutDescriptions() throws Exception {
        TestingKubectl.Result spec = kubectl("explain", "deployment.spec");
        assertThat(spec.code()).as(spec.toString()).isZero();
        assertThat(spec.out()).contains("KIND:       Deployment", "replicas\t<integer>", "template\t<PodTemplateSpec>");

        TestingKubectl.Result ports = kubectl("explain", "service.spec.ports.targetPort");
        assertThat(ports.code()).as(ports.toString()).isZero();
        assertThat(ports.out()).contains("FIELD: targetPort");
    }

    // --- plumbing ---

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private TestingKubectl.Result kubectl(String... args) throws IOException, InterruptedException {
        return kubectl.run(args);
    }
}
