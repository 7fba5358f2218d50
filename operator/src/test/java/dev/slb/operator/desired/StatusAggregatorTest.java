package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.address;
import static dev.slb.operator.desired.TestingSpecs.group;
import static dev.slb.operator.desired.TestingSpecs.rule;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.BackendHealthReport;
import dev.slb.model.ReloadReport;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.LoadBalancerStatus;
import dev.slb.operator.api.Reason;
import dev.slb.operator.api.Tier;
import dev.slb.operator.desired.StatusAggregator.Note;
import dev.slb.operator.desired.StatusAggregator.Observation;
import dev.slb.operator.desired.StatusAggregator.Outcome;
import dev.slb.operator.desired.StatusAggregator.Replica;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every condition from plain values: a decision, what was observed, a fixed instant. No cluster, no mock. */
class StatusAggregatorTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant T1 = Instant.parse("2026-12-01T10:05:00Z");
    private static final OperatorSettings SETTINGS = OperatorSettings.defaults();

    // ---- the objects a cluster would hold

    private final Map<String, Secret> secrets = new java.util.HashMap<>();
    private final Map<String, Service> services = new java.util.HashMap<>();
    private final Map<String, EndpointSlice> slices = new java.util.HashMap<>();

    private void secret(String name) {
        secrets.put(
                name,
                new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .addToData("tls.crt", "Y2VydA==")
                        .addToData("tls.key", "a2V5")
                        .build());
    }

    private void app(String... readyIps) {
        services.put(
                "app",
                new ServiceBuilder()
                        .withNewMetadata()
                        .withName("app")
                        .endMetadata()
                        .withNewSpec()
                        .addNewPort()
                        .withPort(8080)
                        .withTargetPort(new IntOrString(9000))
                        .endPort()
                        .endSpec()
                        .build());
        EndpointSliceBuilder slice = new EndpointSliceBuilder()
                .withNewMetadata()
                .withName("app-1")
                .endMetadata()
                .addNewPort()
                .withPort(9000)
                .endPort();
        for (String ip : readyIps) {
            slice.addNewEndpoint()
                    .withAddresses(ip)
                    .withNewConditions()
                    .withReady(true)
                    .endConditions()
                    .endEndpoint();
        }
        slices.put("app", slice.build());
    }

    private static LoadBalancer stored(LoadBalancerSpec spec, long generation, LoadBalancerStatus previous) {
        LoadBalancer lb = new LoadBalancer();
        lb.setMetadata(new ObjectMetaBuilder()
                .withName("web")
                .withNamespace("default")
                .withUid("uid-1")
                .withGeneration(generation)
                .build());
        lb.setSpec(spec);
        lb.setStatus(previous);
        return lb;
    }

    private Decision decide(LoadBalancer lb, Tier served) {
        Function<String, Optional<Secret>> s = n -> Optional.ofNullable(secrets.get(n));
        return Decision.of(
                lb,
                Optional.ofNullable(served),
                s,
                n -> Optional.ofNullable(services.get(n)),
                n -> slices.containsKey(n) ? List.of(slices.get(n)) : List.of(),
                SETTINGS,
                Optional.empty());
    }

    private static Observation seen(Decision d, List<Replica> replicas) {
        return new Observation(
                replicas,
                Optional.empty(),
                d.servable() ? Optional.of(d.config().version()) : Optional.empty(),
                Optional.empty(),
                null,
                List.of("203.0.113.5"));
    }

    private static List<Replica> on(String version, int n) {
        List<Replica> replicas = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            replicas.add(new Replica("web-proxy-" + i, version));
        }
        return replicas;
    }

    private static Condition condition(LoadBalancerStatus status, String type) {
        return Conditions.find(status.conditions, type).orElseThrow(() -> new AssertionError("no " + type));
    }

    private static ListenerStatus listener(LoadBalancerStatus status, String name) {
        return status.listeners.stream()
                .filter(l -> l.name.equals(name))
                .findFirst()
                .orElseThrow();
    }

    // ---- the tests

    @Test
    void aServedInstanceIsTrueThroughout() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        Decision d = decide(stored(spec, 1, null), null);

        Outcome out = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 2)), T0);

        LoadBalancerStatus s = out.status();
        assertThat(s.conditions)
                .extracting(Condition::getType, Condition::getStatus)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Accepted", "True"),
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True"),
                        org.assertj.core.groups.Tuple.tuple("Programmed", "True"),
                        org.assertj.core.groups.Tuple.tuple("Ready", "True"),
                        org.assertj.core.groups.Tuple.tuple("BackendsAvailable", "True"),
                        org.assertj.core.groups.Tuple.tuple("BackendsHealthy", "Unknown"));
        assertThat(s.conditions).allSatisfy(c -> {
            assertThat(c.getObservedGeneration()).isEqualTo(1L);
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-12-01T10:00:00Z");
        });
        assertThat(s.replicaSummary).isEqualTo("2/2");
        assertThat(s.tier).isEqualTo(Tier.S1_SMALL);
        assertThat(s.addresses).containsExactly("203.0.113.5");
        assertThat(s.listeners).allSatisfy(l -> {
            assertThat(l.websocket).isEqualTo("Enabled");
            assertThat(l.conditions).allSatisfy(c -> assertThat(c.getStatus()).isEqualTo("True"));
        });
        assertThat(out.events()).as("a healthy start announces nothing").isEmpty();
    }

    /** An SNI certificate's Secret missing: that domain alone waits; the listener and its other domains serve. */
    @Test
    void aMissingSniSecretMakesOnlyItsDomainWait() {
        app("10.1.0.1");
        secret("web-tls");
        secret("www-tls");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S2_SMALL;
        spec.listeners.get(1).tls.extraCertificates =
                new ArrayList<>(List.of(extra("api.example.com", "api-tls"), extra("*.example.com", "www-tls")));
        Decision d = decide(stored(spec, 1, null), null);

        assertThat(d.config().listener("secure").orElseThrow().tls().extraCertificates())
                .as("served: the listener, with the domain whose Secret exists")
                .containsExactly(dev.slb.model.ExtraCertificate.fromSecret("*.example.com", "www-tls"));
        Outcome out = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 2)), T0);

        Condition refs = condition(out.status(), "ResolvedRefs");
        assertThat(refs.getStatus()).isEqualTo("False");
        assertThat(refs.getReason()).isEqualTo("SecretNotFound");
        assertThat(refs.getMessage())
                .contains("Secret api-tls not found (listener secure serves its own certificate for api.example.com");
        ListenerStatus secure = listener(out.status(), "secure");
        assertThat(secure.websocket).isEqualTo("Enabled");
        assertThat(secure.conditions)
                .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "False", "SecretNotFound"),
                        org.assertj.core.groups.Tuple.tuple("Programmed", "True", "Programmed"));
        assertThat(secure.conditions.get(0).getMessage())
                .contains("the certificate for api.example.com waits for Secret api-tls")
                .doesNotContain("*.example.com");
        assertThat(out.events()).anySatisfy(e -> assertThat(e.toString()).contains("api-tls"));

        secret("api-tls");
        Decision resolved = decide(stored(spec, 1, null), null);
        assertThat(resolved.config().listener("secure").orElseThrow().tls().extraCertificates())
                .hasSize(2);
        assertThat(resolved.waitingDomains()).isEmpty();
    }

    /** A listener that asks for client certificates is never served without its CA: it waits, and says why. */
    @Test
    void aListenerWaitsForItsClientCaAndASecretWithoutCaCrtIsUnusable() {
        app("10.1.0.1");
        secret("web-tls");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S2_SMALL;
        spec.listeners.get(1).tls.clientAuthentication = new dev.slb.operator.api.ClientAuthenticationSpec();
        spec.listeners.get(1).tls.clientAuthentication.caSecretName = "clients-ca";

        Decision missing = decide(stored(spec, 1, null), null);
        assertThat(missing.waiting()).containsKey("secure");
        assertThat(missing.missing())
                .singleElement()
                .asString()
                .contains("Secret clients-ca not found (listener secure verifies client certificates against its"
                        + " ca.crt and is not served until it exists")
                .contains("kubectl create secret generic clients-ca -n default --from-file=ca.crt");

        secret("clients-ca"); // tls.crt and tls.key, no ca.crt
        Decision unusable = decide(stored(spec, 1, null), null);
        assertThat(unusable.waiting().get("secure").reason()).isEqualTo(Reason.InvalidSecret);
        assertThat(unusable.waiting().get("secure").message()).contains("Secret clients-ca has no ca.crt");

        secrets.put(
                "clients-ca",
                new SecretBuilder()
                        .withNewMetadata()
                        .withName("clients-ca")
                        .endMetadata()
                        .addToData("ca.crt", "Y2E=")
                        .build());
        Decision served = decide(stored(spec, 1, null), null);
        assertThat(served.waiting()).isEmpty();
        assertThat(served.config().listener("secure").orElseThrow().tls().clientAuthentication())
                .isEqualTo(new dev.slb.model.ClientAuthentication(
                        "clients-ca", null, dev.slb.model.ClientAuthentication.Mode.REQUIRE));
    }

    private static dev.slb.operator.api.ExtraCertificateSpec extra(String domain, String secretName) {
        dev.slb.operator.api.ExtraCertificateSpec c = new dev.slb.operator.api.ExtraCertificateSpec();
        c.domain = domain;
        c.secretName = secretName;
        return c;
    }

    /** The guaranteed sample: Secret missing, two of three Services missing. */
    @Test
    void aListenerWaitingForItsSecretAndMissingServicesShowAndTheListenerCarriesNoWebSocket() {
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S2_SMALL;
        spec.backends.add(TestingSpecs.service("chat", 8080));
        spec.backends.add(TestingSpecs.service("chat-canary", 8080));
        Decision d = decide(stored(spec, 1, null), null);

        Outcome out = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 2)), T0);

        Condition refs = condition(out.status(), "ResolvedRefs");
        assertThat(refs.getStatus()).isEqualTo("False");
        assertThat(refs.getReason()).isEqualTo("SecretNotFound");
        assertThat(refs.getMessage()).contains("Secret web-tls", "Service chat not found", "Service chat-canary");
        ListenerStatus secure = listener(out.status(), "secure");
        assertThat(secure.websocket).isEqualTo("Disabled");
        assertThat(secure.websocketReason).isEqualTo("ListenerNotServed");
        assertThat(secure.conditions)
                .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "False", "SecretNotFound"),
                        org.assertj.core.groups.Tuple.tuple("Programmed", "False", "SecretNotFound"));
        assertThat(listener(out.status(), "web").websocket).isEqualTo("Enabled");
        assertThat(out.events())
                .as("what needs attention is announced at once")
                .extracting(Note::reason)
                .containsExactly(Reason.SecretNotFound);
        assertThat(out.events().get(0).warning()).isTrue();
    }

    @Test
    void afterATierRaiseProgrammedWaitsForEveryReplicaTheNewTierRuns() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S2_MEDIUM;
        Decision d = decide(stored(spec, 2, null), Tier.S1_SMALL);

        Outcome out = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 2)), T0);

        Condition programmed = condition(out.status(), "Programmed");
        assertThat(programmed.getStatus()).isEqualTo("False");
        assertThat(programmed.getReason()).isEqualTo("ReplicasStarting");
        assertThat(programmed.getMessage()).startsWith("2 of 4 proxy replicas are ready");
        assertThat(out.status().replicaSummary).isEqualTo("2/4");
        assertThat(condition(out.status(), "Ready").getStatus()).isEqualTo("True");
    }

    @Test
    void aReplicaOnAnOlderConfigKeepsProgrammedFalseAndIsNamed() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        Decision d = decide(stored(spec, 3, null), null);
        List<Replica> replicas =
                List.of(new Replica("web-proxy-a", d.config().version()), new Replica("web-proxy-b", "old"));

        Condition programmed =
                condition(StatusAggregator.aggregate(d, seen(d, replicas), T0).status(), "Programmed");

        assertThat(programmed.getReason()).isEqualTo("Pending");
        assertThat(programmed.getMessage()).contains("1 of 2", "web-proxy-b serves old");
    }

    @Test
    void onlyWeightZeroBackendsOrNoneAtAllAreSaid() {
        secret("web-tls");
        app();
        LoadBalancerSpec none = spec();
        Decision noBackend = decide(stored(none, 1, null), null);
        Condition c1 = condition(
                StatusAggregator.aggregate(noBackend, seen(noBackend, List.of()), T0)
                        .status(),
                "BackendsAvailable");
        assertThat(c1.getReason()).isEqualTo("NoBackend");
        assertThat(c1.getMessage()).contains("503", "NoBackend");

        LoadBalancerSpec zero = spec();
        zero.backends.add(address("192.0.2.7", 80));
        zero.backends.get(1).weight = 0;
        Decision weightZero = decide(stored(zero, 1, null), null);
        Condition c2 = condition(
                StatusAggregator.aggregate(weightZero, seen(weightZero, List.of()), T0)
                        .status(),
                "BackendsAvailable");
        assertThat(c2.getStatus()).isEqualTo("False");
        assertThat(c2.getReason()).isEqualTo("AllBackendsWeightZero");
    }

    @Test
    void anInvalidSpecOnANeverServedInstanceDoesNotClaimAnythingKeepsServing() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(1).port = 80;
        Decision d = decide(stored(spec, 1, null), null);

        LoadBalancerStatus s =
                StatusAggregator.aggregate(d, seen(d, List.of()), T0).status();

        assertThat(condition(s, "Accepted").getMessage())
                .contains("nothing is served until it is fixed")
                .doesNotContain("keeps serving")
                .contains("spec.listeners[1].port");
        assertThat(condition(s, "Programmed").getReason()).isEqualTo("NotAccepted");
        assertThat(condition(s, "Ready").getReason()).isEqualTo("NotAccepted");
    }

    @Test
    void anInvalidSpecOnAServedInstanceSaysTheLastAcceptedConfigKeepsServing() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec good = spec();
        Decision served = decide(stored(good, 1, null), null);
        LoadBalancerStatus before = StatusAggregator.aggregate(
                        served, seen(served, on(served.config().version(), 1)), T0)
                .status();

        LoadBalancerSpec broken = spec();
        broken.listeners.get(1).port = 80;
        Decision d = decide(stored(broken, 2, before), Tier.SHARED);
        Observation o = new Observation(
                on(served.config().version(), 1),
                Optional.empty(),
                Optional.of(served.config().version()),
                Optional.empty(),
                null,
                List.of());
        Outcome out = StatusAggregator.aggregate(d, o, T1);

        assertThat(condition(out.status(), "Accepted").getMessage())
                .contains("the last accepted config (version " + served.config().version() + ") keeps serving");
        assertThat(condition(out.status(), "Ready").getStatus())
                .as("traffic is still served")
                .isEqualTo("True");
        assertThat(condition(out.status(), "Ready").getLastTransitionTime()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(condition(out.status(), "Programmed").getMessage()).contains("is served by 1 of 1");
        assertThat(out.status().listeners).isEqualTo(before.listeners);
        assertThat(out.events()).extracting(Note::reason).contains(Reason.InvalidSpec);
    }

    @Test
    void theTierInEffectComesFromWhatIsServedNotFromStatus() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerStatus forged = new LoadBalancerStatus();
        forged.tier = Tier.S3_XXLARGE;
        LoadBalancerSpec spec = spec();

        Decision d = decide(stored(spec, 1, forged), Tier.SHARED);

        assertThat(d.tier()).isEqualTo(Tier.SHARED);
        assertThat(d.config().limits().maxConnections()).isNull();
        Outcome out = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 1)), T0);
        assertThat(out.status().tier).isEqualTo(Tier.SHARED);
        assertThat(out.status().replicas).isEqualTo(1);
    }

    @Test
    void aRefusedDowngradeKeepsTheTierServedAndSaysSo() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.SHARED;

        Decision d = decide(stored(spec, 4, null), Tier.S2_SMALL);

        assertThat(d.tier()).isEqualTo(Tier.S2_SMALL);
        Condition accepted =
                condition(StatusAggregator.aggregate(d, seen(d, List.of()), T0).status(), "Accepted");
        assertThat(accepted.getReason()).isEqualTo("TierDowngradeNotSupported");
    }

    @Test
    void transitionsBecomeEventsAndASteadyStatusNone() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        Decision first = decide(stored(spec, 1, null), null);
        String v = first.config().version();
        LoadBalancerStatus starting =
                StatusAggregator.aggregate(first, seen(first, List.of()), T0).status();

        Decision again = decide(stored(spec, 1, starting), Tier.S1_SMALL);
        Outcome programmed = StatusAggregator.aggregate(again, seen(again, on(v, 2)), T1);
        assertThat(programmed.events())
                .extracting(Note::reason)
                .containsExactlyInAnyOrder(Reason.Programmed, Reason.Ready);
        assertThat(programmed.events()).noneMatch(Note::warning);

        Decision steady = decide(stored(spec, 1, programmed.status()), Tier.S1_SMALL);
        Outcome same = StatusAggregator.aggregate(steady, seen(steady, on(v, 2)), T1.plusSeconds(300));
        assertThat(same.events()).isEmpty();
        assertThat(same.status().conditions).isEqualTo(programmed.status().conditions);

        LoadBalancerSpec raised = spec();
        raised.tier = Tier.S2_SMALL;
        Decision tierRaise = decide(stored(raised, 2, programmed.status()), Tier.S1_SMALL);
        assertThat(StatusAggregator.aggregate(tierRaise, seen(tierRaise, on(v, 2)), T1)
                        .events())
                .extracting(Note::reason)
                .contains(Reason.TierChanged);
    }

    @Test
    void aChangeOnItsWayIsNoNewsItsArrivalIs() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        Decision first = decide(stored(spec, 1, null), null);
        LoadBalancerStatus programmed = StatusAggregator.aggregate(
                        first, seen(first, on(first.config().version(), 2)), T0)
                .status();

        app("10.1.0.1", "10.1.0.2");
        Decision changed = decide(stored(spec, 1, programmed), Tier.S1_SMALL);
        Outcome pending = StatusAggregator.aggregate(
                changed, seen(changed, on(first.config().version(), 2)), T1);
        assertThat(Conditions.find(pending.status().conditions, "Programmed")
                        .orElseThrow()
                        .getReason())
                .isEqualTo("Pending");
        assertThat(pending.events()).as("on its way").isEmpty();

        Decision arrived = decide(stored(spec, 1, pending.status()), Tier.S1_SMALL);
        assertThat(StatusAggregator.aggregate(
                                arrived, seen(arrived, on(arrived.config().version(), 2)), T1)
                        .events())
                .extracting(Note::reason)
                .containsExactly(Reason.Programmed);
    }

    /** The per-change report: once every replica serves the version and said what it did, then never again for it. */
    @Test
    void aConfigChangeIsReportedOnceWhenEveryReplicaServesItAndTheStatusKeepsIt() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        Decision first = decide(stored(spec, 1, null), null);
        String v = first.config().version();
        ReloadReport applied = new ReloadReport(
                true, List.of(new ReloadReport.Reload(v, T0, java.time.Duration.ofMillis(2), 600, 1, 0)));
        List<Replica> oneBehind =
                List.of(new Replica("web-proxy-0", v, null, applied), new Replica("web-proxy-1", "old", null, null));

        Outcome pending = StatusAggregator.aggregate(first, seen(first, oneBehind), T0);
        assertThat(pending.events()).extracting(Note::reason).doesNotContain(Reason.ConfigApplied);
        assertThat(pending.status().lastConfigChange).isNull();

        Decision again = decide(stored(spec, 1, pending.status()), Tier.S1_SMALL);
        List<Replica> both =
                List.of(new Replica("web-proxy-0", v, null, applied), new Replica("web-proxy-1", v, null, applied));
        Outcome reported = StatusAggregator.aggregate(again, seen(again, both), T1);
        assertThat(reported.events())
                .filteredOn(n -> n.reason() == Reason.ConfigApplied)
                .singleElement()
                .satisfies(n -> assertThat(n.message())
                        .isEqualTo("config version " + v
                                + " applied on 2/2 replicas: 1,200 connections kept, 0 closed, 2 draining."));
        assertThat(reported.status().lastConfigChange.version).isEqualTo(v);
        assertThat(reported.status().lastConfigChange.connectionsKept).isEqualTo(1_200);

        // The next reconciles (and a restarted operator, which reads the same status) report nothing new.
        Decision later = decide(stored(spec, 1, reported.status()), Tier.S1_SMALL);
        Outcome steady = StatusAggregator.aggregate(later, seen(later, both), T1.plusSeconds(60));
        assertThat(steady.events()).isEmpty();
        assertThat(steady.status().lastConfigChange).isSameAs(reported.status().lastConfigChange);
    }

    @Test
    void aChangedPodTemplateIsAnnouncedAsARoll() {
        secret("web-tls");
        app("10.1.0.1");
        Decision d = decide(stored(spec(), 1, null), null);
        Observation o =
                new Observation(List.of(), Optional.empty(), Optional.empty(), Optional.of("aaa"), "bbb", List.of());

        assertThat(StatusAggregator.aggregate(d, o, T0).events())
                .extracting(Note::reason)
                .contains(Reason.PodsRolling);
    }

    @Test
    void aProxyProtocolListenerThatTrustsEveryPeerIsAWarningUntilItNamesItsPeers() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        spec.listeners.get(0).proxyProtocol = true;
        Decision d = decide(stored(spec, 1, null), null);
        Outcome open = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 2)), T0);

        Condition trusting = Conditions.find(listener(open.status(), "web").conditions, "ProxyProtocolPeersRestricted")
                .orElseThrow();
        assertThat(trusting.getStatus()).isEqualTo("False");
        assertThat(trusting.getReason()).isEqualTo("TrustsEveryPeer");
        assertThat(trusting.getMessage()).contains("proxyProtocolTrustedCidrs");
        assertThat(Conditions.find(listener(open.status(), "secure").conditions, "ProxyProtocolPeersRestricted"))
                .as("a listener without proxyProtocol")
                .isEmpty();
        assertThat(open.events())
                .filteredOn(n -> n.reason() == Reason.TrustsEveryPeer)
                .singleElement()
                .satisfies(n -> {
                    assertThat(n.warning()).isTrue();
                    assertThat(n.message()).startsWith("listener web: ");
                });
        Decision same = decide(stored(spec, 1, open.status()), Tier.S1_SMALL);
        assertThat(StatusAggregator.aggregate(same, seen(same, on(d.config().version(), 2)), T1)
                        .events())
                .as("said once, not at every reconcile")
                .isEmpty();

        spec.listeners.get(0).proxyProtocolTrustedCidrs = List.of("10.0.0.0/8");
        Decision restricted = decide(stored(spec, 2, open.status()), Tier.S1_SMALL);
        Outcome named = StatusAggregator.aggregate(
                restricted, seen(restricted, on(restricted.config().version(), 2)), T1);
        assertThat(Conditions.find(listener(named.status(), "web").conditions, "ProxyProtocolPeersRestricted"))
                .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
        assertThat(named.events())
                .filteredOn(n -> n.reason() == Reason.ProxyProtocolPeersRestricted)
                .singleElement()
                .satisfies(n -> assertThat(n.warning()).isFalse());

        spec.listeners.get(0).proxyProtocol = false;
        spec.listeners.get(0).proxyProtocolTrustedCidrs = null;
        Decision off = decide(stored(spec, 3, named.status()), Tier.S1_SMALL);
        assertThat(Conditions.find(
                        listener(
                                        StatusAggregator.aggregate(off, seen(off, List.of()), T1)
                                                .status(),
                                        "web")
                                .conditions,
                        "ProxyProtocolPeersRestricted"))
                .as("no stale condition once the listener reads no header")
                .isEmpty();
    }

    @Test
    void rulesThatReadAsTheSameHostAndPathAreAWarningNamingThem() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        spec.backendGroups = new ArrayList<>(
                List.of(group("a", null, address("192.0.2.1", 8080)), group("b", null, address("192.0.2.2", 8080))));
        spec.listeners.get(0).rules = new ArrayList<>(List.of(
                rule(null, "/API", "a"),
                rule(null, "/v1", "a"),
                rule(null, "/api/", "b"),
                rule("x.example.com", "/api", "b"),
                rule(null, "/v1;x", "b"),
                rule("y.example.com", null, "a"),
                rule("y.example.com", "/", "b"),
                rule(null, "//Api", "b")));
        Decision d = decide(stored(spec, 1, null), null);
        assertThat(d.valid())
                .as("accepted: refusing would stop a running instance")
                .isTrue();
        Outcome first = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 2)), T0);

        Condition collide = Conditions.find(listener(first.status(), "web").conditions, "RulesDistinct")
                .orElseThrow();
        assertThat(collide.getStatus()).isEqualTo("False");
        assertThat(collide.getReason()).isEqualTo("RulesCollide");
        assertThat(collide.getMessage())
                .contains(
                        "rules[0] (path /API), rules[2] (path /api/) and rules[7] (path //Api): rules[0], written"
                                + " first, gets every request they match, the others none",
                        "rules[1] (path /v1) and rules[4] (path /v1;x): rules[1], written first, gets every request they"
                                + " match, rules[4] none",
                        "rules[5] (host y.example.com, any path) and rules[6] (host y.example.com, path /)")
                .doesNotContain("rules[3]");
        assertThat(Conditions.find(listener(first.status(), "secure").conditions, "RulesDistinct"))
                .as("a listener without rules")
                .isEmpty();
        assertThat(first.events())
                .filteredOn(n -> n.reason() == Reason.RulesCollide)
                .singleElement()
                .satisfies(n -> {
                    assertThat(n.warning()).isTrue();
                    assertThat(n.message()).startsWith("listener web: ");
                });
        Decision same = decide(stored(spec, 1, first.status()), Tier.S1_SMALL);
        assertThat(StatusAggregator.aggregate(same, seen(same, on(d.config().version(), 2)), T1)
                        .events())
                .as("said once, not at every reconcile")
                .isEmpty();

        spec.listeners.get(0).rules = new ArrayList<>(List.of(
                rule(null, "/api", "a"),
                rule(null, "/%zz", "b"),
                rule(null, "/../admin", "b"),
                rule(null, "/a%00", "b")));
        Decision unreadable = decide(stored(spec, 2, first.status()), Tier.S1_SMALL);
        Outcome second = StatusAggregator.aggregate(
                unreadable, seen(unreadable, on(unreadable.config().version(), 2)), T1);
        Condition c = Conditions.find(listener(second.status(), "web").conditions, "RulesDistinct")
                .orElseThrow();
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("RulePathUnreadable");
        assertThat(c.getMessage())
                .contains(
                        "rules[1] (path /%zz): a '%' not followed by two hex digits",
                        "rules[2] (path /../admin): a '..' segment that climbs above the root",
                        "rules[3] (path /a%00): an encoded NUL")
                .doesNotContain("rules[0]");
        assertThat(second.events())
                .filteredOn(n -> n.reason() == Reason.RulePathUnreadable)
                .singleElement()
                .satisfies(n -> assertThat(n.warning()).isTrue());

        spec.listeners.get(0).rules = new ArrayList<>(List.of(rule(null, "/api", "a"), rule(null, "/%25zz", "b")));
        Decision fixed = decide(stored(spec, 3, second.status()), Tier.S1_SMALL);
        Outcome third =
                StatusAggregator.aggregate(fixed, seen(fixed, on(fixed.config().version(), 2)), T1);
        assertThat(Conditions.find(listener(third.status(), "web").conditions, "RulesDistinct"))
                .hasValueSatisfying(ok -> {
                    assertThat(ok.getStatus()).isEqualTo("True");
                    assertThat(ok.getReason()).isEqualTo("RulesDistinct");
                });
        assertThat(third.events())
                .filteredOn(n -> n.reason() == Reason.RulesDistinct)
                .singleElement()
                .satisfies(n -> assertThat(n.warning()).isFalse());

        spec.listeners.get(0).rules = null;
        Decision none = decide(stored(spec, 4, third.status()), Tier.S1_SMALL);
        assertThat(Conditions.find(
                        listener(
                                        StatusAggregator.aggregate(none, seen(none, List.of()), T1)
                                                .status(),
                                        "web")
                                .conditions,
                        "RulesDistinct"))
                .as("no stale condition once the listener has no rules")
                .isEmpty();
    }

    /**
     * A rule path that reads, but not as it is written, is a warning of its own saying what the rule
     * matches: ';' parameters (it matches as the path before them) and an escaped '/', '\' or ';'
     * (read two ways by the proxy). Nothing is refused; rules that also collide keep RulesCollide,
     * and the message says both.
     */
    @Test
    void rulePathsThatMatchOtherwiseThanWrittenAreAWarningOfTheirOwn() {
        secret("web-tls");
        app("10.1.0.1");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        spec.backendGroups = new ArrayList<>(List.of(group("a", null, address("192.0.2.1", 8080))));
        spec.listeners.get(0).rules = new ArrayList<>(List.of(
                rule(null, "/v1;x", "a"),
                rule(null, "/files/a%2fb", "a"),
                rule(null, "/w%5Cx%3By", "a"),
                rule(null, "/plain", "a"),
                rule(null, "/%25zz", "a")));
        Decision d = decide(stored(spec, 1, null), null);
        assertThat(d.valid()).as("accepted: a warning, not a refusal").isTrue();
        Outcome first = StatusAggregator.aggregate(d, seen(d, on(d.config().version(), 2)), T0);

        Condition c = Conditions.find(listener(first.status(), "web").conditions, "RulesDistinct")
                .orElseThrow();
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("RulePathAmbiguous");
        assertThat(c.getMessage())
                .contains(
                        "rules[0] (path /v1;x) matches as /v1, every path under it: a ';' starts parameters",
                        "rules[1] (path /files/a%2fb) matches only requests that spell %2F ('/') escaped too",
                        "rules[2] (path /w%5Cx%3By) matches only requests that spell %5C ('\\', which backends that"
                                + " decode it read as '/') and %3B (';', which then starts parameters) escaped too",
                        "such a request is refused (400)",
                        "Nothing is refused")
                .doesNotContain("rules[3]", "rules[4]");
        assertThat(first.events())
                .filteredOn(n -> n.reason() == Reason.RulePathAmbiguous)
                .singleElement()
                .satisfies(n -> assertThat(n.warning()).isTrue());

        spec.listeners.get(0).rules.add(rule(null, "/v1", "a"));
        Decision colliding = decide(stored(spec, 2, first.status()), Tier.S1_SMALL);
        Condition both = Conditions.find(
                        listener(
                                        StatusAggregator.aggregate(
                                                        colliding,
                                                        seen(
                                                                colliding,
                                                                on(
                                                                        colliding
                                                                                .config()
                                                                                .version(),
                                                                        2)),
                                                        T1)
                                                .status(),
                                        "web")
                                .conditions,
                        "RulesDistinct")
                .orElseThrow();
        assertThat(both.getReason()).isEqualTo("RulesCollide");
        assertThat(both.getMessage())
                .contains("rules[0] (path /v1;x) and rules[5] (path /v1)", "rules[0] (path /v1;x) matches as /v1");
    }

    @Test
    void theSharedTierSaysWebSocketIsOffOnceAndWhy() {
        secret("web-tls");
        app("10.1.0.1");
        Decision d = decide(stored(spec(), 1, null), null);

        Outcome out = StatusAggregator.aggregate(d, seen(d, List.of()), T0);

        assertThat(out.status().listeners).allSatisfy(l -> {
            assertThat(l.websocket).isEqualTo("Disabled");
            assertThat(l.websocketReason).isEqualTo("RequiresGuaranteedPerformance");
        });
        assertThat(out.events()).extracting(Note::reason).contains(Reason.RequiresGuaranteedPerformance);
        Decision again = decide(stored(spec(), 1, out.status()), Tier.SHARED);
        assertThat(StatusAggregator.aggregate(again, seen(again, List.of()), T1).events())
                .extracting(Note::reason)
                .doesNotContain(Reason.RequiresGuaranteedPerformance);
    }

    @Test
    void backendHealthIsWhatMostReplicasReportAndFailingOpenIsSaid() {
        app("10.1.0.1", "10.1.0.2");
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        spec.listeners.remove(1);
        Decision d = decide(stored(spec, 1, null), null);
        String v = d.config().version();
        int port = d.config().listeners().get(0).backends().get(0).port();

        // Two of three replicas say 10.1.0.2 is out: it is; one says 10.1.0.1 is: it is not.
        Outcome some = StatusAggregator.aggregate(
                d,
                seen(
                        d,
                        List.of(
                                new Replica("web-proxy-0", v, report(port, true, false)),
                                new Replica("web-proxy-1", v, report(port, true, false)),
                                new Replica("web-proxy-2", v, report(port, false, true)))),
                T0);
        Condition c = condition(some.status(), "BackendsHealthy");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("UnhealthyBackends");
        assertThat(c.getMessage())
                .contains("listener web: 1 of 2 healthy; unhealthy: 10.1.0.2:" + port + " (status 404)");
        assertThat(listener(some.status(), "web").backends.healthy).isEqualTo(1);
        assertThat(listener(some.status(), "web").backends.total).isEqualTo(2);
        assertThat(some.status().backendSummary).isEqualTo("1/2");

        Outcome none = StatusAggregator.aggregate(
                d, seen(d, List.of(new Replica("web-proxy-0", v, report(port, false, false)))), T0);
        Condition open = condition(none.status(), "BackendsHealthy");
        assertThat(open.getReason()).isEqualTo("NoHealthyBackend");
        assertThat(open.getMessage())
                .contains("failing open")
                .contains("10.1.0.1:" + port + " (status 404)")
                .contains("healthCheck.path");
        assertThat(none.events()).extracting(StatusAggregator.Note::reason).contains(Reason.NoHealthyBackend);

        Outcome all = StatusAggregator.aggregate(
                d, seen(d, List.of(new Replica("web-proxy-0", v, report(port, true, true)))), T0);
        assertThat(condition(all.status(), "BackendsHealthy").getStatus()).isEqualTo("True");
        assertThat(all.status().backendSummary).isEqualTo("2/2");
    }

    private static BackendHealthReport report(int port, boolean first, boolean second) {
        return new BackendHealthReport(List.of(
                new BackendHealthReport.Entry("web", "10.1.0.1", port, first, first ? null : "status 404"),
                new BackendHealthReport.Entry("web", "10.1.0.2", port, second, second ? null : "status 404")));
    }
}
