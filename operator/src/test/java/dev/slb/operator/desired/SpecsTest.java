package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.address;
import static dev.slb.operator.desired.TestingSpecs.listener;
import static dev.slb.operator.desired.TestingSpecs.service;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.AccessControlSpec;
import dev.slb.operator.api.AccessListSpec;
import dev.slb.operator.api.DrainSpec;
import dev.slb.operator.api.ExternalTrafficPolicy;
import dev.slb.operator.api.ForwardedHeadersSpec;
import dev.slb.operator.api.HealthCheckMethod;
import dev.slb.operator.api.HealthCheckProtocol;
import dev.slb.operator.api.HealthCheckSpec;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Scheduler;
import dev.slb.operator.api.ServiceType;
import dev.slb.operator.api.StatusClass;
import dev.slb.operator.api.Tier;
import dev.slb.operator.api.TlsCipherPolicy;
import dev.slb.operator.api.TlsSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecsTest {

    @Test
    void loadBalancerNamesMustFitTheResourcesTheyName() {
        assertThat(Specs.checkName("chat")).isEmpty();
        assertThat(Specs.checkName("a".repeat(Specs.MAX_NAME_LENGTH))).isEmpty();
        assertThat(Specs.checkName("a".repeat(Specs.MAX_NAME_LENGTH + 1))).isPresent();
        assertThat(Specs.checkName("1chat")).isPresent();
        assertThat(Specs.checkName("chat.example"))
                .get()
                .extracting(Problem::toString)
                .asString()
                .startsWith("metadata.name: 'chat.example' cannot name the proxy resources");
    }

    @Test
    void addressesThatAreIpsOrDnsNamesPass() {
        for (String ok : List.of(
                "10.0.0.7",
                "192.0.2.255",
                "fd00::7",
                "::1",
                "2001:db8::8a2e:370:7334",
                "::ffff:10.0.0.1",
                "localhost",
                "db",
                "backend.example.com",
                "Backend.Example.COM",
                "a-1.b-2.example",
                "xn--bcher-kva.example")) {
            assertThat(Specs.isAddress(ok)).as(ok).isTrue();
        }
        for (String bad : List.of(
                "not an address!",
                "http://x:1/",
                "10.0.0.1:80",
                "10.0.0.256",
                "1.2.3",
                "999.1.1.1",
                "fd00:::7",
                "-db",
                "db-",
                "db..example",
                "example.com.",
                "a".repeat(64) + ".example",
                "g::1")) {
            assertThat(Specs.isAddress(bad)).as(bad).isFalse();
        }
    }

    @Test
    void tcpListenersGetNoRequestTimeout() {
        LoadBalancerSpec input = spec();
        input.listeners.add(TestingSpecs.listener("db", ListenerProtocol.TCP, 5432));
        input.listeners.get(2).requestTimeoutSeconds = 30;

        LoadBalancerSpec n = Specs.normalize(input);

        assertThat(n.listeners.get(2).requestTimeoutSeconds)
                .as("ignored on TCP")
                .isNull();
        assertThat(n.listeners.get(0).requestTimeoutSeconds).isEqualTo(60);
        assertThat(Specs.validate(n)).isEmpty();
    }

    static AccessControlSpec access(AccessControlSpec.Type type, String... cidrs) {
        AccessListSpec list = new AccessListSpec();
        list.cidrs = List.of(cidrs);
        AccessControlSpec a = new AccessControlSpec();
        a.type = type;
        a.lists = List.of(list);
        return a;
    }

    @Test
    void normalizeFillsEveryCrdDefaultAndLeavesTheInputAlone() {
        LoadBalancerSpec input = spec();
        LoadBalancerSpec n = Specs.normalize(input);

        assertThat(n.tier).isEqualTo(Tier.SHARED);
        assertThat(n.serviceType).isEqualTo(ServiceType.LoadBalancer);
        assertThat(n.listeners).allSatisfy(l -> {
            assertThat(l.idleTimeoutSeconds).isEqualTo(60);
            assertThat(l.requestTimeoutSeconds).isEqualTo(60);
            assertThat(l.scheduler).isEqualTo(Scheduler.WRR);
            assertThat(l.websocketKeepaliveSeconds).isNull();
            assertThat(l.maxHeaders).isEqualTo(100);
            assertThat(l.requestHeaderTimeoutSeconds).isEqualTo(10);
            assertThat(l.minRequestBodyBytesPerSecond).isEqualTo(1024);
            assertThat(l.httpKeepaliveTimeoutSeconds).isEqualTo(15);
            assertThat(l.forwardedHeaders.xForwardedProto).isTrue();
            assertThat(l.forwardedHeaders.slbIp).isFalse();
            assertThat(l.forwardedHeaders.slbId).isFalse();
            assertThat(l.forwardedHeaders.xForwardedClientSrcport).isFalse();
        });
        // No default written: an absent policy means the default, and the proxy config leaves it out.
        assertThat(n.listeners.get(1).tls.policy).isNull();
        assertThat(n.backends.get(0).weight).isEqualTo(100);

        assertThat(input.tier).isNull();
        assertThat(input.listeners.get(0).idleTimeoutSeconds).isNull();
        assertThat(input.listeners.get(1).tls.policy).isNull();
        assertThat(input.backends.get(0).weight).isNull();
    }

    @Test
    void normalizeKeepsWhatTheUserSet() {
        LoadBalancerSpec input = spec();
        input.tier = Tier.S3_LARGE;
        input.serviceType = ServiceType.ClusterIP;
        input.listeners.get(0).idleTimeoutSeconds = 300;
        input.listeners.get(0).scheduler = Scheduler.WLC;
        input.backends.get(0).weight = 0;

        LoadBalancerSpec n = Specs.normalize(input);

        assertThat(n.tier).isEqualTo(Tier.S3_LARGE);
        assertThat(n.serviceType).isEqualTo(ServiceType.ClusterIP);
        assertThat(n.listeners.get(0).idleTimeoutSeconds).isEqualTo(300);
        assertThat(n.listeners.get(0).scheduler).isEqualTo(Scheduler.WLC);
        assertThat(n.backends.get(0).weight).isZero();
    }

    /**
     * The shared tier offers no choice of policy; the earlier release's stored default is no choice
     * there (every HTTPS listener created under the previous CRD carries it). Guaranteed tiers take any.
     */
    @Test
    void aPolicyIsRefusedOnSharedExceptThePreviousDefaultAndTakenOnGuaranteedTiers() {
        for (TlsCipherPolicy policy : TlsCipherPolicy.values()) {
            LoadBalancerSpec shared = spec();
            shared.listeners.get(1).tls.policy = policy;
            if (policy == TlsCipherPolicy.TLS_CIPHER_POLICY_1_2) {
                assertThat(Specs.validate(Specs.normalize(shared))).isEmpty();
            } else {
                assertThat(Specs.validate(Specs.normalize(shared)))
                        .as("%s", policy)
                        .extracting(Problem::field)
                        .containsExactly("spec.listeners[1].tls.policy");
            }

            LoadBalancerSpec guaranteed = spec();
            guaranteed.tier = Tier.S1_SMALL;
            guaranteed.listeners.get(1).tls.policy = policy;
            assertThat(Specs.validate(Specs.normalize(guaranteed)))
                    .as("%s", policy)
                    .isEmpty();
        }
    }

    @Test
    void theOperatorsDefaultPolicyIsTheProxysDefault() {
        assertThat(Specs.DEFAULT_TLS_POLICY.name()).isEqualTo(dev.slb.model.TlsPolicy.DEFAULT.name());
        assertThat(Specs.json(Specs.DEFAULT_TLS_POLICY)).isEqualTo(dev.slb.model.TlsPolicy.DEFAULT.json());
    }

    @Test
    void theBaseSpecIsValid() {
        assertThat(Specs.validate(Specs.normalize(spec()))).isEmpty();
    }

    @Test
    void aMissingSpecIsReported() {
        assertThat(Specs.validate(null)).extracting(Problem::field).containsExactly("spec");
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                rule("no listeners", s -> s.listeners.clear(), "spec.listeners", "at least one listener"),
                rule(
                        "more than 16 listeners",
                        s -> {
                            for (int i = 0; i < 15; i++) {
                                s.listeners.add(listener("l" + i, ListenerProtocol.HTTP, 2000 + i));
                            }
                        },
                        "spec.listeners",
                        "at most 16"),
                rule("an empty listener", s -> s.listeners.add(null), "spec.listeners[2]", "is empty"),
                rule(
                        "listener name missing",
                        s -> s.listeners.get(0).name = null,
                        "spec.listeners[0].name",
                        "is required"),
                rule(
                        "listener name pattern",
                        s -> s.listeners.get(0).name = "Web",
                        "spec.listeners[0].name",
                        "is not a listener name"),
                rule(
                        "listener name too long",
                        s -> s.listeners.get(0).name = "a-very-long-name",
                        "spec.listeners[0].name",
                        "at most 15 characters"),
                rule(
                        "listener name without a letter",
                        s -> s.listeners.get(0).name = "80",
                        "spec.listeners[0].name",
                        "at least one letter"),
                rule(
                        "listener name with --",
                        s -> s.listeners.get(0).name = "a--b",
                        "spec.listeners[0].name",
                        "no '--'"),
                rule(
                        "listener named admin",
                        s -> s.listeners.get(0).name = "admin",
                        "spec.listeners[0].name",
                        "admin port"),
                rule(
                        "protocol missing",
                        s -> s.listeners.get(0).protocol = null,
                        "spec.listeners[0].protocol",
                        "HTTP, HTTPS, TCP or UDP"),
                rule("port missing", s -> s.listeners.get(0).port = null, "spec.listeners[0].port", "is required"),
                rule("port 0", s -> s.listeners.get(0).port = 0, "spec.listeners[0].port", "1..65535"),
                rule("port 70000", s -> s.listeners.get(0).port = 70000, "spec.listeners[0].port", "1..65535"),
                rule(
                        "a TLS policy on the shared tier",
                        s -> s.listeners.get(1).tls.policy = TlsCipherPolicy.TLS_CIPHER_POLICY_1_2_STRICT,
                        "spec.listeners[1].tls.policy",
                        "the shared tier offers no choice of TLS policy (it serves tls_cipher_policy_1_2_strict_with_1_3:"
                                + " TLS 1.2 and 1.3); remove tls.policy, or set spec.tier to slb.s1.small or larger to"
                                + " choose tls_cipher_policy_1_2_strict"),
                rule(
                        "more than 10 extra certificates",
                        s -> {
                            s.listeners.get(1).tls.extraCertificates = new ArrayList<>();
                            for (int i = 0; i < 11; i++) {
                                s.listeners.get(1).tls.extraCertificates.add(extra("d" + i + ".example.com", "s" + i));
                            }
                        },
                        "spec.listeners[1].tls.extraCertificates",
                        "at most 10 per listener"),
                rule(
                        "an extra certificate's domain in upper case",
                        s -> s.listeners.get(1).tls.extraCertificates = List.of(extra("API.example.com", "api")),
                        "spec.listeners[1].tls.extraCertificates[0].domain",
                        "is not a domain name"),
                rule(
                        "a wildcard in the middle",
                        s -> s.listeners.get(1).tls.extraCertificates = List.of(extra("api.*.example.com", "api")),
                        "spec.listeners[1].tls.extraCertificates[0].domain",
                        "*.example.com for any one label"),
                rule(
                        "two certificates for one domain",
                        s -> s.listeners.get(1).tls.extraCertificates =
                                List.of(extra("*.example.com", "a"), extra("*.example.com", "b")),
                        "spec.listeners[1].tls.extraCertificates[1].domain",
                        "already has a certificate, in [0]"),
                rule(
                        "an extra certificate without a Secret",
                        s -> s.listeners.get(1).tls.extraCertificates = List.of(extra("api.example.com", null)),
                        "spec.listeners[1].tls.extraCertificates[0].secretName",
                        "is required"),
                rule(
                        "client authentication without a CA Secret",
                        s -> s.listeners.get(1).tls.clientAuthentication =
                                new dev.slb.operator.api.ClientAuthenticationSpec(),
                        "spec.listeners[1].tls.clientAuthentication.caSecretName",
                        "is required: the name of a Secret in this namespace whose ca.crt"),
                rule(
                        "HTTPS without tls",
                        s -> s.listeners.get(1).tls = null,
                        "spec.listeners[1].tls",
                        "an HTTPS listener needs tls.secretName"),
                rule(
                        "HTTP with tls",
                        s -> {
                            s.listeners.get(0).tls = new TlsSpec();
                            s.listeners.get(0).tls.secretName = "x";
                        },
                        "spec.listeners[0].tls",
                        "only HTTPS listeners take tls"),
                rule(
                        "tls without secretName",
                        s -> s.listeners.get(1).tls.secretName = null,
                        "spec.listeners[1].tls.secretName",
                        "is required"),
                rule(
                        "secretName pattern",
                        s -> s.listeners.get(1).tls.secretName = "Web_TLS",
                        "spec.listeners[1].tls.secretName",
                        "is not a Secret name"),
                rule(
                        "idleTimeoutSeconds 0",
                        s -> s.listeners.get(0).idleTimeoutSeconds = 0,
                        "spec.listeners[0].idleTimeoutSeconds",
                        "1..3600"),
                rule(
                        "idleTimeoutSeconds 3601",
                        s -> s.listeners.get(0).idleTimeoutSeconds = 3601,
                        "spec.listeners[0].idleTimeoutSeconds",
                        "1..3600"),
                rule(
                        "requestTimeoutSeconds 0",
                        s -> s.listeners.get(0).requestTimeoutSeconds = 0,
                        "spec.listeners[0].requestTimeoutSeconds",
                        "1..3600"),
                rule(
                        "websocketKeepaliveSeconds 0",
                        s -> s.listeners.get(0).websocketKeepaliveSeconds = 0,
                        "spec.listeners[0].websocketKeepaliveSeconds",
                        "1..3600"),
                rule(
                        "TCP with websocketKeepaliveSeconds",
                        s -> {
                            s.listeners.get(0).protocol = ListenerProtocol.TCP;
                            s.listeners.get(0).websocketKeepaliveSeconds = 30;
                        },
                        "spec.listeners[0].websocketKeepaliveSeconds",
                        "TCP listeners carry no WebSocket"),
                rule(
                        "httpKeepaliveTimeoutSeconds 0",
                        s -> s.listeners.get(0).httpKeepaliveTimeoutSeconds = 0,
                        "spec.listeners[0].httpKeepaliveTimeoutSeconds",
                        "1..3600"),
                rule(
                        "httpKeepaliveTimeoutSeconds 3601",
                        s -> s.listeners.get(0).httpKeepaliveTimeoutSeconds = 3601,
                        "spec.listeners[0].httpKeepaliveTimeoutSeconds",
                        "1..3600"),
                rule(
                        "TCP with forwardedHeaders",
                        s -> {
                            s.listeners.get(0).protocol = ListenerProtocol.TCP;
                            s.listeners.get(0).forwardedHeaders = new ForwardedHeadersSpec();
                        },
                        "spec.listeners[0].forwardedHeaders",
                        "TCP listeners add no headers"),
                rule(
                        "externalTrafficPolicy Local on a ClusterIP Service",
                        s -> {
                            s.serviceType = ServiceType.ClusterIP;
                            s.externalTrafficPolicy = ExternalTrafficPolicy.Local;
                        },
                        "spec.externalTrafficPolicy",
                        "Local needs a LoadBalancer or NodePort serviceType"),
                rule(
                        "an access entry that is not a CIDR block",
                        s -> s.listeners.get(0).accessControl =
                                access(AccessControlSpec.Type.Deny, "10.0.0.0/8", "10.0.0.300"),
                        "spec.listeners[0].accessControl.lists[0].cidrs[1]",
                        "'10.0.0.300' is not an IP address or CIDR block"),
                rule(
                        "four access lists",
                        s -> {
                            AccessControlSpec a = access(AccessControlSpec.Type.Allow, "10.0.0.0/8");
                            a.lists = List.of(a.lists.get(0), a.lists.get(0), a.lists.get(0), a.lists.get(0));
                            s.listeners.get(0).accessControl = a;
                        },
                        "spec.listeners[0].accessControl.lists",
                        "at most 3"),
                rule(
                        "301 access entries",
                        s -> s.listeners.get(0).accessControl = access(
                                AccessControlSpec.Type.Allow,
                                java.util.stream.IntStream.range(0, 301)
                                        .mapToObj(i -> "10.0." + (i / 256) + "." + (i % 256))
                                        .toArray(String[]::new)),
                        "spec.listeners[0].accessControl.lists[0].cidrs",
                        "at most 300"),
                rule(
                        "trusted PROXY peers without proxyProtocol",
                        s -> s.listeners.get(0).proxyProtocolTrustedCidrs = List.of("10.0.0.0/8"),
                        "spec.listeners[0].proxyProtocolTrustedCidrs",
                        "names who may send a PROXY protocol header: set proxyProtocol: true, or remove it"),
                rule(
                        "an empty list of trusted PROXY peers",
                        s -> {
                            s.listeners.get(0).proxyProtocol = true;
                            s.listeners.get(0).proxyProtocolTrustedCidrs = List.of();
                        },
                        "spec.listeners[0].proxyProtocolTrustedCidrs",
                        "would trust no peer and refuse every connection"),
                rule(
                        "a trusted PROXY peer that is no address",
                        s -> {
                            s.listeners.get(0).proxyProtocol = true;
                            s.listeners.get(0).proxyProtocolTrustedCidrs = List.of("10.0.0.0/8", "lb.example.com");
                        },
                        "spec.listeners[0].proxyProtocolTrustedCidrs[1]",
                        "'lb.example.com' is not an IP address or CIDR block"),
                rule(
                        "301 trusted PROXY peers",
                        s -> {
                            s.listeners.get(0).proxyProtocol = true;
                            s.listeners.get(0).proxyProtocolTrustedCidrs = java.util.stream.IntStream.range(0, 301)
                                    .mapToObj(i -> "10.0." + (i / 256) + "." + (i % 256))
                                    .toList();
                        },
                        "spec.listeners[0].proxyProtocolTrustedCidrs",
                        "at most 300"),
                rule(
                        "http2 on the shared tier",
                        s -> s.listeners.get(1).http2 = true,
                        "spec.listeners[1].http2",
                        "the shared tier has no HTTP/2 (its HTTPS listeners speak HTTP/1.1); remove http2, or set"
                                + " spec.tier to slb.s1.small or larger, where HTTP/2 is on by default"),
                rule(
                        "http2 on a plain HTTP listener",
                        s -> s.listeners.get(0).http2 = false,
                        "spec.listeners[0].http2",
                        "only HTTPS listeners speak HTTP/2"),
                rule(
                        "TCP with compression",
                        s -> {
                            s.listeners.get(0).protocol = ListenerProtocol.TCP;
                            s.listeners.get(0).compression = true;
                        },
                        "spec.listeners[0].compression",
                        "TCP listeners relay bytes and compress nothing"),
                rule(
                        "duplicate listener names",
                        s -> s.listeners.get(1).name = "web",
                        "spec.listeners[1].name",
                        "already the name of listeners[0]"),
                rule(
                        "duplicate listener ports",
                        s -> s.listeners.get(1).port = 80,
                        "spec.listeners[1].port",
                        "already the port of listeners[0]"),
                rule(
                        "a TCP listener on an HTTP listener's port (both TCP)",
                        s -> {
                            s.listeners.get(1).port = 80;
                            s.listeners.get(1).protocol = ListenerProtocol.TCP;
                            s.listeners.get(1).tls = null;
                        },
                        "spec.listeners[1].port",
                        "TCP, HTTP and HTTPS listeners all use TCP"),
                rule(
                        "two listeners on one pod port",
                        s -> s.listeners.get(1).port = 10080,
                        "spec.listeners[1].port",
                        "both need pod port 10080"),
                rule(
                        "a listener on the admin port",
                        s -> s.listeners.get(1).port = 9901,
                        "spec.listeners[1].port",
                        "admin port"),
                rule(
                        "more than 64 backends",
                        s -> {
                            for (int i = 0; i < 64; i++) {
                                s.backends.add(address("10.0.0." + i, 80));
                            }
                        },
                        "spec.backends",
                        "at most 64"),
                rule("an empty backend", s -> s.backends.add(null), "spec.backends[1]", "is empty"),
                rule(
                        "backend with service and address",
                        s -> s.backends.get(0).address = "10.0.0.1",
                        "spec.backends[0]",
                        "either service or address"),
                rule(
                        "backend with neither",
                        s -> s.backends.get(0).service = null,
                        "spec.backends[0]",
                        "either service or address"),
                rule(
                        "address without port",
                        s -> {
                            s.backends.add(address("10.0.0.1", 80));
                            s.backends.get(1).port = null;
                        },
                        "spec.backends[1].port",
                        "needs a port"),
                rule("blank address", s -> s.backends.add(address(" ", 80)), "spec.backends[1].address", "is empty"),
                rule(
                        "an address that is no address",
                        s -> s.backends.add(address("not an address!", 80)),
                        "spec.backends[1].address",
                        "is not an IP address or DNS name"),
                rule(
                        "a URL for an address",
                        s -> s.backends.add(address("http://x:1/", 80)),
                        "spec.backends[1].address",
                        "no scheme, port or path"),
                rule(
                        "an address with a port",
                        s -> s.backends.add(address("10.0.0.1:80", 80)),
                        "spec.backends[1].address",
                        "is not an IP address or DNS name"),
                rule(
                        "an IPv4 address out of range",
                        s -> s.backends.add(address("10.0.0.256", 80)),
                        "spec.backends[1].address",
                        "is not an IP address or DNS name"),
                rule(
                        "an IPv6 address that is not one",
                        s -> s.backends.add(address("fd00:::7", 80)),
                        "spec.backends[1].address",
                        "is not an IP address or DNS name"),
                rule(
                        "service with port",
                        s -> s.backends.get(0).port = 8080,
                        "spec.backends[0].port",
                        "takes its port from service.port"),
                rule(
                        "service name missing",
                        s -> s.backends.get(0).service.name = null,
                        "spec.backends[0].service.name",
                        "is required"),
                rule(
                        "service name pattern",
                        s -> s.backends.get(0).service.name = "1app",
                        "spec.backends[0].service.name",
                        "is not a Service name"),
                rule(
                        "service port missing",
                        s -> s.backends.get(0).service.port = null,
                        "spec.backends[0].service.port",
                        "is required"),
                rule(
                        "service port range",
                        s -> s.backends.get(0).service.port = 0,
                        "spec.backends[0].service.port",
                        "1..65535"),
                rule(
                        "static port range",
                        s -> s.backends.add(address("10.0.0.1", 65536)),
                        "spec.backends[1].port",
                        "1..65535"),
                rule("maxHeaders 0", s -> s.listeners.get(0).maxHeaders = 0, "spec.listeners[0].maxHeaders", "1..1000"),
                rule(
                        "maxHeaders above 1000",
                        s -> s.listeners.get(0).maxHeaders = 1001,
                        "spec.listeners[0].maxHeaders",
                        "1..1000 header lines"),
                rule(
                        "requestHeaderTimeoutSeconds above 60",
                        s -> s.listeners.get(0).requestHeaderTimeoutSeconds = 61,
                        "spec.listeners[0].requestHeaderTimeoutSeconds",
                        "1..60 seconds"),
                rule(
                        "minRequestBodyBytesPerSecond 0",
                        s -> s.listeners.get(0).minRequestBodyBytesPerSecond = 0,
                        "spec.listeners[0].minRequestBodyBytesPerSecond",
                        "1..1048576 bytes per second"),
                rule("weight above 100", s -> s.backends.get(0).weight = 101, "spec.backends[0].weight", "0..100"),
                rule("weight below 0", s -> s.backends.get(0).weight = -1, "spec.backends[0].weight", "0..100"),
                rule(
                        "connection drain above 900",
                        s -> s.listeners.get(0).connectionDrainSeconds = 901,
                        "spec.listeners[0].connectionDrainSeconds",
                        "0..900"),
                rule(
                        "connection drain below 0",
                        s -> s.listeners.get(0).connectionDrainSeconds = -1,
                        "spec.listeners[0].connectionDrainSeconds",
                        "0..900"),
                rule(
                        "check interval 0",
                        s -> check(s).intervalSeconds = 0,
                        "spec.listeners[0].healthCheck.intervalSeconds",
                        "1..50"),
                rule(
                        "check interval 51",
                        s -> check(s).intervalSeconds = 51,
                        "spec.listeners[0].healthCheck.intervalSeconds",
                        "1..50"),
                rule(
                        "check timeout 301",
                        s -> check(s).timeoutSeconds = 301,
                        "spec.listeners[0].healthCheck.timeoutSeconds",
                        "1..300"),
                rule(
                        "healthy threshold 1",
                        s -> check(s).healthyThreshold = 1,
                        "spec.listeners[0].healthCheck.healthyThreshold",
                        "2..10"),
                rule(
                        "unhealthy threshold 11",
                        s -> check(s).unhealthyThreshold = 11,
                        "spec.listeners[0].healthCheck.unhealthyThreshold",
                        "2..10"),
                rule(
                        "check path without a slash",
                        s -> check(s).path = "healthz",
                        "spec.listeners[0].healthCheck.path",
                        "start it with '/'"),
                rule(
                        "check path of 81 characters",
                        s -> check(s).path = "/" + "a".repeat(80),
                        "spec.listeners[0].healthCheck.path",
                        "at most 80"),
                rule(
                        "check host with a space",
                        s -> check(s).host = "a b",
                        "spec.listeners[0].healthCheck.host",
                        "is not a host name"),
                rule("check port 0", s -> check(s).port = 0, "spec.listeners[0].healthCheck.port", "1..65535"),
                rule(
                        "no http codes",
                        s -> check(s).httpCodes = List.of(),
                        "spec.listeners[0].healthCheck.httpCodes",
                        "one or more"),
                rule(
                        "drain grace above 300",
                        s -> drain(s).readinessGraceSeconds = 301,
                        "spec.drain.readinessGraceSeconds",
                        "0..300"),
                rule("drain timeout 0", s -> drain(s).timeoutSeconds = 0, "spec.drain.timeoutSeconds", "1..3600"));
    }

    private static HealthCheckSpec check(LoadBalancerSpec s) {
        s.listeners.get(0).healthCheck = new HealthCheckSpec();
        return s.listeners.get(0).healthCheck;
    }

    private static DrainSpec drain(LoadBalancerSpec s) {
        s.drain = new DrainSpec();
        return s.drain;
    }

    @Test
    void healthChecksAreOnByDefaultOfTheListenersKindAndDrainsAreThirtySeconds() {
        LoadBalancerSpec input = spec();
        input.listeners.add(TestingSpecs.listener("db", ListenerProtocol.TCP, 5432));
        LoadBalancerSpec n = Specs.normalize(input);

        HealthCheckSpec web = n.listeners.get(0).healthCheck;
        assertThat(web.enabled).isTrue();
        assertThat(web.protocol).isEqualTo(HealthCheckProtocol.HTTP);
        assertThat(web.path).isEqualTo("/");
        assertThat(web.method).isEqualTo(HealthCheckMethod.HEAD);
        assertThat(web.intervalSeconds).isEqualTo(2);
        assertThat(web.timeoutSeconds).isEqualTo(5);
        assertThat(web.healthyThreshold).isEqualTo(3);
        assertThat(web.unhealthyThreshold).isEqualTo(3);
        assertThat(web.httpCodes).containsExactly(StatusClass.S2XX, StatusClass.S3XX);
        assertThat(n.listeners.get(2).healthCheck.protocol).isEqualTo(HealthCheckProtocol.TCP);
        assertThat(n.listeners).allSatisfy(l -> {
            assertThat(l.connectionDrainSeconds).isEqualTo(30);
            assertThat(l.ejectOnServerErrors).isFalse();
        });
        assertThat(n.drain).as("the operator's drain applies").isNull();
        assertThat(input.listeners.get(0).healthCheck).isNull();
        assertThat(Specs.validate(n)).isEmpty();
    }

    @Test
    void aHealthCheckTheUserTurnedOffStaysOff() {
        LoadBalancerSpec input = spec();
        check(input).enabled = false;
        check(input).enabled = false;
        input.listeners.get(0).connectionDrainSeconds = 0;
        LoadBalancerSpec n = Specs.normalize(input);
        assertThat(n.listeners.get(0).healthCheck.enabled).isFalse();
        assertThat(n.listeners.get(0).connectionDrainSeconds).isZero();
        assertThat(n.listeners.get(1).healthCheck.enabled).isTrue();
    }

    private static Arguments rule(String name, Consumer<LoadBalancerSpec> breakIt, String field, String says) {
        return Arguments.of(name, breakIt, field, says);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void everyRuleNamesTheFieldAndWhatToDo(String name, Consumer<LoadBalancerSpec> breakIt, String field, String says) {
        LoadBalancerSpec spec = spec();
        breakIt.accept(spec);

        List<Problem> problems = Specs.validate(Specs.normalize(spec));

        assertThat(problems).as(name).anySatisfy(p -> {
            assertThat(p.field()).isEqualTo(field);
            assertThat(p.message()).contains(says);
            assertThat(p.reason()).isEqualTo(Problem.INVALID_SPEC);
            assertThat(p.toString()).startsWith(field + ": ");
        });
    }

    @Test
    void aGuaranteedTierCannotGoBackToShared() {
        Problem p = Specs.checkTierChange(Tier.S2_SMALL, Tier.SHARED).orElseThrow();

        assertThat(p.reason()).isEqualTo("TierDowngradeNotSupported");
        assertThat(p.field()).isEqualTo("spec.tier");
        assertThat(p.message())
                .contains(
                        "keeps serving on slb.s2.small",
                        "Set spec.tier back to slb.s2.small",
                        "create a new LoadBalancer with tier shared");
    }

    @Test
    void everyOtherTierChangeIsAllowed() {
        assertThat(Specs.checkTierChange(Tier.SHARED, Tier.S1_SMALL)).isEmpty();
        assertThat(Specs.checkTierChange(Tier.S3_LARGE, Tier.S1_SMALL)).isEmpty();
        assertThat(Specs.checkTierChange(Tier.SHARED, Tier.SHARED)).isEmpty();
        assertThat(Specs.checkTierChange(null, Tier.SHARED))
                .as("no tier in effect yet")
                .isEmpty();
    }

    @Test
    void serviceBackendsNeedNoPortOfTheirOwn() {
        LoadBalancerSpec s = spec();
        s.backends.add(service("other", 9000));
        s.backends.add(address("backend.example.com", 443));
        assertThat(Specs.validate(Specs.normalize(s))).isEmpty();
    }

    private static dev.slb.operator.api.ExtraCertificateSpec extra(String domain, String secretName) {
        dev.slb.operator.api.ExtraCertificateSpec c = new dev.slb.operator.api.ExtraCertificateSpec();
        c.domain = domain;
        c.secretName = secretName;
        return c;
    }
}
