package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.address;
import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.listener;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.AccessControl;
import dev.slb.model.Backend;
import dev.slb.model.ConfigCodec;
import dev.slb.model.ForwardedHeaders;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.model.TlsPolicy;
import dev.slb.operator.api.AccessControlSpec;
import dev.slb.operator.api.AccessListSpec;
import dev.slb.operator.api.DrainSpec;
import dev.slb.operator.api.ForwardedHeadersSpec;
import dev.slb.operator.api.HealthCheckSpec;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Tier;
import dev.slb.operator.api.TlsCipherPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyConfigsTest {
    private static final OperatorSettings SETTINGS = OperatorSettings.defaults();
    private static final ServiceKey APP = new ServiceKey("app", 8080);
    private static final Map<ServiceKey, List<ResolvedEndpoint>> ENDPOINTS = Map.of(
            APP,
            List.of(
                    new ResolvedEndpoint("10.0.0.2", 8080, true),
                    new ResolvedEndpoint("10.0.0.1", 8080, true),
                    new ResolvedEndpoint("10.0.0.3", 8080, false)));

    @Test
    void portsBelow1024MoveUpBy10000() {
        assertThat(ProxyConfigs.podPort(80)).isEqualTo(10080);
        assertThat(ProxyConfigs.podPort(1023)).isEqualTo(11023);
        assertThat(ProxyConfigs.podPort(1024)).isEqualTo(1024);
        assertThat(ProxyConfigs.podPort(8443)).isEqualTo(8443);
    }

    /**
     * What an instance created before keep-alive and header switches existed becomes: its idle
     * HTTP connections close after 15 s (they waited idleTimeoutSeconds, 60, before), X-Forwarded-Proto
     * stays on, the other product headers stay off, and X-Forwarded-Port names the Service port. The
     * switches at their defaults are left out of the written config, as the keep-alive timeout is;
     * only the Service port of a listener below 1024 is new in it.
     */
    @Test
    void anExistingInstanceGetsTheKeepAliveDefaultAndItsServicePorts() {
        ProxyConfig config = ProxyConfigs.render(lb(Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        Listener web = config.listener("web").orElseThrow();
        assertThat(web.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(web.httpKeepaliveTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(web.forwardedHeaders()).isEqualTo(new ForwardedHeaders(true, false, false, false));
        assertThat(web.port()).isEqualTo(10080);
        assertThat(web.clientFacingPort()).isEqualTo(80);
        assertThat(ConfigCodec.write(config))
                .doesNotContain("httpKeepaliveTimeout", "forwardedHeaders")
                .contains("servicePort: 80", "servicePort: 443");

        LoadBalancerSpec spec = spec();
        spec.listeners.get(0).httpKeepaliveTimeoutSeconds = 60;
        ForwardedHeadersSpec switches = new ForwardedHeadersSpec();
        switches.slbId = true;
        spec.listeners.get(0).forwardedHeaders = switches;
        spec.listeners.add(listener("db", ListenerProtocol.TCP, 5432));
        ProxyConfig set = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        Listener setWeb = set.listener("web").orElseThrow();
        assertThat(setWeb.httpKeepaliveTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(setWeb.forwardedHeaders()).isEqualTo(new ForwardedHeaders(true, false, true, false));
        Listener db = set.listener("db").orElseThrow();
        assertThat(db.forwardedHeaders()).as("TCP adds no headers").isNull();
        assertThat(db.servicePort()).as("the pod port is the Service port").isNull();
        assertThat(ConfigCodec.write(set)).contains("httpKeepaliveTimeout: 1m", "slbId: true");
    }

    @Test
    void accessListsAreMergedIntoOneForTheProxy() {
        LoadBalancerSpec spec = spec();
        AccessControlSpec a = SpecsTest.access(AccessControlSpec.Type.Allow, "10.0.0.0/8");
        AccessListSpec second = new AccessListSpec();
        second.cidrs = List.of("2001:db8::/32", "198.51.100.7");
        a.lists = List.of(a.lists.get(0), second);
        spec.listeners.get(0).accessControl = a;
        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(config.listener("web").orElseThrow().accessControl())
                .isEqualTo(new AccessControl(
                        AccessControl.Type.ALLOW, List.of("10.0.0.0/8", "2001:db8::/32", "198.51.100.7")));
        assertThat(config.listener("secure").orElseThrow().accessControl()).isNull();
        assertThat(ConfigCodec.write(config)).contains("accessControl:", "type: allow");
    }

    @Test
    void trustedProxyProtocolPeersReachTheProxyAndAbsentWritesNothing() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(0).proxyProtocol = true;
        spec.listeners.get(0).proxyProtocolTrustedCidrs = List.of("10.0.0.0/8", "2001:db8::/32");
        spec.listeners.get(1).proxyProtocol = true;
        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(config.listener("web").orElseThrow().proxyProtocolTrustedCidrs())
                .containsExactly("10.0.0.0/8", "2001:db8::/32");
        // Absent trusts every peer, as before the field: the config an earlier proxy reads is unchanged.
        assertThat(config.listener("secure").orElseThrow().proxyProtocolTrustedCidrs())
                .isEmpty();
        assertThat(ConfigCodec.write(config)).containsOnlyOnce("proxyProtocolTrustedCidrs");
    }

    /**
     * The instance's address is written for SLB-IP only: an instance whose listeners do not send it
     * renders the same config, byte for byte, whatever its Service says; one that does gets the
     * address, unless the Service gives something that is no address.
     */
    @Test
    void theInstanceAddressIsWrittenOnlyWhereSlbIpIsSent() {
        ProxyConfig without = ProxyConfigs.render(lb(Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(ProxyConfigs.render(
                        lb(Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS, java.util.Optional.of("203.0.113.5")))
                .as("no listener sends SLB-IP")
                .isEqualTo(without);

        LoadBalancerSpec spec = spec();
        ForwardedHeadersSpec switches = new ForwardedHeadersSpec();
        switches.slbIp = true;
        spec.listeners.get(1).forwardedHeaders = switches;
        LoadBalancer sends = lb(spec, Tier.S1_SMALL);
        ProxyConfig unknown = ProxyConfigs.render(sends, Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(unknown.instanceAddress()).as("no address yet").isNull();
        ProxyConfig known =
                ProxyConfigs.render(sends, Tier.S1_SMALL, ENDPOINTS, SETTINGS, java.util.Optional.of("203.0.113.5"));
        assertThat(known.instanceAddress()).isEqualTo("203.0.113.5");
        assertThat(known.version()).as("a new config version").isNotEqualTo(unknown.version());
        assertThat(ProxyConfigs.render(
                                sends,
                                Tier.S1_SMALL,
                                ENDPOINTS,
                                SETTINGS,
                                java.util.Optional.of("lb.example.com\r\nX: y"))
                        .instanceAddress())
                .as("not an address: left out, as the proxy would refuse it")
                .isNull();
    }

    @Test
    void readyEndpointsBecomeBackendsInAStableOrder() {
        ProxyConfig config = ProxyConfigs.render(lb(Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);

        assertThat(config.listeners())
                .allSatisfy(l -> assertThat(l.backends())
                        .containsExactly(new Backend("10.0.0.1", 8080, 100), new Backend("10.0.0.2", 8080, 100)));
    }

    @Test
    void aServiceWithNoResolvedEndpointsContributesNoBackends() {
        ProxyConfig config = ProxyConfigs.render(lb(Tier.S1_SMALL), Tier.S1_SMALL, Map.of(), SETTINGS);
        assertThat(config.listeners()).allSatisfy(l -> assertThat(l.backends()).isEmpty());
    }

    @Test
    void equalInputGivesAnEqualVersionAndAnyChangeANewOne() {
        ProxyConfig first = ProxyConfigs.render(lb(Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        ProxyConfig again = ProxyConfigs.render(
                lb(Tier.S1_SMALL), Tier.S1_SMALL, Map.of(APP, reversed(ENDPOINTS.get(APP))), SETTINGS);
        ProxyConfig endpointGone = ProxyConfigs.render(
                lb(Tier.S1_SMALL), Tier.S1_SMALL, Map.of(APP, ENDPOINTS.get(APP).subList(0, 1)), SETTINGS);
        ProxyConfig otherTier = ProxyConfigs.render(lb(Tier.S2_SMALL), Tier.S2_SMALL, ENDPOINTS, SETTINGS);

        assertThat(first.version()).hasSize(16).matches("[0-9a-f]+");
        assertThat(again).isEqualTo(first);
        assertThat(endpointGone.version()).isNotEqualTo(first.version());
        assertThat(otherTier.version()).isNotEqualTo(first.version());
        assertThat(ConfigCodec.write(again)).isEqualTo(ConfigCodec.write(first));
    }

    @Test
    void sharedTierTurnsWebSocketOffWithAMessageNamingTheFieldAndTheTiers() {
        ProxyConfig config = ProxyConfigs.render(lb(Tier.SHARED), Tier.SHARED, ENDPOINTS, SETTINGS);

        assertThat(config.listeners()).allSatisfy(l -> {
            assertThat(l.websocketEnabled()).isFalse();
            assertThat(l.websocket().disabledReason()).isEqualTo("RequiresGuaranteedPerformance");
            assertThat(l.websocket().disabledMessage())
                    .isEqualTo("WebSocket needs a guaranteed-performance tier. "
                            + "Set spec.tier of LoadBalancer default/web to slb.s1.small or larger (kubectl patch slb web -n "
                            + "default --type merge -p '{\"spec\":{\"tier\":\"slb.s1.small\"}}'); WebSocket is then on by "
                            + "default.");
        });
        assertThat(config.limits().maxConnections()).isNull();
    }

    @Test
    void guaranteedTierTurnsWebSocketOnWithTheKeepalive() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(1).websocketKeepaliveSeconds = 25;
        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S2_SMALL), Tier.S2_SMALL, ENDPOINTS, SETTINGS);

        assertThat(config.listener("web").orElseThrow().websocket().isEnabled()).isTrue();
        assertThat(config.listener("web").orElseThrow().websocket().keepalivePingInterval())
                .isNull();
        assertThat(config.listener("secure").orElseThrow().websocket().keepalivePingInterval())
                .isEqualTo(Duration.ofSeconds(25));
        assertThat(config.limits().maxConnections()).isEqualTo(25_000);
    }

    @Test
    void theTierInEffectDecidesNotTheSpec() {
        // A refused downgrade: spec says shared, the guaranteed tier keeps serving.
        ProxyConfig config = ProxyConfigs.render(lb(Tier.SHARED), Tier.S2_SMALL, ENDPOINTS, SETTINGS);
        assertThat(config.listeners())
                .allSatisfy(l -> assertThat(l.websocketEnabled()).isTrue());
    }

    @Test
    void tcpListenersCarryNoWebSocket() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(listener("db", ListenerProtocol.TCP, 5432));
        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(config.listener("db").orElseThrow().websocket()).isNull();
    }

    @Test
    void tlsComesFromTheSecretByNameAndThePolicyOnlyOnGuaranteedTiers() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(1).tls.policy = TlsCipherPolicy.TLS_CIPHER_POLICY_1_2_STRICT;

        Listener guaranteed = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS)
                .listener("secure")
                .orElseThrow();
        Listener shared = ProxyConfigs.render(lb(spec, Tier.SHARED), Tier.SHARED, ENDPOINTS, SETTINGS)
                .listener("secure")
                .orElseThrow();

        assertThat(guaranteed.tls().secretName()).isEqualTo("web-tls");
        assertThat(guaranteed.tls().certificateFile()).isNull();
        assertThat(guaranteed.tls().privateKeyFile()).isNull();
        assertThat(guaranteed.tls().policy()).isEqualTo(TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT);
        assertThat(shared.tls().policy()).isEqualTo(TlsPolicy.DEFAULT);
    }

    /** Absent means the default, which the config leaves out: what a proxy of the earlier release reads as its own. */
    @Test
    void aListenerNamingNoPolicyServesTheDefaultAndTheConfigLeavesItOut() {
        ProxyConfig config = ProxyConfigs.render(lb(spec(), Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);

        assertThat(config.listener("secure").orElseThrow().tls().policy())
                .isEqualTo(TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3);
        assertThat(ProxyConfigs.yaml(config)).contains("secretName: web-tls").doesNotContain("policy:");
    }

    @Test
    void listenersBindAllAddressesOnTheirPodPortWithTheSpecTimeouts() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(0).idleTimeoutSeconds = 120;
        spec.listeners.get(0).requestTimeoutSeconds = 15;
        spec.backends.add(address("192.0.2.1", 81));
        spec.backends.get(1).weight = 50;
        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        Listener web = config.listener("web").orElseThrow();

        assertThat(web.bindAddress()).isNull();
        assertThat(web.port()).isEqualTo(10080);
        assertThat(web.idleTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(web.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(web.backends()).endsWith(new Backend("192.0.2.1", 81, 50));
        assertThat(config.admin().bindAddress()).isNull();
        assertThat(config.admin().port()).isEqualTo(9901);
        assertThat(config.drain()).isEqualTo(SETTINGS.drain());
    }

    @Test
    void requestLimitsReachTheProxyAndAtTheirDefaultsLeaveTheConfigAsAnEarlierOperatorWroteIt() {
        LoadBalancerSpec spec = spec();
        LoadBalancer defaults = lb(spec, Tier.S1_SMALL);
        String before = ProxyConfigs.yaml(ProxyConfigs.render(defaults, Tier.S1_SMALL, ENDPOINTS, SETTINGS));
        // The release before these fields had no such keys; the proxy of that release refuses unknown ones.
        assertThat(before).doesNotContain("maxHeaders:", "requestHeaderTimeout", "minRequestBodyBytesPerSecond");

        spec.listeners.get(0).maxHeaders = 50;
        spec.listeners.get(0).requestHeaderTimeoutSeconds = 5;
        spec.listeners.get(0).minRequestBodyBytesPerSecond = 4096;
        Listener web = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS)
                .listener("web")
                .orElseThrow();
        assertThat(web.maxHeaders()).isEqualTo(50);
        assertThat(web.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(web.minRequestBodyBytesPerSecond()).isEqualTo(4096);
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new java.util.ArrayList<>(list);
        java.util.Collections.reverse(copy);
        return copy;
    }

    @Test
    void theRenderedConfigParsesBack() throws Exception {
        LoadBalancer lb = lb(Tier.S3_LARGE);
        ProxyConfig config = ProxyConfigs.render(lb, Tier.S3_LARGE, ENDPOINTS, SETTINGS);
        assertThat(ConfigCodec.parse(ProxyConfigs.yaml(config))).isEqualTo(config);
    }

    @Test
    void terminatingEndpointsStayAsDrainingBackendsAndNotReadyOnesGo() {
        Map<ServiceKey, List<ResolvedEndpoint>> endpoints = Map.of(
                APP,
                List.of(
                        new ResolvedEndpoint("10.0.0.2", 8080, false, true),
                        new ResolvedEndpoint("10.0.0.1", 8080, true, false),
                        new ResolvedEndpoint("10.0.0.3", 8080, false, false)));
        ProxyConfig config = ProxyConfigs.render(lb(Tier.S1_SMALL), Tier.S1_SMALL, endpoints, SETTINGS);

        assertThat(config.listeners().get(0).backends())
                .containsExactly(new Backend("10.0.0.1", 8080, 100), new Backend("10.0.0.2", 8080, 100, true));
    }

    @Test
    void healthChecksAreRenderedWholeUnlessTurnedOff() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(listener("db", ListenerProtocol.TCP, 5432));
        spec.listeners.get(1).healthCheck = new HealthCheckSpec();
        spec.listeners.get(1).healthCheck.enabled = false;
        spec.listeners.get(0).connectionDrainSeconds = 5;
        spec.listeners.get(0).ejectOnServerErrors = true;
        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);

        Listener web = config.listeners().get(0);
        assertThat(web.healthCheck()).isEqualTo(HealthCheck.defaults().withDefaultProtocol(HealthCheck.Kind.HTTP));
        assertThat(web.connectionDrain()).isEqualTo(Duration.ofSeconds(5));
        assertThat(web.ejectOnServerErrors()).isTrue();
        assertThat(config.listeners().get(1).healthCheck()).as("turned off").isNull();
        HealthCheck db = config.listeners().get(2).healthCheck();
        assertThat(db.protocol()).isEqualTo(HealthCheck.Kind.TCP);
        assertThat(ConfigCodec.write(config)).contains("connectionDrain: 5s", "ejectOnServerErrors: true");
    }

    @Test
    void specDrainOverridesTheOperatorsAndCoversTheTerminationGracePeriod() {
        LoadBalancerSpec spec = spec();
        spec.drain = new DrainSpec();
        spec.drain.timeoutSeconds = 120;
        LoadBalancer lb = lb(spec, Tier.S1_SMALL);

        ProxyConfig config = ProxyConfigs.render(lb, Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(config.drain().timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(config.drain().readinessGracePeriod()).isEqualTo(SETTINGS.readinessGracePeriod());
        assertThat(ProxyResources.deployment(lb, Tier.S1_SMALL, SETTINGS)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getTerminationGracePeriodSeconds())
                .isEqualTo(5 + 120 + 15);
    }
}
