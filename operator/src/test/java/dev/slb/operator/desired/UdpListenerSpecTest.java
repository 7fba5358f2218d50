package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ConfigValidator;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.Persistence;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.operator.api.BackendProxyProtocol;
import dev.slb.operator.api.ForwardedHeadersSpec;
import dev.slb.operator.api.HealthCheckProtocol;
import dev.slb.operator.api.HealthCheckSpec;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.PersistenceSpec;
import dev.slb.operator.api.StickySessionSpec;
import dev.slb.operator.api.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** protocol: UDP in the spec: its defaults, what it takes, what it refuses, and the config it renders. */
class UdpListenerSpecTest {
    private static ProxyConfig render(LoadBalancer lb) {
        return ProxyConfigs.render(lb, Tier.S1_SMALL, Map.of(), OperatorSettings.defaults());
    }

    private static List<String> problems(LoadBalancerSpec spec) {
        return Specs.validate(Specs.normalize(spec)).stream()
                .map(p -> p.field() + ": " + p.message())
                .toList();
    }

    private static ListenerSpec dns(int port) {
        return TestingSpecs.listener("dns", ListenerProtocol.UDP, port);
    }

    @Test
    void aUdpListenerIdlesOutAfter90sAndIsCheckedByDatagramUnlessToldOtherwise() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(dns(53));
        // The same port number over TCP is another port.
        spec.listeners.add(TestingSpecs.listener("dns-tcp", ListenerProtocol.TCP, 53));
        LoadBalancer lb = lb(Specs.normalize(spec), Tier.S1_SMALL);
        assertThat(Specs.validate(lb.getSpec())).isEmpty();
        ListenerSpec normalized = lb.getSpec().listeners.get(2);
        assertThat(normalized.idleTimeoutSeconds).isEqualTo(90);
        assertThat(normalized.requestTimeoutSeconds).isNull();
        assertThat(normalized.maxHeaders).isNull();
        assertThat(normalized.forwardedHeaders).isNull();
        assertThat(normalized.healthCheck.protocol).isEqualTo(HealthCheckProtocol.UDP);
        assertThat(lb.getSpec().listeners.get(0).idleTimeoutSeconds)
                .as("HTTP keeps its 60")
                .isEqualTo(60);
        assertThat(lb.getSpec().listeners.get(3).idleTimeoutSeconds)
                .as("TCP keeps its 60")
                .isEqualTo(60);

        ProxyConfig config = render(lb);
        assertThat(ConfigValidator.validate(config)).isEmpty();
        Listener udp = config.listener("dns").orElseThrow();
        assertThat(udp.protocol()).isEqualTo(Protocol.UDP);
        assertThat(udp.port()).as("below 1024: the pod port").isEqualTo(10053);
        assertThat(udp.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(udp.websocket()).isNull();
        assertThat(udp.healthCheck().protocol()).isEqualTo(HealthCheck.Kind.UDP);
        assertThat(config.listener("dns-tcp").orElseThrow().port()).isEqualTo(10053);
    }

