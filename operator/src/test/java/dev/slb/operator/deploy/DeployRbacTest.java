package dev.slb.operator.deploy;

import static dev.slb.operator.deploy.DeployManifests.NAMESPACE;
import static dev.slb.operator.deploy.DeployManifests.SERVICE_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.OperatorSettings;
import dev.slb.operator.desired.ProxyResources;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The RBAC shipped in deploy/: the operator holds every permission of the per-instance Role it
 * creates (the API server refuses to create a Role granting more than its creator holds), holds
 * nothing beyond the table below, and a proxy may read its own ConfigMap and nothing else.
 */
class DeployRbacTest {
    /** Kept in step with RbacMatchesApiCallsTest, which checks these against the calls the operator makes. */
    private static final String WRITE = "list watch create update patch";

    /** Everything the operator's ClusterRole may grant, each with why. Widening the ClusterRole starts here. */
    private static final List<Grant> OPERATOR_MAY = List.of(
            grant(
                    "slb.dev",
                    "loadbalancers",
                    "list watch",
                    "the informer follows every LoadBalancer; never get, create, update or delete; no finalizer"),
            grant(
                    "slb.dev",
                    "loadbalancers/status",
                    "update patch",
                    "conditions, observedGeneration, tier in effect, addresses, listener statuses (replaced whole, or"
                            + " an apply patch with server-side apply)"),
            grant(
                    "slb.dev",
                    "loadbalancers/finalizers",
                    "update",
                    "owner references with blockOwnerDeletion under OwnerReferencesPermissionEnforcement"),
            grant(
                    "",
                    "configmaps",
                    "get " + WRITE,
                    "the proxy config; get only because the proxies' Role grants it (escalation check)"),
            grant(
                    "",
                    "services",
                    WRITE,
                    "the Service exposing the listeners; the informer also follows backend Services"),
            grant(
                    "",
                    "serviceaccounts",
                    "list watch create patch",
                    "the proxies' own identity; metadata only, so never updated; patch for server-side apply"),
            grant("apps", "deployments", WRITE, "the proxy fleet"),
            grant(
                    "policy",
                    "poddisruptionbudgets",
                    WRITE + " delete",
                    "tiers with more than one replica; JOSDK deletes it when MultipleReplicasCondition turns false"),
            grant(
                    "rbac.authorization.k8s.io",
                    "roles",
                    WRITE,
                    "the proxies' Role on their one ConfigMap and their TLS Secrets"),
            grant("rbac.authorization.k8s.io", "rolebindings", WRITE, "binds that Role to the proxies' ServiceAccount"),
            grant(
                    "discovery.k8s.io",
                    "endpointslices",
                    "list watch",
                    "Service backends resolved to ready endpoints, followed"),
            grant(
                    "",
                    "secrets",
                    "get list watch",
                    "TLS Secrets exist and hold tls.crt/tls.key, watched so a late Secret is seen; get only because"
                            + " the proxies' Role grants it (escalation check)"),
            grant(
                    "",
                    "pods",
                    "list watch",
                    "the proxy pods' readiness and IP (an informer), to count replicas and ask their admin ports"),
            grant("", "events", "create", "events on LoadBalancers (core API), each transition recorded once"));

    /** The leader-election Role, in the operator's namespace only. */
    private static final List<Grant> LEADER_ELECTION_MAY = List.of(grant(
            "coordination.k8s.io", "leases", "get create update", "fabric8's LeaseLock; JOSDK checks these three"));

    @Test
    void theOperatorHoldsEveryPermissionOfThePerInstanceRoleItCreates() {
        List<PolicyRule> held = boundClusterRole().getRules();
        for (LoadBalancer lb : DeployManifests.samples()) {
            Role role = ProxyResources.role(lb);
            for (Permission wanted : permissions(role.getRules())) {
                assertThat(held)
                        .as(
                                "the operator's ClusterRole allows %s, which the Role of %s grants",
                                wanted, lb.getMetadata().getName())
                        .anyMatch(rule -> allows(rule, wanted));
            }
        }
        // Creating that Role and binding it needs these too.
        for (String verb : List.of("create", "update")) {
            for (String resource : List.of("roles", "rolebindings")) {
                Permission p = new Permission("rbac.authorization.k8s.io", resource, verb, null);
                assertThat(held).as("%s", p).anyMatch(rule -> allows(rule, p));
            }
        }
    }

