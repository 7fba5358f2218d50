package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.address;
import static dev.slb.operator.desired.TestingSpecs.https;
import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
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
        assertThat(ProxyResources.podTemplateChecksum(lb(Tier.S3_LARGE), SETTINGS))
                .isEqualTo(ProxyResources.podTemplateChecksum(lb(Tier.SHARED), SETTINGS));
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

    @Test
    void aNewSecretANewPortOrANewImageChangesTheChecksum() {
        String base = ProxyResources.podTemplateChecksum(lb(Tier.S1_SMALL), SETTINGS);

        LoadBalancerSpec newSecret = spec();
        newSecret.listeners.add(https("admin-ui", 8443, "ui-tls"));
        LoadBalancerSpec renamedSecret = spec();
        renamedSecret.listeners.get(1).tls.secretName = "web-tls-2026";
        LoadBalancerSpec newPort = spec();
        newPort.listeners.get(0).port = 8080;

        assertThat(ProxyResources.podTemplateChecksum(lb(newSecret, Tier.S1_SMALL), SETTINGS))
                .isNotEqualTo(base);
        assertThat(ProxyResources.podTemplateChecksum(lb(renamedSecret, Tier.S1_SMALL), SETTINGS))
                .isNotEqualTo(base);
        assertThat(ProxyResources.podTemplateChecksum(lb(newPort, Tier.S1_SMALL), SETTINGS))
                .isNotEqualTo(base);
        assertThat(ProxyResources.podTemplateChecksum(lb(Tier.S1_SMALL), SETTINGS.withProxyImage("slb-proxy:0.2.0")))
                .isNotEqualTo(base);
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
    void theProxiesMayReadTheirOwnConfigMapAndNothingElse() {
        Role role = ProxyResources.role(lb(Tier.SHARED));

        assertThat(role.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getResources()).containsExactly("configmaps");
            assertThat(rule.getResourceNames()).containsExactly("web-proxy-config");
            assertThat(rule.getVerbs()).containsExactly("get", "list", "watch");
        });
    }

    @Test
    void everyResourceIsOwnedByTheLoadBalancerAndLabelled() {
        LoadBalancer lb = lb(Tier.S1_SMALL);
        List<HasMetadata> all = List.of(
                ProxyResources.configMap(lb, ProxyConfigs.render(lb, Tier.S1_SMALL, java.util.Map.of(), SETTINGS)),
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

    @Test
    void aSecretNameThatIsNoVolumeNameIsHashed() {
        assertThat(ProxyResources.tlsVolumeName("web-tls")).isEqualTo("tls-web-tls");
        assertThat(ProxyResources.tlsVolumeName("web.example.com")).matches("tls-[0-9a-f]{16}");
        assertThat(ProxyResources.tlsVolumeName("a".repeat(60))).matches("tls-[0-9a-f]{16}");
    }
}