    @Test
    void aUdpListenerTakesPersistenceAndTheV2Header() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(dns(5353));
        spec.listeners.get(2).persistence = new PersistenceSpec();
        spec.listeners.get(2).persistence.type = PersistenceSpec.Type.SourceIP;
        spec.listeners.get(2).backendProxyProtocol = BackendProxyProtocol.V2;
        spec.listeners.get(2).idleTimeoutSeconds = 30;
        assertThat(problems(spec)).isEmpty();
        Listener udp =
                render(lb(Specs.normalize(spec), Tier.S1_SMALL)).listener("dns").orElseThrow();
        assertThat(udp.persistence()).isEqualTo(Persistence.sourceIp(Duration.ofSeconds(300)));
        assertThat(udp.backendProxyProtocol()).isEqualTo(ProxyProtocolVersion.V2);
        assertThat(udp.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void whatOnlyStreamsOrHttpHaveIsRefusedSayingWhatToDo() {
        LoadBalancerSpec spec = spec();
        ListenerSpec udp = dns(5353);
        spec.listeners.add(udp);
        udp.backendProxyProtocol = BackendProxyProtocol.V1;
        udp.proxyProtocol = true;
        udp.forwardedHeaders = new ForwardedHeadersSpec();
        udp.stickySession = new StickySessionSpec();
        udp.stickySession.type = StickySessionSpec.Type.Insert;
        udp.compression = true;
        spec.listeners.get(0).healthCheck = new HealthCheckSpec();
        spec.listeners.get(0).healthCheck.protocol = HealthCheckProtocol.UDP;
        assertThat(problems(spec))
                .containsExactlyInAnyOrder(
                        "spec.listeners[2].forwardedHeaders: UDP listeners add no headers; remove forwardedHeaders",
                        "spec.listeners[2].compression: UDP listeners relay bytes and compress nothing; remove"
                                + " compression",
                        "spec.listeners[2].stickySession: UDP listeners have no cookies; remove stickySession",
                        "spec.listeners[2].backendProxyProtocol: a UDP listener sends v2 only (v2 names a datagram"
                                + " flow; v1 is a text line for TCP streams): use v2",
                        "spec.listeners[2].proxyProtocol: a UDP listener reads no PROXY protocol header (an outer load"
                                + " balancer sends one per TCP connection): remove proxyProtocol",
                        "spec.listeners[0].healthCheck.protocol: UDP checks the backends of UDP listeners; use TCP or"
                                + " HTTP here");
    }

    @Test
    void theServiceCarriesUdpBesideTcpAndAddingAUdpListenerRollsNoPod() {
        LoadBalancerSpec spec = spec();
        spec.tier = Tier.S1_SMALL;
        LoadBalancer before = lb(Specs.normalize(spec), Tier.S1_SMALL);
        spec.listeners.add(dns(53));
        spec.listeners.add(TestingSpecs.listener("dns-tcp", ListenerProtocol.TCP, 53));
        LoadBalancer after = lb(Specs.normalize(spec), Tier.S1_SMALL);
        assertThat(ProxyResources.service(after).getSpec().getPorts())
                .extracting(
                        p -> p.getName(),
                        p -> p.getProtocol(),
                        p -> p.getPort(),
                        p -> p.getTargetPort().getIntVal())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("web", "TCP", 80, 10080),
                        org.assertj.core.groups.Tuple.tuple("secure", "TCP", 443, 10443),
                        org.assertj.core.groups.Tuple.tuple("dns", "UDP", 53, 10053),
                        org.assertj.core.groups.Tuple.tuple("dns-tcp", "TCP", 53, 10053));
        assertThat(ProxyResources.deployment(after, Tier.S1_SMALL, OperatorSettings.defaults())
                        .getSpec()
                        .getTemplate())
                .as("the pod template: a new listener reaches the pods by reload")
                .isEqualTo(ProxyResources.deployment(before, Tier.S1_SMALL, OperatorSettings.defaults())
                        .getSpec()
                        .getTemplate());
    }

    @Test
    void twoUdpListenersMayNotShareAPortNorAPodPort() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(dns(53));
        spec.listeners.add(TestingSpecs.listener("dns2", ListenerProtocol.UDP, 53));
        spec.listeners.add(TestingSpecs.listener("dns3", ListenerProtocol.UDP, 10053));
        // The admin port is TCP: a UDP listener may have its number.
        spec.listeners.add(TestingSpecs.listener("stats", ListenerProtocol.UDP, ProxyConfigs.ADMIN_PORT));
        assertThat(problems(spec))
                .containsExactly(
                        "spec.listeners[3].port: 53 is already the port of listeners[2]; listener ports must be unique"
                                + " per transport (TCP, HTTP and HTTPS listeners all use TCP, so none of them may"
                                + " share a port; a UDP listener may have a TCP listener's port number)",
                        "spec.listeners[4].port: listeners[2] (port 53) and this one (port 10053) both need pod port"
                                + " 10053 (a port below 1024 is served on port + 10000 inside the pod, as a non-root"
                                + " process cannot bind it); pick another port for one of them");
    }
}