    @Test
    void theClusterRoleGrantsExactlyTheDeclaredTable() {
        ClusterRole role = boundClusterRole();
        assertThat(role.getAggregationRule())
                .as("an aggregated ClusterRole grows behind the table's back")
                .isNull();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getNonResourceURLs()).as("non-resource URLs").isNullOrEmpty();
            assertThat(rule.getResourceNames()).as("resourceNames in %s", rule).isNullOrEmpty();
        }
        assertThat(new TreeSet<>(permissions(role.getRules()))).isEqualTo(new TreeSet<>(expand(OPERATOR_MAY)));
        assertThat(OPERATOR_MAY).allSatisfy(g -> assertThat(g.reason()).isNotBlank());
    }

    @Test
    void leaderElectionIsALeaseRoleInTheOperatorsNamespaceOnly() {
        Role role = DeployManifests.one(Role.class, "slb-operator-leader-election");
        assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(new TreeSet<>(permissions(role.getRules()))).isEqualTo(new TreeSet<>(expand(LEADER_ELECTION_MAY)));

        RoleBinding binding = DeployManifests.one(RoleBinding.class, "slb-operator-leader-election");
        assertThat(binding.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertRef(binding.getRoleRef(), "Role", role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(DeployRbacTest::isTheOperator);

        // Exactly one ClusterRole, one Role: nothing else in deploy/ grants anything.
        assertThat(DeployManifests.all())
                .filteredOn(o -> o instanceof Role || o instanceof ClusterRole)
                .hasSize(2);
    }

    @Test
    void noRuleAnywhereUsesAWildcard() {
        List<PolicyRule> rules = new ArrayList<>(boundClusterRole().getRules());
        DeployManifests.all().stream()
                .filter(Role.class::isInstance)
                .map(Role.class::cast)
                .forEach(r -> rules.addAll(r.getRules()));
        DeployManifests.samples()
                .forEach(lb -> rules.addAll(ProxyResources.role(lb).getRules()));
        assertThat(rules).isNotEmpty();
        for (PolicyRule rule : rules) {
            List<String> all = new ArrayList<>();
            all.addAll(rule.getApiGroups());
            all.addAll(rule.getResources());
            all.addAll(rule.getVerbs());
            all.addAll(rule.getResourceNames());
            all.addAll(rule.getNonResourceURLs());
            assertThat(all).as("%s", rule).noneMatch(s -> s.contains("*"));
        }
    }

    @Test
    void aProxyMayGetListAndWatchItsOwnConfigMapAndTlsSecretsAndNothingElse() {
        for (LoadBalancer lb : DeployManifests.samples()) {
            String name = lb.getMetadata().getName();
            String namespace = lb.getMetadata().getNamespace();
            Role role = ProxyResources.role(lb);
            // The listeners' own certificates, their SNI ones and their client CAs: every Secret the config names.
            List<String> secrets = lb.getSpec().listeners.stream()
                    .filter(l -> l.tls != null)
                    .flatMap(l -> java.util.stream.Stream.of(
                                    java.util.stream.Stream.of(l.tls.secretName),
                                    l.tls.extraCertificates == null
                                            ? java.util.stream.Stream.<String>empty()
                                            : l.tls.extraCertificates.stream().map(c -> c.secretName),
                                    l.tls.clientAuthentication == null
                                            ? java.util.stream.Stream.<String>empty()
                                            : java.util.stream.Stream.of(l.tls.clientAuthentication.caSecretName))
                            .flatMap(x -> x))
                    .distinct()
                    .sorted()
                    .toList();
            assertThat(role.getMetadata().getNamespace()).isEqualTo(namespace);
            assertThat(role.getRules()).as("rules of %s", name).hasSize(secrets.isEmpty() ? 1 : 2);
            assertThat(role.getRules().get(0)).satisfies(rule -> {
                assertThat(rule.getApiGroups()).containsExactly("");
                assertThat(rule.getResources()).containsExactly("configmaps");
                assertThat(rule.getResourceNames()).containsExactly(Names.configMap(name));
                assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
                assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            });
            if (!secrets.isEmpty()) {
                assertThat(role.getRules().get(1)).satisfies(rule -> {
                    assertThat(rule.getApiGroups()).containsExactly("");
                    assertThat(rule.getResources()).containsExactly("secrets");
                    assertThat(rule.getResourceNames()).containsExactlyElementsOf(secrets);
                    assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
                    assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
                });
            }

            // ... and that Role is what the proxy pods run with, through their own ServiceAccount.
            RoleBinding binding = ProxyResources.roleBinding(lb);
            assertThat(binding.getMetadata().getNamespace()).isEqualTo(namespace);
            assertRef(binding.getRoleRef(), "Role", role.getMetadata().getName());
            assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
                assertThat(s.getKind()).isEqualTo("ServiceAccount");
                assertThat(s.getName()).isEqualTo(Names.serviceAccount(name));
                assertThat(s.getNamespace()).isEqualTo(namespace);
            });
            Deployment proxies = ProxyResources.deployment(lb, lb.getSpec().tier, OperatorSettings.defaults());
            assertThat(proxies.getSpec().getTemplate().getSpec().getServiceAccountName())
                    .isEqualTo(Names.serviceAccount(name));
            assertThat(ProxyResources.serviceAccount(lb).getMetadata().getName())
                    .isEqualTo(Names.serviceAccount(name));
        }
    }

    /** The ClusterRole bound cluster-wide to the ServiceAccount the operator's pod runs as. */
    private static ClusterRole boundClusterRole() {
        ClusterRoleBinding binding = DeployManifests.one(ClusterRoleBinding.class, "slb-operator");
        assertThat(binding.getSubjects()).singleElement().satisfies(DeployRbacTest::isTheOperator);
        assertRef(binding.getRoleRef(), "ClusterRole", binding.getRoleRef().getName());
        Deployment operator = DeployManifests.one(Deployment.class, "slb-operator");
        assertThat(operator.getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(SERVICE_ACCOUNT);
        return DeployManifests.one(ClusterRole.class, binding.getRoleRef().getName());
    }

    private static void isTheOperator(Subject subject) {
        assertThat(subject.getKind()).isEqualTo("ServiceAccount");
        assertThat(subject.getName()).isEqualTo(SERVICE_ACCOUNT);
        assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
    }

    private static void assertRef(RoleRef ref, String kind, String name) {
        assertThat(ref.getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
        assertThat(ref.getKind()).isEqualTo(kind);
        assertThat(ref.getName()).isEqualTo(name);
    }

    /** One (apiGroup, resource, verb), optionally on one named object. */
    record Permission(String apiGroup, String resource, String verb, String resourceName)
            implements Comparable<Permission> {
        @Override
        public int compareTo(Permission o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource + " " + verb
                    + (resourceName == null ? "" : " (" + resourceName + ")");
        }
    }

    record Grant(String apiGroup, String resource, Set<String> verbs, String reason) {}

    private static Grant grant(String apiGroup, String resource, String verbs, String reason) {
        return new Grant(apiGroup, resource, Set.of(verbs.split(" ")), reason);
    }

    private static List<Permission> expand(List<Grant> grants) {
        List<Permission> permissions = new ArrayList<>();
        for (Grant g : grants) {
            g.verbs().forEach(v -> permissions.add(new Permission(g.apiGroup(), g.resource(), v, null)));
        }
        return permissions;
    }

    /** Every permission the rules grant; one per resource name where a rule names objects. */
    private static List<Permission> permissions(List<PolicyRule> rules) {
        List<Permission> permissions = new ArrayList<>();
        for (PolicyRule rule : rules) {
            List<String> names =
                    rule.getResourceNames().isEmpty() ? Collections.singletonList(null) : rule.getResourceNames();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        for (String name : names) {
                            permissions.add(new Permission(group, resource, verb, name));
                        }
                    }
                }
            }
        }
        return permissions;
    }

    /** RBAC's own matching, without wildcards (there are none): a rule with no resourceNames covers every object. */
    private static boolean allows(PolicyRule rule, Permission p) {
        return rule.getApiGroups().contains(p.apiGroup())
                && rule.getResources().contains(p.resource())
                && rule.getVerbs().contains(p.verb())
                && (rule.getResourceNames().isEmpty()
                        || (p.resourceName() != null && rule.getResourceNames().contains(p.resourceName())));
    }
}
