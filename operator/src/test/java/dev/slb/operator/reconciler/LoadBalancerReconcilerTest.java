package dev.slb.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ReloadReport;
import dev.slb.operator.api.ForwardedHeadersSpec;
import dev.slb.operator.api.InstanceServiceSpec;
import dev.slb.operator.api.LastConfigChange;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Tier;
import dev.slb.operator.app.OperatorMain;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.OperatorSettings;
import dev.slb.operator.desired.Sizing;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reconciler run by a real JOSDK Operator against the fabric8 CRUD mock (no GC, no controllers, no SSA). */
@EnableKubernetesMockClient(crud = true)
@Timeout(90)
class LoadBalancerReconcilerTest {
    private static final String NS = "default";
    private static final String LB = "demo";
    private static final Duration WAIT = Duration.ofSeconds(20);

    KubernetesClient client;
    KubernetesMockServer server;

    private static final Duration RESYNC = Duration.ofSeconds(2);

    private Operator operator;
    private final TestingProxyVersions versions = new TestingProxyVersions();
    private final OperatorMetrics metrics = new OperatorMetrics();

    @BeforeEach
    void start() throws Exception {
        // Without the CRD, /status is not a subresource in the mock and status tests pass for the wrong reason.
        try (var in = Files.newInputStream(Path.of("../crds/loadbalancers.slb.dev-v1.yml"))) {
            client.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
        // A short resync, so that a repaired status shows within the test.
        run(RESYNC);
    }

    /** Starts the operator with {@code resync} as the longest time between two reconciles of an instance. */
    private void run(Duration resync) {
        operator = OperatorMain.operator(client, false, Optional.empty());
        operator.register(
                new LoadBalancerReconciler(OperatorSettings.defaults(), versions, Clock.systemUTC(), metrics),
                o -> o.withReconciliationMaxInterval(resync));
        operator.start();
    }

    @AfterEach
    void stop() {
        if (operator != null) {
            operator.stop();
        }
    }

    @Test
    @Timeout(60)
    void sharedSampleGetsItsFleetAndSaysWebsocketIsOff() {
        backendAndSecret();
        LoadBalancer lb = createSample(null);
        String uid = lb.getMetadata().getUid();

        List<HasMetadata> owned = List.of(
                await(() -> configMap().get(), Objects::nonNull, "ConfigMap"),
                await(() -> deployment().get(), Objects::nonNull, "Deployment"),
                await(() -> proxyService().get(), Objects::nonNull, "Service"),
                await(
                        () -> client.serviceAccounts()
                                .inNamespace(NS)
                                .withName(Names.serviceAccount(LB))
                                .get(),
                        Objects::nonNull,
                        "ServiceAccount"),
                await(
                        () -> client.rbac()
                                .roles()
                                .inNamespace(NS)
                                .withName(Names.role(LB))
                                .get(),
                        Objects::nonNull,
                        "Role"),
                await(
                        () -> client.rbac()
                                .roleBindings()
                                .inNamespace(NS)
                                .withName(Names.roleBinding(LB))
                                .get(),
                        Objects::nonNull,
                        "RoleBinding"));
        for (HasMetadata r : owned) {
            assertThat(r.getMetadata().getOwnerReferences())
                    .as(r.getKind())
                    .singleElement()
                    .satisfies(o -> assertThat(o.getUid()).isEqualTo(uid));
        }

        LoadBalancer seen = awaitStatus(
                s -> condition(s, "Accepted", "True") && condition(s, "ResolvedRefs", "True"),
                "Accepted and ResolvedRefs");
        assertThat(seen.getStatus().tier).isEqualTo(Tier.SHARED);
        assertThat(seen.getStatus().observedGeneration)
                .isEqualTo(seen.getMetadata().getGeneration());
        assertThat(seen.getStatus().listeners)
                .extracting(l -> l.websocket, l -> l.websocketReason)
                .containsOnly(org.assertj.core.groups.Tuple.tuple("Disabled", "RequiresGuaranteedPerformance"));
        assertThat(seen.getStatus().listeners)
                .allSatisfy(l -> assertThat(l.websocketMessage).contains("spec.tier"));
        assertThat(seen.getStatus().configVersion)
                .isEqualTo(configMap().get().getMetadata().getAnnotations().get(Names.CONFIG_VERSION_ANNOTATION));
        // Ready endpoints only; no PodDisruptionBudget for the single shared replica.
        assertThat(configYaml()).contains("10.1.0.1").doesNotContain("10.1.0.2").contains("name: secure");
        assertThat(pdb().get()).isNull();
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("RequiresGuaranteedPerformance"));
    }

