package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.address;
import static dev.slb.operator.desired.TestingSpecs.https;
import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.ExternalTrafficPolicy;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.ServiceType;
import dev.slb.operator.api.Tier;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyResourcesTest {
    private static final OperatorSettings SETTINGS = OperatorSettings.defaults();

    private static PodTemplateSpec template(LoadBalancer lb, Tier tier) {
        return ProxyResources.deployment(lb, tier, SETTINGS).getSpec().getTemplate();
    }

    @Test
    void aTierChangeChangesTheReplicasButNotThePodTemplate() {
        Deployment shared = ProxyResources.deployment(lb(Tier.SHARED), Tier.SHARED, SETTINGS);
        Deployment large = ProxyResources.deployment(lb(Tier.S3_LARGE), Tier.S3_LARGE, SETTINGS);

        assertThat(shared.getSpec().getReplicas()).isEqualTo(1);
        assertThat(large.getSpec().getReplicas())
                .isEqualTo(Sizing.of(Tier.S3_LARGE).replicas())
                .isGreaterThan(2);
        assertThat(large.getSpec().getTemplate()).isEqualTo(shared.getSpec().getTemplate());
    }

    @Test
    void aBackendOrTimeoutChangeLeavesThePodTemplateAlone() {
        LoadBalancerSpec changed = spec();
        changed.backends.add(address("192.0.2.7", 8080));
        changed.backends.get(0).weight = 0;
        changed.listeners.get(0).idleTimeoutSeconds = 600;

        assertThat(template(lb(changed, Tier.S1_SMALL), Tier.S1_SMALL))
                .isEqualTo(template(lb(Tier.S1_SMALL), Tier.S1_SMALL));
    }

    @Test
    void reorderingListenersLeavesThePodTemplateAlone() {
        LoadBalancerSpec reordered = spec();
        java.util.Collections.reverse(reordered.listeners);

        assertThat(template(lb(reordered, Tier.S1_SMALL), Tier.S1_SMALL))
                .isEqualTo(template(lb(Tier.S1_SMALL), Tier.S1_SMALL));
    }

    /**
     * What the proxies apply by reload must never roll a pod: listeners added, removed or renamed,
     * ports, TLS Secrets (new ones, renamed ones, a new HTTPS listener) all leave the template alone.
     */
    @Test
    void listenersPortsAndTlsSecretsLeaveThePodTemplateAlone() {
        PodTemplateSpec base = template(lb(Tier.S1_SMALL), Tier.S1_SMALL);

        LoadBalancerSpec newSecret = spec();
        newSecret.listeners.add(https("admin-ui", 8443, "ui-tls"));
        LoadBalancerSpec renamedSecret = spec();
        renamedSecret.listeners.get(1).tls.secretName = "web-tls-2026";
        LoadBalancerSpec newPort = spec();
        newPort.listeners.get(0).port = 8080;
        LoadBalancerSpec fewer = spec();
        fewer.listeners.remove(1);
        LoadBalancerSpec renamed = spec();
        renamed.listeners.get(0).name = "plain";

        for (LoadBalancerSpec changed : List.of(newSecret, renamedSecret, newPort, fewer, renamed)) {
            assertThat(template(lb(changed, Tier.S1_SMALL), Tier.S1_SMALL)).isEqualTo(base);
        }
        assertThat(base.getSpec().getVolumes()).extracting(v -> v.getName()).containsExactly("tmp");
        assertThat(base.getSpec().getContainers().get(0).getPorts())
                .singleElement()
                .satisfies(p -> assertThat(p.getName()).isEqualTo("admin"));
    }

    @Test
    void onlyANewImageOrPodShapeChangesTheTemplateAndItsChecksum() {
        Deployment base = ProxyResources.deployment(lb(Tier.S1_SMALL), Tier.S1_SMALL, SETTINGS);
        Deployment image =
                ProxyResources.deployment(lb(Tier.S1_SMALL), Tier.S1_SMALL, SETTINGS.withProxyImage("slb-proxy:0.2.0"));
        Deployment drain = ProxyResources.deployment(
                lb(Tier.S1_SMALL),
                Tier.S1_SMALL,
                SETTINGS.withDrain(java.time.Duration.ofSeconds(1), SETTINGS.drainTimeout()));

        String checksum = ProxyResources.podTemplateChecksum(base).orElseThrow();
        assertThat(checksum)
                .matches("[0-9a-f]{16}")
                .isEqualTo(ProxyResources.podTemplateChecksum(base.getSpec().getTemplate()));
        assertThat(ProxyResources.podTemplateChecksum(image)).isPresent().get().isNotEqualTo(checksum);
        assertThat(ProxyResources.podTemplateChecksum(drain)).isPresent().get().isNotEqualTo(checksum);
    }

    @Test
    void theTerminationGracePeriodOutlastsTheDrain() {
        long grace = template(lb(Tier.S1_SMALL), Tier.S1_SMALL).getSpec().getTerminationGracePeriodSeconds();
        assertThat(grace)
                .isEqualTo(50)
                .isGreaterThan(SETTINGS.readinessGracePeriod()
                        .plus(SETTINGS.drainTimeout())
                        .toSeconds());
    }

    @Test
    void aPodDisruptionBudgetOnlyWithMoreThanOneReplica() {
        assertThat(ProxyResources.podDisruptionBudget(lb(Tier.SHARED), Tier.SHARED))
                .isEmpty();
        assertThat(ProxyResources.podDisruptionBudget(lb(Tier.S1_SMALL), Tier.S1_SMALL))
                .hasValueSatisfying(
                        pdb -> assertThat(pdb.getSpec().getMaxUnavailable().getIntVal())
                                .isEqualTo(1));
    }

    @Test
    void theProxiesMayReadTheirOwnConfigMapAndTheirTlsSecretsAndNothingElse() {
        LoadBalancerSpec two = spec();
        two.listeners.add(https("admin-ui", 8443, "ui-tls"));
        Role role = ProxyResources.role(lb(two, Tier.SHARED));

        assertThat(role.getRules()).hasSize(2);
        assertThat(role.getRules().get(0)).satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getResources()).containsExactly("configmaps");
            assertThat(rule.getResourceNames()).containsExactly("web-proxy-config");
            assertThat(rule.getVerbs()).containsExactly("get", "list", "watch");
        });
        assertThat(role.getRules().get(1)).satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getResources()).containsExactly("secrets");
            assertThat(rule.getResourceNames()).containsExactly("ui-tls", "web-tls");
            assertThat(rule.getVerbs()).containsExactly("get", "list", "watch");
        });
        LoadBalancerSpec plain = spec();
        plain.listeners.remove(1);
        assertThat(ProxyResources.role(lb(plain, Tier.SHARED)).getRules())
                .as("no Secret rule without a Secret")
                .singleElement()
                .satisfies(rule -> assertThat(rule.getResources()).containsExactly("configmaps"));
    }

    @Test
    void theConfigMapSaysWhichTierItServes() {
        LoadBalancer lb = lb(Tier.S1_SMALL);
        var cm = ProxyResources.configMap(
                lb, ProxyConfigs.render(lb, Tier.S1_SMALL, java.util.Map.of(), SETTINGS), Tier.S1_SMALL);

        assertThat(cm.getMetadata().getAnnotations())
                .containsEntry(Names.TIER_ANNOTATION, "slb.s1.small")
                .containsKey(Names.CONFIG_VERSION_ANNOTATION);
        assertThat(cm.getData().get(Names.CONFIG_KEY))
                .contains("secretName: web-tls")
                .doesNotContain("BEGIN");
    }

    /** The Service carries the traffic policy where Kubernetes takes one: LoadBalancer and NodePort, not ClusterIP. */
    @Test
    void theServiceCarriesTheExternalTrafficPolicy() {
        assertThat(ProxyResources.service(lb(Tier.S1_SMALL)).getSpec().getExternalTrafficPolicy())
                .as("the default, Kubernetes' own")
                .isEqualTo("Cluster");
        LoadBalancerSpec local = spec();
        local.externalTrafficPolicy = ExternalTrafficPolicy.Local;
        assertThat(ProxyResources.service(lb(local, Tier.S1_SMALL)).getSpec().getExternalTrafficPolicy())
                .isEqualTo("Local");
        LoadBalancerSpec internal = spec();
        internal.serviceType = ServiceType.ClusterIP;
        assertThat(ProxyResources.service(lb(internal, Tier.S1_SMALL)).getSpec().getExternalTrafficPolicy())
                .isNull();
    }

    /** The ports whose listeners take a PROXY header are named for the load balancer in front, and none is said too. */
    @Test
    void theServiceNamesThePortsThatExpectAProxyProtocolHeader() {
        assertThat(ProxyResources.service(lb(Tier.S1_SMALL)).getMetadata().getAnnotations())
                .as("written empty, so that turning the last one off removes it")
                .containsEntry(Names.PROXY_PROTOCOL_PORTS_ANNOTATION, "");
        LoadBalancerSpec both = spec();
        both.listeners.forEach(l -> l.proxyProtocol = true);
        assertThat(ProxyResources.service(lb(both, Tier.S1_SMALL)).getMetadata().getAnnotations())
                .containsEntry(Names.PROXY_PROTOCOL_PORTS_ANNOTATION, "web,secure");
    }

    @Test
    void everyResourceIsOwnedByTheLoadBalancerAndLabelled() {
        LoadBalancer lb = lb(Tier.S1_SMALL);
        List<HasMetadata> all = List.of(
                ProxyResources.configMap(
                        lb, ProxyConfigs.render(lb, Tier.S1_SMALL, java.util.Map.of(), SETTINGS), Tier.S1_SMALL),
                ProxyResources.deployment(lb, Tier.S1_SMALL, SETTINGS),
                ProxyResources.service(lb),
                ProxyResources.serviceAccount(lb),
                ProxyResources.role(lb),
                ProxyResources.roleBinding(lb),
                ProxyResources.podDisruptionBudget(lb, Tier.S1_SMALL).orElseThrow());

        assertThat(all).allSatisfy(r -> {
            assertThat(r.getMetadata().getNamespace()).isEqualTo("default");
            assertThat(r.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/name", "slb-proxy")
                    .containsEntry("app.kubernetes.io/instance", "web")
                    .containsEntry("app.kubernetes.io/managed-by", "slb-operator");
            assertThat(r.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                assertThat(o.getKind()).isEqualTo("LoadBalancer");
                assertThat(o.getApiVersion()).isEqualTo("slb.dev/v1alpha1");
                assertThat(o.getUid()).isEqualTo("uid-1");
                assertThat(o.getController()).isTrue();
                assertThat(o.getBlockOwnerDeletion()).isTrue();
            });
        });
    }
}
