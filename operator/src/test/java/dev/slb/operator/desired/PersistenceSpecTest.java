package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ConfigValidator;
import dev.slb.model.Persistence;
import dev.slb.model.ProxyConfig;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.operator.api.BackendProxyProtocol;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.PersistenceSpec;
import dev.slb.operator.api.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** persistence and backendProxyProtocol: off by default, their defaults, their refusals. */
class PersistenceSpecTest {
    private static PersistenceSpec persistence(PersistenceSpec.Type type, Integer timeout) {
        PersistenceSpec p = new PersistenceSpec();
        p.type = type;
        p.timeoutSeconds = timeout;
        return p;
    }

    private static ProxyConfig render(LoadBalancer lb) {
        return ProxyConfigs.render(lb, Tier.S1_SMALL, Map.of(), OperatorSettings.defaults());
    }

    @Test
    void offUnlessGivenAndThenFor300SecondsUnlessToldOtherwise() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(TestingSpecs.listener("db", ListenerProtocol.TCP, 5432));
        spec.listeners.add(TestingSpecs.listener("dns", ListenerProtocol.TCP, 5353));
        spec.listeners.add(TestingSpecs.listener("plain", ListenerProtocol.TCP, 6000));
        spec.listeners.get(2).persistence = persistence(PersistenceSpec.Type.SourceIP, null);
        spec.listeners.get(3).persistence = persistence(PersistenceSpec.Type.SourceIP, 0);
        ProxyConfig config = render(lb(Specs.normalize(spec), Tier.S1_SMALL));
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(config.listener("db").orElseThrow().persistence())
                .isEqualTo(Persistence.sourceIp(Duration.ofSeconds(300)));
        assertThat(config.listener("dns").orElseThrow().persistence().timeout()).isZero();
        assertThat(config.listener("plain").orElseThrow().persistence()).isNull();
        assertThat(config.listener("web").orElseThrow().persistence()).isNull();
        // Also without normalize, as the reconciler renders what validation let through.
        assertThat(render(lb(spec, Tier.S1_SMALL)).listener("db").orElseThrow().persistence())
                .isEqualTo(Persistence.sourceIp(Duration.ofSeconds(300)));
    }

    @Test
    void badSettingsAreRefusedSayingWhatToDo() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(0).persistence = persistence(PersistenceSpec.Type.SourceIP, null);
        spec.listeners.add(TestingSpecs.listener("db", ListenerProtocol.TCP, 5432));
        spec.listeners.get(2).persistence = persistence(null, 3601);
        List<String> problems = Specs.validate(Specs.normalize(spec)).stream()
                .map(p -> p.field() + ": " + p.message())
                .toList();
        assertThat(problems)
                .containsExactly(
                        "spec.listeners[0].persistence: only TCP and UDP listeners keep clients by source address;"
                                + " HTTP and HTTPS listeners use stickySession",
                        "spec.listeners[2].persistence.type: is required: SourceIP",
                        "spec.listeners[2].persistence.timeoutSeconds: 3601 is out of range: use 0..3600 seconds (0"
                                + " remembers nothing: the hash alone decides)");
    }

    @Test
    void theBackendProxyHeaderIsOffUnlessGivenAndTcpOnly() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(TestingSpecs.listener("db", ListenerProtocol.TCP, 5432));
        spec.listeners.get(2).backendProxyProtocol = BackendProxyProtocol.V1;
        ProxyConfig config = render(lb(Specs.normalize(spec), Tier.S1_SMALL));
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(config.listener("db").orElseThrow().backendProxyProtocol()).isEqualTo(ProxyProtocolVersion.V1);
        assertThat(config.listener("web").orElseThrow().backendProxyProtocol()).isNull();

        spec.listeners.get(0).backendProxyProtocol = BackendProxyProtocol.V2;
        assertThat(Specs.validate(Specs.normalize(spec)).stream()
                        .map(p -> p.field() + ": " + p.message())
                        .toList())
                .containsExactly("spec.listeners[0].backendProxyProtocol: only TCP and UDP listeners send a PROXY"
                        + " protocol header to backends; HTTP and HTTPS listeners tell them the client in"
                        + " X-Forwarded-For");
    }
}