    @Test
    @Timeout(60)
    void tierUpgradeChangesReplicasAndLimitsButNotThePodTemplate() {
        backendAndSecret();
        createSample(null);
        awaitStatus(s -> condition(s, "Accepted", "True"), "Accepted");
        Deployment before = await(() -> deployment().get(), Objects::nonNull, "Deployment");
        String configBefore = configYaml();

        lbResource().edit(lb -> {
            lb.getSpec().tier = Tier.S2_SMALL;
            return lb;
        });

        int replicas = Sizing.of(Tier.S2_SMALL).replicas();
        Deployment after = await(() -> deployment().get(), d -> d.getSpec().getReplicas() == replicas, "replicas");
        PodTemplateSpec templateBefore = before.getSpec().getTemplate();
        PodTemplateSpec templateAfter = after.getSpec().getTemplate();
        assertThat(templateAfter.getMetadata().getAnnotations())
                .isEqualTo(templateBefore.getMetadata().getAnnotations());
        assertThat(templateAfter.getSpec()).isEqualTo(templateBefore.getSpec());
        String configAfter = await(this::configYaml, c -> !c.equals(configBefore), "ConfigMap change");
        assertThat(configAfter)
                .contains("maxConnections: "
                        + Sizing.of(Tier.S2_SMALL).perReplica().maxConnections());

        LoadBalancer seen = awaitStatus(s -> s.getStatus().tier == Tier.S2_SMALL, "status.tier");
        assertThat(seen.getStatus().listeners).extracting(l -> l.websocket).containsOnly("Enabled");
        assertThat(condition(seen, "Accepted", "True")).isTrue();
        await(() -> pdb().get(), Objects::nonNull, "PodDisruptionBudget");
    }

    @Test
    @Timeout(60)
    void downgradeToSharedIsRefusedAndTheOldTierKeepsServing() {
        backendAndSecret();
        createSample(Tier.S2_SMALL);
        awaitStatus(s -> condition(s, "Accepted", "True") && s.getStatus().tier == Tier.S2_SMALL, "Accepted");
        ConfigMap configBefore = await(() -> configMap().get(), Objects::nonNull, "ConfigMap");
        await(() -> pdb().get(), Objects::nonNull, "PodDisruptionBudget");

        lbResource().edit(lb -> {
            lb.getSpec().tier = Tier.SHARED;
            return lb;
        });

        LoadBalancer seen = awaitStatus(s -> condition(s, "Accepted", "False"), "Accepted=False");
        Condition accepted = find(seen, "Accepted");
        assertThat(accepted.getReason()).isEqualTo("TierDowngradeNotSupported");
        assertThat(accepted.getMessage()).contains("slb.s2.small");
        assertThat(accepted.getObservedGeneration())
                .isEqualTo(seen.getMetadata().getGeneration());
        assertThat(seen.getStatus().tier).isEqualTo(Tier.S2_SMALL);
        assertThat(configMap().get().getData()).isEqualTo(configBefore.getData());
        assertThat(deployment().get().getSpec().getReplicas())
                .isEqualTo(Sizing.of(Tier.S2_SMALL).replicas());
        assertThat(pdb().get()).isNotNull();
    }

    @Test
    @Timeout(60)
    void anEndpointSliceChangeReachesTheConfigMap() {
        backendAndSecret();
        createSample(null);
        await(this::configYaml, c -> c.contains("10.1.0.1"), "first backend");

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

        String config = await(this::configYaml, c -> c.contains("10.1.0.3"), "new backend in the ConfigMap");
        assertThat(config).contains("port: 9000");
        String version = configMap().get().getMetadata().getAnnotations().get(Names.CONFIG_VERSION_ANNOTATION);
        awaitStatus(s -> version.equals(s.getStatus().configVersion), "status.configVersion follows");
    }

    @Test
    @Timeout(60)
    void aMissingSecretIsNamedAndTheOtherListenersKeepWorking() {
        backend();
        createSample(null);

        LoadBalancer seen = awaitStatus(s -> condition(s, "ResolvedRefs", "False"), "ResolvedRefs=False");
        Condition refs = find(seen, "ResolvedRefs");
        assertThat(refs.getReason()).isEqualTo("SecretNotFound");
        assertThat(refs.getMessage()).contains("demo-tls");
        assertThat(condition(seen, "Accepted", "True")).isTrue();
        String config = await(this::configYaml, Objects::nonNull, "ConfigMap");
        assertThat(config).contains("name: web").doesNotContain("name: secure");
        // The proxies read the Secret through the API: its arrival must not roll pods, and no pod mounts it.
        Deployment before = await(() -> deployment().get(), Objects::nonNull, "Deployment");
        assertThat(before.getSpec().getTemplate().getSpec().getVolumes())
                .noneSatisfy(v -> assertThat(v.getSecret()).isNotNull());
        assertThat(role().getRules())
                .noneSatisfy(r -> assertThat(r.getResources()).contains("secrets"));
        assertThat(client.services()
                        .inNamespace(NS)
                        .withName(Names.service(LB))
                        .get()
                        .getSpec()
                        .getPorts())
                .extracting(p -> p.getPort())
                .contains(443);

        secret();

        awaitStatus(s -> condition(s, "ResolvedRefs", "True"), "ResolvedRefs=True once the Secret exists");
        await(this::configYaml, c -> c.contains("name: secure"), "HTTPS listener in the config");
        assertThat(configYaml()).contains("secretName: demo-tls").doesNotContain("BEGIN");
        assertThat(role().getRules())
                .as("the proxies may read the Secret their listener names, by name")
                .anySatisfy(r -> {
                    assertThat(r.getResources()).containsExactly("secrets");
                    assertThat(r.getResourceNames()).containsExactly("demo-tls");
                });
        assertThat(deployment().get().getSpec().getTemplate())
                .as("no rollout when the Secret appears")
                .isEqualTo(before.getSpec().getTemplate());
    }

