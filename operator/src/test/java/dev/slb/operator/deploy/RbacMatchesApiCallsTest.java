package dev.slb.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Tier;
import dev.slb.operator.app.OperatorMain;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.OperatorSettings;
import dev.slb.operator.desired.ProxyResources;
import dev.slb.operator.desired.Sizing;
import dev.slb.operator.reconciler.HttpProxyVersions;
import dev.slb.operator.reconciler.LoadBalancerReconciler;
import dev.slb.operator.reconciler.OperatorMetrics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The RBAC shipped matches the API calls actually made, both ways: the operator (the real
 * reconciler in a real JOSDK Operator) and the proxy's {@code KubernetesConfigSource} run against
 * the fabric8 CRUD mock, every HTTP request they send is recorded and turned into the RBAC
 * (apiGroup, resource[/subresource], verb) it needs, and then
 * <ul>
 * <li>every call is allowed by the ClusterRole in deploy/rbac.yaml (the proxy's: by the Role the
 * operator creates for it, {@code ProxyResources.role}), and
 * <li>every permission granted is used in the run, or granted on to the proxies in their Role (the
 * API server lets the operator create a Role only with permissions it holds itself), or is in
 * {@link #OPERATOR_UNUSED_BUT_NEEDED} with the reason the run cannot show its use.
 * </ul>
 * The run: a shared sample with its TLS Secret and backend Service + EndpointSlice (the fleet,
 * status patches, the WebSocket-disabled event), an EndpointSlice change, a tier upgrade (more
 * replicas, a PodDisruptionBudget), drift on the Role, RoleBinding and budget put back, a
 * listener port change (the Service), and deletion. DeployRbacTest keeps its table of the same
 * grants, with reasons, in step.
 * The operator and the test share one mock server; the operator's client has a User-Agent of its
 * own, so the test's own requests (creating the CRD, backends, edits, reads) are told apart.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(120)
class RbacMatchesApiCallsTest {
    private static final String NS = "default";
    private static final String LB = "demo";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String OPERATOR_AGENT = "slb-operator-under-rbac-test";
    private static final String PROXY_AGENT = "slb-proxy-under-rbac-test";

    /**
     * Granted, but not used in this run, and why it is needed all the same. Each entry must still
     * be granted (so this list does not outlive the grant) and must not show up in the run (or it
     * belongs to the "used" side and is no longer an exception).
     */
    private static final Map<ApiPermission, String> OPERATOR_UNUSED_BUT_NEEDED = unusedButNeeded();

    private static Map<ApiPermission, String> unusedButNeeded() {
        Map<ApiPermission, String> m = new LinkedHashMap<>();
        String ssa = "server-side apply (SLB_SERVER_SIDE_APPLY=true) sends PATCH (apply) for every dependent and the"
                + " primary's status; the fabric8 mock has no server-side apply, so this run takes the update path";
        for (String[] r : new String[][] {
            {"", "configmaps"},
            {"", "services"},
            {"", "serviceaccounts"},
            {"apps", "deployments"},
            {"policy", "poddisruptionbudgets"},
            {"rbac.authorization.k8s.io", "roles"},
            {"rbac.authorization.k8s.io", "rolebindings"}
        }) {
            m.put(new ApiPermission(r[0], r[1], "patch"), ssa);
        }
        m.put(
                new ApiPermission("slb.dev", "loadbalancers/status", "patch"),
                "server-side apply of the status (SLB_SERVER_SIDE_APPLY=true); without it the status is replaced whole"
                        + " (update), which this run takes");
        m.put(
                new ApiPermission("slb.dev", "loadbalancers/finalizers", "update"),
                "setting blockOwnerDeletion on the owner references needs it where the"
                        + " OwnerReferencesPermissionEnforcement admission plugin is on (OpenShift, some managed"
                        + " clusters); the fabric8 mock runs no admission plugins");
        m.put(
                new ApiPermission("policy", "poddisruptionbudgets", "delete"),
                "JOSDK deletes the budget when MultipleReplicasCondition turns false (the tier in effect runs one"
                        + " replica); no tier change a user can make gets there today (guaranteed tiers run two or"
                        + " more, and back to shared is refused), but the dependent is a Deleter and JOSDK will call it");
        return m;
    }

    /** The lease Role's grants: leader election runs only in a pod (POD_NAMESPACE set), never in this test. */
    private static final String LEASE_REASON = "leader election (fabric8 LeaseLock: get, create, update one Lease)"
            + " runs only in a pod with POD_NAMESPACE set; this run has no leader election";

    KubernetesClient client;
    KubernetesMockServer server;

    // ---- the operator

    @Test
    void everyOperatorCallIsGrantedAndEveryGrantIsUsed() throws Exception {
        try (var in = Files.newInputStream(Path.of("../crds/loadbalancers.slb.dev-v1.yml"))) {
            client.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
        List<ApiCall> calls = new CopyOnWriteArrayList<>();
        try (KubernetesClient operatorClient = clientAs(OPERATOR_AGENT);
                HttpProxyVersions versions = new HttpProxyVersions()) {
            Operator operator = OperatorMain.operator(operatorClient, false, Optional.empty());
            // As in production; no proxy pod runs here, so no admin port is asked.
            operator.register(new LoadBalancerReconciler(
                    OperatorSettings.defaults(), versions, Clock.systemUTC(), new OperatorMetrics()));
            operator.start();
            try {
                runEveryScenario();
            } finally {
                operator.stop();
            }
        }
        calls.addAll(recorded(OPERATOR_AGENT));
        Set<ApiPermission> used =
                calls.stream().map(ApiCall::permission).collect(Collectors.toCollection(TreeSet::new));
        System.out.println("API calls of the operator (" + calls.size() + " requests):\n  "
                + used.stream().map(ApiPermission::toString).collect(Collectors.joining("\n  ")));

        List<PolicyRule> clusterRole = boundClusterRole().getRules();
        Role leaseRole = DeployManifests.one(Role.class, "slb-operator-leader-election");

        // 1. Every call is allowed.
        assertThat(used).as("the run made calls (the recording works)").hasSizeGreaterThan(10);
        for (ApiCall call : calls) {
            assertThat(clusterRole)
                    .as("deploy/rbac.yaml's ClusterRole allows %s", call)
                    .anyMatch(r -> allows(r, call));
        }

        // 2. Every grant is used, or granted on to the proxies (the API server lets the operator create their
        // Role only if it holds every permission in it), or is an explained exception.
        Set<ApiPermission> granted = permissions(clusterRole);
        Set<ApiPermission> grantedOn =
                permissions(ProxyResources.role(sample(null)).getRules());
        Set<ApiPermission> unused = new TreeSet<>(granted);
        unused.removeAll(used);
        unused.removeAll(grantedOn);
        assertThat(unused)
                .as("granted by the ClusterRole but neither used in the run nor explained in"
                        + " OPERATOR_UNUSED_BUT_NEEDED: drop the grant")
                .isSubsetOf(OPERATOR_UNUSED_BUT_NEEDED.keySet());
        assertThat(granted)
                .as("every explained exception is still granted")
                .containsAll(OPERATOR_UNUSED_BUT_NEEDED.keySet());
        assertThat(used)
                .as("an explained exception that the run does use is no exception")
                .doesNotContainAnyElementsOf(OPERATOR_UNUSED_BUT_NEEDED.keySet());
        assertThat(OPERATOR_UNUSED_BUT_NEEDED.values())
                .allSatisfy(reason -> assertThat(reason).isNotBlank());

        // The lease Role: nothing in the run touches leases, and the Role grants exactly what the LeaseLock needs.
        assertThat(used).noneMatch(p -> p.resource().equals("leases"));
        assertThat(permissions(leaseRole.getRules()))
                .as(LEASE_REASON)
                .containsExactlyInAnyOrder(
                        new ApiPermission("coordination.k8s.io", "leases", "get"),
                        new ApiPermission("coordination.k8s.io", "leases", "create"),
                        new ApiPermission("coordination.k8s.io", "leases", "update"));

        // The operator can only grant what it holds: the proxies' Role is within its ClusterRole.
        for (ApiPermission p : grantedOn) {
            assertThat(granted)
                    .as("the operator holds %s, which it grants its proxies", p)
                    .contains(p);
        }
    }

    /** Creation with a Secret and a backend Service + EndpointSlice, events, status, EndpointSlice change, tier upgrade, delete. */
    private void runEveryScenario() {
        client.resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("demo-backend")
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .addNewPort()
                        .withName("http")
                        .withPort(8080)
                        .withTargetPort(new IntOrString(9000))
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        client.resource(new EndpointSliceBuilder()
                        .withNewMetadata()
                        .withName("demo-backend-abc")
                        .withNamespace(NS)
                        .addToLabels("kubernetes.io/service-name", "demo-backend")
                        .endMetadata()
                        .withAddressType("IPv4")
                        .addNewPort()
                        .withName("http")
                        .withPort(9000)
                        .withProtocol("TCP")
                        .endPort()
                        .addNewEndpoint()
                        .withAddresses("10.1.0.1")
                        .withNewConditions()
                        .withReady(true)
                        .endConditions()
                        .endEndpoint()
                        .build())
                .create();
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("demo-tls")
                        .withNamespace(NS)
                        .endMetadata()
                        .withType("kubernetes.io/tls")
                        .addToStringData("tls.crt", "not a real certificate")
                        .addToStringData("tls.key", "not a real key")
                        .build())
                .create();

        // Shared: the fleet, status patches, the WebSocket-disabled event.
        client.resource(sample(null)).create();
        await(
                () -> client.rbac()
                        .roleBindings()
                        .inNamespace(NS)
                        .withName(Names.roleBinding(LB))
                        .get(),
                Objects::nonNull,
                "RoleBinding");
        awaitStatus(lb -> condition(lb, "Accepted") && condition(lb, "ResolvedRefs"), "Accepted and ResolvedRefs");
        await(() -> client.v1().events().inNamespace(NS).list().getItems(), e -> !e.isEmpty(), "an event");

        // An EndpointSlice change reaches the ConfigMap (update) and the status.
        client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace(NS)
                .withName("demo-backend-abc")
                .edit(s -> {
                    s.getEndpoints()
                            .add(new EndpointBuilder()
                                    .withAddresses("10.1.0.3")
                                    .withNewConditions()
                                    .withReady(true)
                                    .endConditions()
                                    .build());
                    return s;
                });
        await(this::configYaml, c -> c.contains("10.1.0.3"), "new backend in the ConfigMap");

        // Tier upgrade: more replicas (Deployment update), a PodDisruptionBudget (create).
        editSpec(lb -> lb.getSpec().tier = Tier.S2_SMALL);
        int replicas = Sizing.of(Tier.S2_SMALL).replicas();
        await(
                () -> client.apps()
                        .deployments()
                        .inNamespace(NS)
                        .withName(Names.deployment(LB))
                        .get(),
                d -> d.getSpec().getReplicas() == replicas,
                "replicas");
        await(
                () -> client.policy()
                        .v1()
                        .podDisruptionBudget()
                        .inNamespace(NS)
                        .withName(Names.podDisruptionBudget(LB))
                        .get(),
                Objects::nonNull,
                "PodDisruptionBudget");
        awaitStatus(lb -> lb.getStatus().tier == Tier.S2_SMALL, "status.tier");

        // Drift: someone edits what the operator owns; its informers notice and it puts it back (update).
        String account = Names.serviceAccount(LB);
        // Not the ServiceAccount: its desired state is metadata only, which JOSDK's (non-SSA) matcher does not
        // compare, so the operator never updates one; serviceaccounts update is not granted for that reason.
        drift(
                "Role rules",
                client.rbac().roles().inNamespace(NS).withName(Names.role(LB)),
                r -> r.getRules().get(0).setVerbs(List.of("get")),
                r -> r.getRules().get(0).getVerbs().contains("watch"));
        drift(
                "RoleBinding subjects",
                client.rbac().roleBindings().inNamespace(NS).withName(Names.roleBinding(LB)),
                b -> b.getSubjects().get(0).setName("someone-else"),
                b -> b.getSubjects().get(0).getName().equals(account));
        drift(
                "PodDisruptionBudget spec",
                client.policy().v1().podDisruptionBudget().inNamespace(NS).withName(Names.podDisruptionBudget(LB)),
                b -> b.getSpec().setMaxUnavailable(new IntOrString(0)),
                b -> Integer.valueOf(1).equals(b.getSpec().getMaxUnavailable().getIntVal()));

        // A listener port change: the Service exposing the listeners is updated.
        editSpec(lb -> lb.getSpec().listeners.get(0).port = 81);
        await(
                () -> client.services()
                        .inNamespace(NS)
                        .withName(Names.service(LB))
                        .get(),
                svc -> svc.getSpec().getPorts().stream().anyMatch(port -> port.getPort() == 81),
                "Service port 81");

        // Deletion: owner references leave the rest to the garbage collector.
        lbResource().delete();
        await(() -> lbResource().get() == null, b -> b, "LoadBalancer gone");
        pause(Duration.ofSeconds(1));
    }

    /**
     * Edits the spec as a user would, again on a conflict: the operator's status writes move the
     * resourceVersion the edit's patch carries.
     */
    private void editSpec(Consumer<LoadBalancer> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                lbResource().edit(lb -> {
                    change.accept(lb);
                    return lb;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void drift(
            String what, Resource<T> resource, Consumer<T> change, Predicate<T> restored) {
        await(resource::get, restored, what + " as the operator made it");
        resource.edit(r -> {
            change.accept(r);
            return r;
        });
        await(resource::get, restored, what + " put back by the operator");
    }

    // ---- the proxy

    @Test
    void everyProxyCallIsGrantedByItsRoleAndItsRoleGrantsNothingUnused() throws Exception {
        LoadBalancer lb = sample(null);
        String configMap = Names.configMap(LB);
        String secret = lb.getSpec().listeners.get(1).tls.secretName;
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName(secret)
                        .withNamespace(NS)
                        .endMetadata()
                        .withType("kubernetes.io/tls")
                        .addToData("tls.crt", "Y2VydA==")
                        .addToData("tls.key", "a2V5")
                        .build())
                .create();
        // Another Secret in the namespace: the proxy must never see it, nor ask for it.
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("someone-elses-tls")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToData("tls.crt", "Y2VydA==")
                        .build())
                .create();
        client.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName(configMap)
                        .withNamespace(NS)
                        .endMetadata()
                        .addToData("config.yaml", "first")
                        .build())
                .create();
        // Another ConfigMap in the namespace: the proxy must never see it, nor ask for it.
        client.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("someone-else")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToData("config.yaml", "not for the proxy")
                        .build())
                .create();

        List<String> delivered = new CopyOnWriteArrayList<>();
        try (KubernetesClient proxyClient = clientAs(PROXY_AGENT);
                URLClassLoader proxyClasses = compileProxyApiSources()) {
            Class<?> type = proxyClasses.loadClass("dev.slb.proxy.config.KubernetesConfigSource");
            AutoCloseable source =
                    (AutoCloseable) type.getConstructor(KubernetesClient.class, String.class, String.class)
                            .newInstance(proxyClient, NS, configMap);
            try (source) {
                Method read = type.getMethod("read");
                Method watch = type.getMethod("watch", Consumer.class);
                assertThat(read.invoke(source)).isEqualTo("first");
                Consumer<String> onChange = delivered::add;
                watch.invoke(source, onChange);
                pause(Duration.ofMillis(500));
                client.configMaps().inNamespace(NS).withName(configMap).edit(cm -> {
                    cm.getData().put("config.yaml", "second");
                    return cm;
                });
                await(() -> delivered, d -> d.contains("second"), "the change delivered through the watch");
            }
            // The TLS Secret, as the proxy reads it: a get, then its informer (list and watch by name).
            Class<?> secretsType = proxyClasses.loadClass("dev.slb.proxy.config.KubernetesSecrets");
            AutoCloseable secrets = (AutoCloseable) secretsType
                    .getConstructor(KubernetesClient.class, String.class)
                    .newInstance(proxyClient, NS);
            try (secrets) {
                Method data = secretsType.getMethod("data", String.class);
                List<Object> changes = new CopyOnWriteArrayList<>();
                secretsType.getMethod("onChange", Runnable.class).invoke(secrets, (Runnable) () -> changes.add("x"));
                assertThat(data.invoke(secrets, secret)).isNotNull();
                await(() -> changes, c -> !c.isEmpty(), "the Secret's informer listed it");
            }
        }

        List<ApiCall> calls = recorded(PROXY_AGENT);
        Set<ApiPermission> used =
                calls.stream().map(ApiCall::permission).collect(Collectors.toCollection(TreeSet::new));
        System.out.println("API calls of the proxy (" + calls.size() + " requests):\n  "
                + calls.stream().map(ApiCall::toString).distinct().collect(Collectors.joining("\n  ")));

        Role role = ProxyResources.role(lb);
        List<PolicyRule> rules = role.getRules();
        for (ApiCall call : calls) {
            assertThat(call.namespace())
                    .as("%s", call)
                    .isEqualTo(role.getMetadata().getNamespace());
            assertThat(rules).as("the proxies' Role allows %s", call).anyMatch(r -> allows(r, call));
        }
        // Exactly: every verb on every resource the Role grants is used (its ConfigMap and Secret by name).
        assertThat(used).isEqualTo(permissions(rules));
        assertThat(calls).allSatisfy(c -> assertThat(c.resourceName()).isIn(configMap, secret));
    }

    // ---- recording: HTTP requests to RBAC permissions

    /** An (apiGroup, resource[/subresource], verb) as RBAC sees it; apiGroup "" is the core group. */
    record ApiPermission(String apiGroup, String resource, String verb) implements Comparable<ApiPermission> {
        @Override
        public int compareTo(ApiPermission o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return (apiGroup.isEmpty() ? "core" : apiGroup) + " " + resource + " " + verb;
        }
    }

    /** One request: the permission it needs, its namespace (null: cluster-wide) and object name (null: none). */
    record ApiCall(ApiPermission permission, String namespace, String resourceName, String request) {
        @Override
        public String toString() {
            return permission + (namespace == null ? " (all namespaces)" : " in " + namespace)
                    + (resourceName == null ? "" : " name=" + resourceName) + "  <- " + request;
        }
    }

    /** Every request the mock received with this User-Agent, drained from its queue. */
    private List<ApiCall> recorded(String userAgent) throws InterruptedException {
        List<ApiCall> calls = new ArrayList<>();
        int total = 0;
        for (RecordedRequest r = server.takeRequest(200, TimeUnit.MILLISECONDS);
                r != null;
                r = server.takeRequest(200, TimeUnit.MILLISECONDS)) {
            total++;
            if (userAgent.equals(r.getHeader("User-Agent"))) {
                calls.add(toCall(r.getMethod(), r.getPath()));
            }
        }
        assertThat(total).as("requests recorded").isPositive();
        return calls;
    }

    /**
     * The Kubernetes request attributes of one request, as the API server's RequestInfoResolver
     * derives them: /api/v1/... is the core group, /apis/GROUP/VERSION/... a named one;
     * GET with a name is get, without one list (watch with watch=true), POST create, PUT update,
     * PATCH patch, DELETE delete (deletecollection without a name). For list and watch a field
     * selector metadata.name=NAME counts as that name, as RBAC's resourceNames do.
     */
    static ApiCall toCall(String method, String pathAndQuery) {
        URI uri = URI.create(pathAndQuery);
        Map<String, String> query = new TreeMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.put(key, value);
            }
        }
        List<String> parts = new ArrayList<>(
                Arrays.asList(uri.getPath().replaceAll("^/+", "").split("/")));
        String group;
        if (parts.size() >= 2 && parts.get(0).equals("api")) {
            group = "";
            parts = parts.subList(2, parts.size());
        } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
            group = parts.get(1);
            parts = parts.subList(3, parts.size());
        } else {
            throw new AssertionError("not a resource request: " + method + " " + pathAndQuery);
        }
        String namespace = null;
        if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
            namespace = parts.get(1);
            parts = parts.subList(2, parts.size());
        }
        assertThat(parts).as("resource path of %s %s", method, pathAndQuery).hasSizeBetween(1, 3);
        String resource = parts.get(0) + (parts.size() == 3 ? "/" + parts.get(2) : "");
        String name = parts.size() >= 2 ? parts.get(1) : null;
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : "true".equals(query.get("watch")) ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method + " " + pathAndQuery);
        };
        String selector = query.get("fieldSelector");
        if (name == null && selector != null && selector.startsWith("metadata.name=") && !selector.contains(",")) {
            name = selector.substring("metadata.name=".length());
        }
        return new ApiCall(new ApiPermission(group, resource, verb), namespace, name, method + " " + pathAndQuery);
    }

    @Test
    void requestsMapToRbacAttributes() {
        assertThat(toCall("GET", "/apis/slb.dev/v1alpha1/loadbalancers?watch=true&resourceVersion=1")
                        .permission())
                .isEqualTo(new ApiPermission("slb.dev", "loadbalancers", "watch"));
        assertThat(toCall("PATCH", "/apis/slb.dev/v1alpha1/namespaces/default/loadbalancers/demo/status")
                        .permission())
                .isEqualTo(new ApiPermission("slb.dev", "loadbalancers/status", "patch"));
        ApiCall list = toCall("GET", "/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%3Dcm");
        assertThat(list.permission()).isEqualTo(new ApiPermission("", "configmaps", "list"));
        assertThat(list.namespace()).isEqualTo("ns");
        assertThat(list.resourceName()).isEqualTo("cm");
        assertThat(toCall("PUT", "/api/v1/namespaces/ns/services/s").permission())
                .isEqualTo(new ApiPermission("", "services", "update"));
        assertThat(toCall("POST", "/apis/events.k8s.io/v1/namespaces/ns/events").permission())
                .isEqualTo(new ApiPermission("events.k8s.io", "events", "create"));
        assertThat(toCall("DELETE", "/apis/policy/v1/namespaces/ns/poddisruptionbudgets/p")
                        .permission())
                .isEqualTo(new ApiPermission("policy", "poddisruptionbudgets", "delete"));
    }

    // ---- RBAC

    private static ClusterRole boundClusterRole() {
        ClusterRoleBinding binding = DeployManifests.one(ClusterRoleBinding.class, "slb-operator");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
        return DeployManifests.one(ClusterRole.class, binding.getRoleRef().getName());
    }

    private static Set<ApiPermission> permissions(List<PolicyRule> rules) {
        Set<ApiPermission> permissions = new TreeSet<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        permissions.add(new ApiPermission(group, resource, verb));
                    }
                }
            }
        }
        return permissions;
    }

    /** RBAC's matching without wildcards (DeployRbacTest checks there are none). */
    private static boolean allows(PolicyRule rule, ApiCall call) {
        ApiPermission p = call.permission();
        return rule.getApiGroups().contains(p.apiGroup())
                && rule.getResources().contains(p.resource())
                && rule.getVerbs().contains(p.verb())
                && (rule.getResourceNames().isEmpty()
                        || (call.resourceName() != null
                                && rule.getResourceNames().contains(call.resourceName())));
    }

    // ---- the proxy's code, compiled from its sources (the operator module does not depend on the proxy)

    private static URLClassLoader compileProxyApiSources() throws IOException {
        Path src = Path.of("../proxy/src/main/java/dev/slb/proxy/config");
        Path tls = Path.of("../proxy/src/main/java/dev/slb/proxy/tls");
        Path out = Files.createTempDirectory("slb-proxy-config-source");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK compiler").isNotNull();
        StringWriter errors = new StringWriter();
        List<String> options = List.of("-d", out.toString(), "-classpath", testClassPath(), "-proc:none");
        boolean ok;
        try (var files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            ok = javac.getTask(
                            errors,
                            files,
                            null,
                            options,
                            null,
                            files.getJavaFileObjects(
                                    src.resolve("ConfigSource.java"),
                                    src.resolve("KubernetesConfigSource.java"),
                                    src.resolve("KubernetesSecrets.java"),
                                    src.resolve("ApiFailures.java"),
                                    tls.resolve("SecretStore.java")))
                    .call();
        }
        assertThat(ok)
                .as("compiling the proxy's KubernetesConfigSource and KubernetesSecrets:\n%s", errors)
                .isTrue();
        return new URLClassLoader(new URL[] {out.toUri().toURL()}, RbacMatchesApiCallsTest.class.getClassLoader());
    }

    /** The test class path; with Surefire's manifest-only jar, the jars its manifest names. */
    private static String testClassPath() throws IOException {
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null && !surefire.isBlank()) {
            return surefire;
        }
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            entries.add(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(Path.of(entry))) {
                try (JarFile jar = new JarFile(entry)) {
                    Manifest manifest = jar.getManifest();
                    String classPath = manifest == null
                            ? null
                            : manifest.getMainAttributes().getValue("Class-Path");
                    if (classPath != null) {
                        for (String url : classPath.trim().split("\\s+")) {
                            entries.add(Path.of(URI.create(url)).toString());
                        }
                    }
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    // ---- fixtures

    private KubernetesClient clientAs(String userAgent) {
        Config config = new ConfigBuilder(client.getConfiguration())
                .withUserAgent(userAgent)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static LoadBalancer sample(Tier tier) {
        LoadBalancer lb = DeployManifests.SERIALIZATION.unmarshal(readSample(), LoadBalancer.class);
        if (tier != null) {
            lb.getSpec().tier = tier;
        }
        return lb;
    }

    private static String readSample() {
        try {
            return Files.readString(Path.of("../crds/samples/shared.yaml"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Resource<LoadBalancer> lbResource() {
        return client.resources(LoadBalancer.class).inNamespace(NS).withName(LB);
    }

    private String configYaml() {
        ConfigMap cm = client.configMaps()
                .inNamespace(NS)
                .withName(Names.configMap(LB))
                .get();
        return cm == null ? null : cm.getData().get(Names.CONFIG_KEY);
    }

    private LoadBalancer awaitStatus(Predicate<LoadBalancer> ok, String what) {
        return await(() -> lbResource().get(), lb -> lb != null && lb.getStatus() != null && ok.test(lb), what);
    }

    private static boolean condition(LoadBalancer lb, String type) {
        return lb.getStatus().conditions != null
                && lb.getStatus().conditions.stream()
                        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static <T> T await(Supplier<T> value, Predicate<T> ok, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = value.get();
            if (last != null && ok.test(last)) {
                return last;
            }
            pause(Duration.ofMillis(100));
        }
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what + "; last seen: " + last);
    }
}