    @Test
    @Timeout(60)
    void aSecretWithoutAKeyIsNotAcceptedAndNamesTheKey() {
        backend();
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("demo-tls")
                        .withNamespace(NS)
                        .endMetadata()
                        .withType("kubernetes.io/tls")
                        .addToStringData("tls.crt", "only the certificate")
                        .build())
                .create();
        createSample(null);
        LoadBalancer seen = awaitStatus(s -> condition(s, "Accepted", "False"), "Accepted=False");
        Condition accepted = find(seen, "Accepted");
        assertThat(accepted.getReason()).isEqualTo("InvalidSecret");
        assertThat(accepted.getMessage()).contains("demo-tls", "no tls.key", "kubectl create secret tls");
        String config = await(this::configYaml, Objects::nonNull, "ConfigMap");
        assertThat(config)
                .as("the HTTP listener serves meanwhile")
                .contains("name: web")
                .doesNotContain("name: secure");
    }

    @Test
    @Timeout(60)
    void anInvalidSpecIsRefusedAndNothingServingIsTouched() {
        backendAndSecret();
        createSample(null);
        awaitStatus(s -> condition(s, "Accepted", "True"), "Accepted");
        ConfigMap config = await(() -> configMap().get(), Objects::nonNull, "ConfigMap");
        Deployment deployment = await(() -> deployment().get(), Objects::nonNull, "Deployment");
        Service service = await(() -> proxyService().get(), Objects::nonNull, "Service");

        lbResource().edit(lb -> {
            lb.getSpec().listeners.get(1).port = 80;
            return lb;
        });

        LoadBalancer seen = awaitStatus(s -> condition(s, "Accepted", "False"), "Accepted=False");
        Condition accepted = find(seen, "Accepted");
        assertThat(accepted.getReason()).isEqualTo("InvalidSpec");
        assertThat(accepted.getMessage()).contains("spec.listeners[1].port");
        assertThat(condition(seen, "Ready", "False")).isTrue();
        assertThat(configMap().get().getMetadata().getResourceVersion())
                .isEqualTo(config.getMetadata().getResourceVersion());
        assertThat(deployment().get().getMetadata().getResourceVersion())
                .isEqualTo(deployment.getMetadata().getResourceVersion());
        assertThat(proxyService().get().getMetadata().getResourceVersion())
                .isEqualTo(service.getMetadata().getResourceVersion());
    }

    @Test
    @Timeout(60)
    void programmedAndReadyOnceEveryReadyReplicaServesTheCurrentConfig() {
        backendAndSecret();
        createSample(null);
        LoadBalancer first = awaitStatus(
                s -> condition(s, "Accepted", "True")
                        && s.getStatus().configVersion != null
                        && find(s, "Programmed") != null,
                "Accepted");
        assertThat(condition(first, "Programmed", "False")).isTrue();
        assertThat(condition(first, "Ready", "False")).isTrue();
        String version = first.getStatus().configVersion;

        versions.set(Map.of("demo-proxy-0", version));
        // The mock runs no Deployment controller and no kubelet: the test makes the ready pod itself.
        pod("demo-proxy-0", true);
        proxyService().editStatus(s -> {
            s.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder()
                    .withNewLoadBalancer()
                    .addNewIngress()
                    .withIp("203.0.113.5")
                    .endIngress()
                    .endLoadBalancer()
                    .build());
            return s;
        });

        LoadBalancer seen = awaitStatus(s -> condition(s, "Ready", "True"), "Ready");
        assertThat(condition(seen, "Programmed", "True")).isTrue();
        assertThat(seen.getStatus().readyReplicas).isEqualTo(1);
        assertThat(seen.getStatus().replicas).isEqualTo(1);
        await(() -> lbResource().get(), l -> l.getStatus().addresses.contains("203.0.113.5"), "address");

        // A backend change: the new config must reach the replicas (Programmed drops until it
        // does), but traffic is served throughout, so Ready neither flaps nor restarts its clock.
        String readySince = find(seen, "Ready").getLastTransitionTime();
        client.discovery()
                .v1()
                .endpointSlices()
                .inNamespace(NS)
                .withName("demo-backend-abc")
                .edit(sl -> {
                    sl.getEndpoints()
                            .add(new EndpointBuilder()
                                    .withAddresses("10.1.0.9")
                                    .withNewConditions()
                                    .withReady(true)
                                    .endConditions()
                                    .build());
                    return sl;
                });
        LoadBalancer propagating = awaitStatus(s -> !version.equals(s.getStatus().configVersion), "new config version");
        assertThat(condition(propagating, "Programmed", "False")).isTrue();
        assertThat(condition(propagating, "Ready", "True")).isTrue();
        assertThat(find(propagating, "Ready").getLastTransitionTime()).isEqualTo(readySince);
        String next = propagating.getStatus().configVersion;
        versions.set(Map.of("demo-proxy-0", next));
        LoadBalancer settled = awaitStatus(s -> condition(s, "Programmed", "True"), "Programmed again");
        assertThat(find(settled, "Ready").getLastTransitionTime()).isEqualTo(readySince);
    }

    /**
     * SLB-IP names the instance's address: the proxy Service's load balancer address (ip, else
     * hostname) goes into the config of an instance whose listeners send SLB-IP, and its arrival or
     * change is a new config version (a reload), never a new pod template; an instance that sends no
     * SLB-IP keeps its config. The operator runs with a resync far longer than the test, so the
     * Service's status events alone must bring each change.
     */
    @Test
    @Timeout(60)
    void theServiceAddressReachesTheConfigOfAnInstanceThatSendsSlbIp() {
        operator.stop();
        run(Duration.ofMinutes(30));
        backendAndSecret();
        createSample(null);
        String unaddressed = await(this::configYaml, Objects::nonNull, "ConfigMap");
        PodTemplateSpec template = await(() -> deployment().get(), Objects::nonNull, "Deployment")
                .getSpec()
                .getTemplate();
        await(() -> proxyService().get(), Objects::nonNull, "Service");

        serviceIngress("203.0.113.5", null);
        awaitStatus(l -> l.getStatus().addresses.contains("203.0.113.5"), "status.addresses");
        assertThat(configYaml())
                .as("no listener sends SLB-IP: the config stays as it was")
                .isEqualTo(unaddressed);

        lbResource().edit(lb -> {
            lb.getSpec().listeners.get(0).forwardedHeaders = new ForwardedHeadersSpec();
            lb.getSpec().listeners.get(0).forwardedHeaders.slbIp = true;
            return lb;
        });
        await(this::configYaml, c -> c.contains("instanceAddress: 203.0.113.5\n"), "the address in the config");

        serviceIngress(null, "lb-7.example.net");
        await(this::configYaml, c -> c.contains("instanceAddress: lb-7.example.net\n"), "the new address");
        assertThat(deployment().get().getSpec().getTemplate())
                .as("a reload, not a pod roll")
                .isEqualTo(template);
    }

    /**
     * spec.service.annotations reach the instance's Service, a changed value follows, and a key
     * removed from the spec leaves the Service (JOSDK's own update would keep it), while an annotation
     * someone else wrote stays; the pods are never touched.
     */
    @Test
    @Timeout(60)
    void serviceAnnotationsAreAddedChangedAndRemovedAndOthersAreKept() {
        backendAndSecret();
        createSample(null);
        PodTemplateSpec template = await(() -> deployment().get(), Objects::nonNull, "Deployment")
                .getSpec()
                .getTemplate();
        Service first = await(() -> proxyService().get(), Objects::nonNull, "Service");
        assertThat(first.getMetadata().getAnnotations())
                .as("none asked for: the Service as before the field")
                .containsKey(Names.PROXY_PROTOCOL_PORTS_ANNOTATION)
                .doesNotContainKey(Names.USER_ANNOTATIONS_ANNOTATION);
        // A cloud's controller writes its own annotation; then the ingress, which the operator's status
        // shows once its informer has seen both.
        proxyService().edit(s -> {
            s.getMetadata().getAnnotations().put("cloud.example/lb-id", "lb-1");
            return s;
        });
        serviceIngress("203.0.113.5", null);
        awaitStatus(l -> l.getStatus().addresses.contains("203.0.113.5"), "status.addresses");

        annotate(Map.of("example.com/internal", "true", "example.com/proxy-protocol", "*"));
        await(
                () -> annotations(proxyService().get()),
                a -> "true".equals(a.get("example.com/internal")) && "*".equals(a.get("example.com/proxy-protocol")),
                "both annotations on the Service");

        annotate(Map.of("example.com/internal", "false"));
        await(
                () -> annotations(proxyService().get()),
                a -> "false".equals(a.get("example.com/internal")) && !a.containsKey("example.com/proxy-protocol"),
                "one changed, the other removed");

        annotate(null);
        Map<String, String> last = await(
                () -> annotations(proxyService().get()),
                a -> !a.containsKey("example.com/internal") && !a.containsKey(Names.USER_ANNOTATIONS_ANNOTATION),
                "every one removed, and the record of them");
        assertThat(last)
                .containsEntry("cloud.example/lb-id", "lb-1")
                .containsKey(Names.PROXY_PROTOCOL_PORTS_ANNOTATION);
        assertThat(deployment().get().getSpec().getTemplate())
                .as("annotations on the Service roll no pod")
                .isEqualTo(template);
    }

    /**
     * Sets spec.service.annotations ({@code null}: no spec.service at all), as a user would: again
     * when the operator's status write came in between (409).
     */
    private void annotate(Map<String, String> annotations) {
        for (int attempt = 1; ; attempt++) {
            try {
                lbResource().edit(lb -> {
                    if (annotations == null) {
                        lb.getSpec().service = null;
                    } else {
                        lb.getSpec().service = new InstanceServiceSpec();
                        lb.getSpec().service.annotations = new java.util.LinkedHashMap<>(annotations);
                    }
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

    private static Map<String, String> annotations(Service service) {
        return service == null || service.getMetadata().getAnnotations() == null
                ? Map.of()
                : service.getMetadata().getAnnotations();
    }

    /** What a cloud's load balancer controller writes into the instance's Service once it has an address. */
    private void serviceIngress(String ip, String hostname) {
        proxyService().editStatus(s -> {
            s.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder()
                    .withNewLoadBalancer()
                    .addNewIngress()
                    .withIp(ip)
                    .withHostname(hostname)
                    .endIngress()
                    .endLoadBalancer()
                    .build());
            return s;
        });
    }

    @Test
    @Timeout(60)
    void deletingTheLoadBalancerLeavesOwnerReferencesForTheGarbageCollector() {
        backendAndSecret();
        LoadBalancer lb = createSample(Tier.S2_SMALL);
        awaitStatus(s -> condition(s, "Accepted", "True"), "Accepted");
        List<HasMetadata> owned = List.of(
                await(() -> configMap().get(), Objects::nonNull, "ConfigMap"),
                await(() -> deployment().get(), Objects::nonNull, "Deployment"),
                await(() -> proxyService().get(), Objects::nonNull, "Service"),
                await(
                        () -> client.resources(ServiceAccount.class)
                                .inNamespace(NS)
                                .withName(Names.serviceAccount(LB))
                                .get(),
                        Objects::nonNull,
                        "ServiceAccount"),
                await(
                        () -> client.resources(Role.class)
                                .inNamespace(NS)
                                .withName(Names.role(LB))
                                .get(),
                        Objects::nonNull,
                        "Role"),
                await(
                        () -> client.resources(RoleBinding.class)
                                .inNamespace(NS)
                                .withName(Names.roleBinding(LB))
                                .get(),
                        Objects::nonNull,
                        "RoleBinding"),
                await(() -> pdb().get(), Objects::nonNull, "PodDisruptionBudget"));

        lbResource().delete();
        await(() -> lbResource().get() == null, b -> b, "LoadBalancer gone");

        // The mock has no garbage collector; a real API server deletes each of these through this reference.
        for (HasMetadata r : owned) {
            OwnerReference ref = r.getMetadata().getOwnerReferences().get(0);
            assertThat(r.getMetadata().getOwnerReferences()).as(r.getKind()).hasSize(1);
            assertThat(ref.getApiVersion()).isEqualTo("slb.dev/v1alpha1");
            assertThat(ref.getKind()).isEqualTo("LoadBalancer");
            assertThat(ref.getName()).isEqualTo(LB);
            assertThat(ref.getUid()).isEqualTo(lb.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
            assertThat(ref.getBlockOwnerDeletion()).isTrue();
        }
    }

    @Test
    @Timeout(60)
    void aForgedStatusIsNeitherBelievedNorKept() {
        backendAndSecret();
        createSample(null);
        awaitStatus(s -> condition(s, "Accepted", "True") && s.getStatus().tier == Tier.SHARED, "Accepted");
        Deployment before = await(() -> deployment().get(), Objects::nonNull, "Deployment");

        // What `kubectl patch slb demo --subresource=status` can do: claim the largest tier, all well.
        LoadBalancer forged = lbResource().editStatus(lb -> {
            lb.getStatus().tier = Tier.S3_XXLARGE;
            lb.getStatus().conditions.forEach(c -> {
                c.setStatus("True");
                c.setReason(c.getType());
                c.setMessage("forged");
            });
            return lb;
        });
        assertThat(forged.getStatus().tier).as("the forged status was stored").isEqualTo(Tier.S3_XXLARGE);

        LoadBalancer repaired = awaitStatus(
                s -> s.getStatus().tier == Tier.SHARED
                        && s.getStatus().conditions.stream().noneMatch(c -> "forged".equals(c.getMessage())),
                "the status repaired by the resync");
        assertThat(condition(repaired, "Programmed", "False"))
                .as("no replica is ready in the mock")
                .isTrue();
        assertThat(deployment().get().getSpec().getReplicas())
                .as("the fleet follows what the operator serves, not the status")
                .isEqualTo(Sizing.of(Tier.SHARED).replicas())
                .isEqualTo(before.getSpec().getReplicas());
        assertThat(configMap().get().getMetadata().getAnnotations()).containsEntry(Names.TIER_ANNOTATION, "shared");
        assertThat(configYaml()).doesNotContain("maxConnections");
    }

    @Test
    @Timeout(60)
    void atRestTheOperatorMakesNoRequestAndWritesNothing() throws Exception {
        backendAndSecret();
        createSample(null);
        awaitStatus(s -> condition(s, "ResolvedRefs", "True"), "ResolvedRefs");
        pod("demo-proxy-0", true);
        versions.set(Map.of(
                "demo-proxy-0", configMap().get().getMetadata().getAnnotations().get(Names.CONFIG_VERSION_ANNOTATION)));
        LoadBalancer settled = awaitStatus(s -> condition(s, "Programmed", "True"), "Programmed");
        // Let the last write reach the informer's cache, then forget every request made so far.
        Thread.sleep(RESYNC.toMillis());
        drainRecordedRequests();
        long reconciled = metrics.reconciliations();

        // Three resyncs: each reconciles from the caches and asks the API server nothing.
        Thread.sleep(RESYNC.multipliedBy(3).plusMillis(500).toMillis());

        assertThat(metrics.reconciliations()).as("resyncs ran").isGreaterThan(reconciled);
        assertThat(drainRecordedRequests())
                .as("requests to the API server at rest")
                .isEmpty();
        assertThat(lbResource().get().getMetadata().getResourceVersion())
                .as("the status was not patched with what it already says")
                .isEqualTo(settled.getMetadata().getResourceVersion());
    }

    @Test
    @Timeout(60)
    void aConfigChangeIsReportedOnceAsAnEventAndKeptInTheStatus() throws Exception {
        backendAndSecret();
        createSample(Tier.S2_SMALL);
        String version = awaitStatus(s -> s.getStatus().configVersion != null, "a config version")
                .getStatus()
                .configVersion;
        pod("demo-proxy-0", true);
        pod("demo-proxy-1", true);
        versions.set(Map.of("demo-proxy-0", version, "demo-proxy-1", version));
        awaitStatus(s -> condition(s, "Programmed", "True"), "Programmed");

        // What the replicas' GET /reloads said: one of an older proxy release answers 404.
        Instant applied = Instant.parse("2026-12-08T01:30:00Z");
        versions.setReloads(Map.of(
                "demo-proxy-0",
                new ReloadReport(
                        true,
                        List.of(
                                new ReloadReport.Reload("older", applied.minusSeconds(60), Duration.ZERO, 0, 0, 0),
                                new ReloadReport.Reload(version, applied, Duration.ofMillis(4), 1_204, 3, 0))),
                "demo-proxy-1",
                ReloadReport.UNAVAILABLE));

        LoadBalancer seen = awaitStatus(s -> s.getStatus().lastConfigChange != null, "status.lastConfigChange");
        LastConfigChange change = seen.getStatus().lastConfigChange;
        assertThat(change.version).isEqualTo(version);
        assertThat(change.appliedAt).isEqualTo("2026-12-08T01:30:00Z");
        assertThat(change.replicas).isEqualTo(2);
        assertThat(change.replicasReporting).isEqualTo(1);
        assertThat(change.connectionsKept).isEqualTo(1_204);
        assertThat(change.connectionsClosed).isZero();
        assertThat(change.connectionsDraining).isEqualTo(3);
        String expected = "config version " + version + " applied on 2/2 replicas: 1,204 connections kept, 0 closed,"
                + " 3 draining (counted on 1 of 2 replicas; demo-proxy-1 runs a proxy release that does not report it).";
        await(() -> configApplied(), e -> !e.isEmpty(), "a ConfigApplied event");
        assertThat(configApplied()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getMessage()).isEqualTo(expected);
        });

        // Once per version: a replica reporting other counts later (a restart, say), and resyncs, change nothing.
        versions.setReloads(Map.of(
                "demo-proxy-0",
                new ReloadReport(true, List.of(new ReloadReport.Reload(version, applied, Duration.ZERO, 7, 0, 0))),
                "demo-proxy-1",
                ReloadReport.UNAVAILABLE));
        Thread.sleep(RESYNC.multipliedBy(2).toMillis());
        assertThat(configApplied()).hasSize(1);
        assertThat(lbResource().get().getStatus().lastConfigChange.connectionsKept)
                .isEqualTo(1_204);
    }

    private List<io.fabric8.kubernetes.api.model.Event> configApplied() {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "ConfigApplied".equals(e.getReason()))
                .toList();
    }

    /** Every request the mock received since the last call, as "METHOD path". */
    private List<String> drainRecordedRequests() throws InterruptedException {
        List<String> requests = new java.util.ArrayList<>();
        for (var r = server.takeRequest(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                r != null;
                r = server.takeRequest(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            requests.add(r.getMethod() + " " + r.getPath());
        }
        return requests;
    }

    @Test
    @Timeout(60)
    void programmedWaitsForEveryReplicaTheTierRuns() {
        backendAndSecret();
        createSample(Tier.S2_SMALL);
        String version = awaitStatus(s -> s.getStatus().configVersion != null, "a config version")
                .getStatus()
                .configVersion;
        pod("demo-proxy-0", true);
        versions.set(Map.of("demo-proxy-0", version));

        LoadBalancer one = awaitStatus(s -> s.getStatus().readyReplicas == 1, "one ready replica");
        Condition programmed = find(one, "Programmed");
        assertThat(programmed.getStatus()).isEqualTo("False");
        assertThat(programmed.getReason()).isEqualTo("ReplicasStarting");
        assertThat(programmed.getMessage()).contains("1 of 2 proxy replicas are ready");
        assertThat(one.getStatus().replicaSummary).isEqualTo("1/2");
        assertThat(condition(one, "Ready", "True")).isTrue();

        pod("demo-proxy-1", true);
        versions.set(Map.of("demo-proxy-0", version, "demo-proxy-1", version));
        LoadBalancer both = awaitStatus(s -> condition(s, "Programmed", "True"), "Programmed with both");
        assertThat(both.getStatus().replicaSummary).isEqualTo("2/2");
        assertThat(both.getStatus().listeners)
                .allSatisfy(l -> assertThat(l.conditions)
                        .extracting(Condition::getType, Condition::getStatus)
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True"),
                                org.assertj.core.groups.Tuple.tuple("Programmed", "True")));
    }

    @Test
    @Timeout(60)
    void aListenerWaitingForItsSecretSaysItIsNotServedAndCarriesNoWebSocket() {
        backend();
        createSample(Tier.S1_SMALL);

        LoadBalancer seen = awaitStatus(s -> condition(s, "ResolvedRefs", "False"), "ResolvedRefs=False");
        ListenerStatus secure = seen.getStatus().listeners.stream()
                .filter(l -> l.name.equals("secure"))
                .findFirst()
                .orElseThrow();
        assertThat(secure.websocket).isEqualTo("Disabled");
        assertThat(secure.websocketReason).isEqualTo("ListenerNotServed");
        assertThat(secure.conditions).allSatisfy(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("SecretNotFound");
            assertThat(c.getMessage()).contains("demo-tls");
        });
        ListenerStatus web = seen.getStatus().listeners.stream()
                .filter(l -> l.name.equals("web"))
                .findFirst()
                .orElseThrow();
        assertThat(web.websocket).isEqualTo("Enabled");
        await(
                () -> client.v1().events().inNamespace(NS).list().getItems(),
                events -> events.stream().anyMatch(e -> "SecretNotFound".equals(e.getReason())),
                "a SecretNotFound event");
    }

    @Test
    @Timeout(60)
    void onlyWeightZeroBackendsOrNoneAreSaidSo() {
        backendAndSecret();
        LoadBalancer lb = sample(null);
        lb.getSpec().backends.get(0).weight = 0;
        client.resource(lb).create();

        LoadBalancer weightZero =
                awaitStatus(s -> condition(s, "BackendsAvailable", "False"), "BackendsAvailable=False");
        assertThat(find(weightZero, "BackendsAvailable").getReason()).isEqualTo("AllBackendsWeightZero");
        assertThat(find(weightZero, "BackendsAvailable").getMessage()).contains("503", "NoBackend");

        lbResource().edit(l -> {
            l.getSpec().backends.get(0).weight = 10;
            return l;
        });
        awaitStatus(s -> condition(s, "BackendsAvailable", "True"), "BackendsAvailable=True");
    }

    /** What the operator's /healthz and /readyz report: JOSDK's own view of its informers. */
    @Test
    @Timeout(60)
    void withTheApiServerGoneTheEventSourcesSayTheyAreUnhealthy() {
        backendAndSecret();
        createSample(null);
        awaitStatus(s -> condition(s, "Accepted", "True"), "Accepted");
        await(() -> OperatorMain.unhealthyEventSources(operator), List::isEmpty, "every event source healthy");

        server.shutdown();

        List<String> unhealthy = await(
                () -> OperatorMain.unhealthyEventSources(operator),
                u -> !u.isEmpty(),
                "an unhealthy event source once the API server is gone");
        assertThat(unhealthy).allSatisfy(u -> assertThat(u).startsWith("loadbalancer/"));
    }

    @Test
    void aStatusWriteForADeletedLoadBalancerEndsItQuietlyAndALostRaceIsTriedAgain() {
        LoadBalancerReconciler reconciler =
                new LoadBalancerReconciler(OperatorSettings.defaults(), versions, Clock.systemUTC(), metrics);
        LoadBalancer gone = sample(null);

        var control = reconciler.updateErrorStatus(
                gone, null, new io.fabric8.kubernetes.client.KubernetesClientException("not found", 404, null));

        assertThat(control.isNoRetry()).isTrue();
        assertThat(control.isDefaultErrorProcessing()).isFalse();
        assertThat(metrics.errors()).as("not counted as an error").isZero();
        var conflict = reconciler.updateErrorStatus(
                gone, null, new io.fabric8.kubernetes.client.KubernetesClientException("conflict", 409, null));
        assertThat(conflict.isNoRetry()).isTrue();
        assertThat(conflict.getScheduleDelay())
                .as("tried again from the newer object")
                .isPresent();
        assertThat(metrics.errors()).as("a lost race is no error").isZero();
        assertThat(reconciler
                        .updateErrorStatus(
                                gone,
                                null,
                                new io.fabric8.kubernetes.client.KubernetesClientException("broken", 500, null))
                        .isDefaultErrorProcessing())
                .isTrue();
        assertThat(metrics.errors()).isEqualTo(1);
    }

    // ---- fixtures

    private LoadBalancer createSample(Tier tier) {
        return client.resource(sample(tier)).create();
    }

    private LoadBalancer sample(Tier tier) {
        LoadBalancer lb = client.resources(LoadBalancer.class)
                .load(Path.of("../crds/samples/shared.yaml").toFile())
                .item();
        if (tier != null) {
            lb.getSpec().tier = tier;
        }
        return lb;
    }

    /** A proxy pod of the instance, as a kubelet would show it: the Deployment's labels, an IP, readiness. */
    private void pod(String name, boolean ready) {
        client.resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(NS)
                        .withLabels(Names.labels(LB))
                        .endMetadata()
                        .withNewStatus()
                        .withPodIP("10.2.0." + (name.hashCode() & 0x7f))
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus(ready ? "True" : "False")
                        .endCondition()
                        .endStatus()
                        .build())
                .create();
    }

    private void backendAndSecret() {
        backend();
        secret();
    }

    /** Service demo-backend, port 8080 (named http) to target 9000; one ready and one unready endpoint. */
    private void backend() {
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
        EndpointSlice slice = new EndpointSliceBuilder()
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
                .addNewEndpoint()
                .withAddresses("10.1.0.2")
                .withNewConditions()
                .withReady(false)
                .endConditions()
                .endEndpoint()
                .build();
        client.resource(slice).create();
    }

    private void secret() {
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
    }

    private Resource<LoadBalancer> lbResource() {
        return client.resources(LoadBalancer.class).inNamespace(NS).withName(LB);
    }

    private Resource<ConfigMap> configMap() {
        return client.configMaps().inNamespace(NS).withName(Names.configMap(LB));
    }

    private String configYaml() {
        ConfigMap cm = configMap().get();
        return cm == null ? null : cm.getData().get(Names.CONFIG_KEY);
    }

    private Role role() {
        return client.rbac().roles().inNamespace(NS).withName(Names.role(LB)).get();
    }

    private Resource<Deployment> deployment() {
        return client.apps().deployments().inNamespace(NS).withName(Names.deployment(LB));
    }

    private Resource<Service> proxyService() {
        return client.services().inNamespace(NS).withName(Names.service(LB));
    }

    private Resource<PodDisruptionBudget> pdb() {
        return client.policy().v1().podDisruptionBudget().inNamespace(NS).withName(Names.podDisruptionBudget(LB));
    }

    private LoadBalancer awaitStatus(Predicate<LoadBalancer> ok, String what) {
        return await(() -> lbResource().get(), lb -> lb != null && lb.getStatus() != null && ok.test(lb), what);
    }

    private static Condition find(LoadBalancer lb, String type) {
        return lb.getStatus().conditions.stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst()
                .orElse(null);
    }

    private static boolean condition(LoadBalancer lb, String type, String status) {
        Condition c = find(lb, type);
        return c != null && status.equals(c.getStatus());
    }

    /** Polls until {@code ok} holds, at most {@link #WAIT}; fails naming what was awaited and the last value. */
    private static <T> T await(Supplier<T> value, Predicate<T> ok, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = value.get();
            if (last != null && ok.test(last)) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what + "; last seen: " + last);
    }
}
