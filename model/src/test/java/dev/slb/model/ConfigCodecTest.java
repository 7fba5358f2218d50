package dev.slb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigCodecTest {

    private static final String MINIMAL = """
            version: "7"
            listeners:
            - name: web
              protocol: HTTP
              port: 8080
              backends:
              - address: 127.0.0.1
                port: 9000
            """;

    @Test
    void minimalConfigGetsDefaults() throws Exception {
        ProxyConfig config = ConfigCodec.parse(MINIMAL);
        Listener web = config.listeners().get(0);
        assertThat(web.websocketEnabled())
                .as("WebSocket is on by default on HTTP listeners")
                .isTrue();
        assertThat(web.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(web.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(web.scheduler()).isEqualTo(SchedulerKind.WRR);
        assertThat(web.backends()).containsExactly(new Backend("127.0.0.1", 9000, 100));
        assertThat(config.limits()).isEqualTo(Limits.UNLIMITED);
        assertThat(config.admin().port()).isEqualTo(Admin.DEFAULT_PORT);
    }

    @Test
    void writeThenParseIsIdentityAndDeterministic() throws Exception {
        ProxyConfig config = new ProxyConfig(
                "v1",
                "chat",
                new Limits(5000L, 3000L, 1000L),
                new Admin("127.0.0.1", 18081),
                new Drain(Duration.ofSeconds(2), Duration.ofSeconds(10)),
                List.of(
                        Listener.of("web", Protocol.HTTP, 18080, List.of(new Backend("127.0.0.1", 19000, 50)))
                                .withIdleTimeout(Duration.ofMillis(1500)),
                        Listener.of("secure", Protocol.HTTPS, 18443, List.of())
                                .withTls(new Tls(
                                        "/certs/tls.crt", "/certs/tls.key", TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT))
                                .withWebsocket(new WebSocket(true, null, null, Duration.ofSeconds(20))),
                        Listener.of("from-secret", Protocol.HTTPS, 18444, List.of())
                                .withTls(Tls.fromSecret("chat-tls", TlsPolicy.DEFAULT)),
                        Listener.of("shared", Protocol.HTTP, 18082, List.of())
                                .withWebsocket(WebSocket.disabled("RequiresGuaranteedPerformance", "raise spec.tier")),
                        Listener.of("raw", Protocol.TCP, 18083, List.of(new Backend("db", 5432)))
                                .withScheduler(SchedulerKind.WLC)));
        String yaml = ConfigCodec.write(config);
        assertThat(ConfigCodec.parse(yaml)).isEqualTo(config);
        assertThat(ConfigCodec.write(ConfigCodec.parse(yaml))).isEqualTo(yaml);
        assertThat(yaml)
                .contains(
                        "idleTimeout: 1500ms",
                        "policy: tls_cipher_policy_1_2_strict",
                        "secretName: chat-tls",
                        "scheduler: wlc",
                        "keepalivePingInterval: 20s");
    }

    /**
     * A proxy of the earlier release knows four policy names and refuses an unknown one: the
     * default (the fifth) is left out of the config, which that proxy reads as its own default.
     */
    @Test
    void theDefaultPolicyIsLeftOutAndEveryOtherIsWritten() throws Exception {
        Listener secure = Listener.of("secure", Protocol.HTTPS, 18443, List.of());
        ProxyConfig byDefault = new ProxyConfig(
                "v1", null, null, null, null, List.of(secure.withTls(Tls.fromSecret("chat-tls", null))));
        String yaml = ConfigCodec.write(byDefault);

        assertThat(yaml).contains("secretName: chat-tls").doesNotContain("policy");
        assertThat(ConfigCodec.parse(yaml).listeners().get(0).tls().policy())
                .isEqualTo(TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3)
                .isEqualTo(TlsPolicy.DEFAULT);
        for (TlsPolicy chosen : TlsPolicy.values()) {
            if (chosen == TlsPolicy.DEFAULT) {
                continue;
            }
            ProxyConfig config = new ProxyConfig(
                    "v1", null, null, null, null, List.of(secure.withTls(Tls.fromSecret("chat-tls", chosen))));
            String written = ConfigCodec.write(config);
            assertThat(written).contains("policy: " + chosen.json());
            assertThat(ConfigCodec.parse(written)).isEqualTo(config);
        }
    }

    @Test
    void extraCertificatesAndClientAuthenticationRoundTripAndAreLeftOutWhenAbsent() throws Exception {
        Listener secure = Listener.of("secure", Protocol.HTTPS, 18443, List.of());
        Tls plain = Tls.fromSecret("chat-tls", null);
        Tls full = plain.withExtraCertificates(List.of(
                        ExtraCertificate.fromSecret("api.example.com", "api-tls"),
                        new ExtraCertificate("*.example.com", "/c/w.crt", "/c/w.key", null)))
                .withClientAuthentication(new ClientAuthentication("clients-ca", null, null));
        ProxyConfig config = new ProxyConfig("v1", null, null, null, null, List.of(secure.withTls(full)));

        String yaml = ConfigCodec.write(config);
        assertThat(ConfigCodec.parse(yaml)).isEqualTo(config);
        assertThat(yaml)
                .contains("domain: api.example.com", "domain: '*.example.com'", "caSecretName: clients-ca")
                .contains("mode: Require");
        assertThat(full.secretNames()).containsExactly("api-tls", "chat-tls", "clients-ca");
        assertThat(ConfigCodec.write(config.withListeners(List.of(secure.withTls(plain)))))
                .doesNotContain("extraCertificates", "clientAuthentication");
    }

    @Test
    void badExtraCertificatesAndClientAuthenticationAreNamed() {
        String yaml = MINIMAL.replace("protocol: HTTP", "protocol: HTTPS") + """
                  tls:
                    secretName: own
                    extraCertificates:
                    - {domain: API.example.com, secretName: a}
                    - {domain: x.example.com, secretName: b, certificateFile: /x}
                    - {domain: x.example.com, secretName: c}
                    clientAuthentication: {mode: Optional}
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "listeners[0].tls.extraCertificates[0].domain: 'API.example.com' is not a"
                                                + " domain name (lower-case, e.g. api.example.com, or *.example.com"
                                                + " for any one label before example.com)",
                                        "listeners[0].tls.extraCertificates[1]: give secretName or the two files,"
                                                + " not both",
                                        "listeners[0].tls.extraCertificates[2].domain: 'x.example.com' already has"
                                                + " a certificate, in [1]",
                                        "listeners[0].tls.clientAuthentication: give caSecretName (a Secret with"
                                                + " ca.crt) or caFile, one of them"));
    }

    @Test
    void policiesOfferTheProductsProtocolVersions() {
        assertThat(TlsPolicy.TLS_CIPHER_POLICY_1_0.protocols()).containsExactly("TLSv1.2", "TLSv1.1", "TLSv1");
        assertThat(TlsPolicy.TLS_CIPHER_POLICY_1_1.protocols()).containsExactly("TLSv1.2", "TLSv1.1");
        assertThat(TlsPolicy.TLS_CIPHER_POLICY_1_2.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT.protocols()).containsExactly("TLSv1.2");
        assertThat(TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    }

    @Test
    void errorsNameTheFieldAndTheReason() {
        String yaml = """
                version: "1"
                listeners:
                - name: web
                  protocol: HTTP
                  port: 8080
                - name: web
                  protocol: HTTPS
                  port: 70000
                  backends:
                  - {address: 10.0.0.1, port: 0, weight: 101}
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "listeners[1].port: 70000 is not a port (1..65535)",
                                        "listeners[1].tls: an HTTPS listener needs tls.certificateFile and"
                                                + " tls.privateKeyFile, or tls.secretName",
                                        "listeners[1].backends[0].port: 0 is not a port (1..65535)",
                                        "listeners[1].backends[0].weight: 101 is not a weight (0..100)",
                                        "listeners[1].name: 'web' is already used by listeners[0]"));
    }

    @Test
    void duplicatePortsAreRefused() {
        String yaml = MINIMAL + """
                admin: {port: 8080}
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .hasMessage("listeners[0].port: 8080 is already used by admin.port");
    }

    @Test
    void unknownFieldsAndBadValuesAreNamed() {
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL.replace("port: 8080", "prot: 8080")))
                .hasMessageStartingWith("listeners[0].prot: unknown field");
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL.replace("HTTP", "SCTP")))
                .hasMessage("listeners[0].protocol: 'SCTP' is not one of HTTP, HTTPS, TCP, UDP");
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "    idleTimeout: soon\n".replace("    ", "  ")))
                .hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> ConfigCodec.parse("version: [1]"))
                .hasMessage("version: has the wrong shape (expected a string)");
        assertThatThrownBy(() -> ConfigCodec.parse("version: \"1\nlisteners: x"))
                .hasMessageStartingWith("not valid YAML");
        assertThatThrownBy(() -> ConfigCodec.parse("")).hasMessage("the config is empty");
    }

    @Test
    void tcpListenersCarryNoWebSocketOrTls() {
        String yaml = """
                version: "1"
                listeners:
                - {name: raw, protocol: TCP, port: 5000, websocket: {enabled: true}, tls: {certificateFile: a, privateKeyFile: b}}
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "listeners[0].tls: only HTTPS listeners take tls (this one is TCP)",
                                        "listeners[0].websocket: only HTTP and HTTPS listeners carry WebSocket"));
    }

    @Test
    void aTlsSecretIsNamedAloneAndNamedWell() {
        String yaml = """
                version: "1"
                listeners:
                - {name: a, protocol: HTTPS, port: 5000, tls: {secretName: chat-tls, certificateFile: a}}
                - {name: b, protocol: HTTPS, port: 5001, tls: {secretName: Not_A_Name}}
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "listeners[0].tls: give tls.secretName or the two files, not both",
                                        "listeners[1].tls.secretName: 'Not_A_Name' is not a Secret name (lower-case"
                                                + " letters, digits, '-' and '.', at most 253 characters)"));
    }

    @Test
    void limitsMustBePositiveWhenGiven() {
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "limits: {maxConnections: 0}\n"))
                .hasMessage("limits.maxConnections: 0 is not a limit (at least 1; leave it out for no limit)");
    }

    @Test
    void ratesHaveACeilingTheProxyCanEnforceExactly() throws Exception {
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "limits: {requestsPerSecond: 2000000000}\n"))
                .hasMessage("limits.requestsPerSecond: 2000000000 is above the largest rate a replica enforces"
                        + " (10000000 per second; leave it out for no limit)");
        assertThat(ConfigCodec.parse(MINIMAL + "limits: {newConnectionsPerSecond: 10000000}\n")
                        .limits()
                        .newConnectionsPerSecond())
                .isEqualTo(10_000_000L);
    }

    @Test
    void requestLimitsHaveDefaultsAndAreLeftOutOfTheWrittenConfigWhileAtThem() throws Exception {
        Listener web = ConfigCodec.parse(MINIMAL).listeners().get(0);
        assertThat(web.maxHeaders()).isEqualTo(100);
        assertThat(web.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(web.minRequestBodyBytesPerSecond()).isEqualTo(1024);
        // A proxy of the release before these fields refuses unknown fields: an operator upgrade
        // must not hand it a config it cannot read for a LoadBalancer that never set them.
        String atDefaults = ConfigCodec.write(ConfigCodec.parse(MINIMAL));
        assertThat(atDefaults)
                .doesNotContain("maxHeaders:", "requestHeaderTimeout", "minRequestBodyBytesPerSecond")
                .contains("maxHeaderBytes: 32768");

        ProxyConfig set = ConfigCodec.parse(MINIMAL);
        set = set.withListeners(List.of(set.listeners().get(0).withRequestLimits(200, Duration.ofMillis(1500), 4096)));
        String yaml = ConfigCodec.write(set);
        assertThat(yaml)
                .contains("maxHeaders: 200", "requestHeaderTimeout: 1500ms", "minRequestBodyBytesPerSecond: 4096");
        assertThat(ConfigCodec.parse(yaml)).isEqualTo(set);
    }

    @Test
    void keepAliveAndHeaderSwitchesHaveDefaultsAreLeftOutAtThemAndHaveBounds() throws Exception {
        Listener web = ConfigCodec.parse(MINIMAL).listeners().get(0);
        assertThat(web.httpKeepaliveTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(web.forwardedHeaders()).isEqualTo(ForwardedHeaders.DEFAULT);
        assertThat(web.forwardedHeaders().xForwardedProto()).isTrue();
        assertThat(web.clientFacingPort()).isEqualTo(8080);
        assertThat(ConfigCodec.write(ConfigCodec.parse(MINIMAL)))
                .doesNotContain("httpKeepaliveTimeout", "forwardedHeaders", "servicePort");

        String set = MINIMAL
                + "  httpKeepaliveTimeout: 90s\n  servicePort: 80\n"
                + "  forwardedHeaders: {xForwardedProto: false, slbIp: true}\n";
        ProxyConfig parsed = ConfigCodec.parse(set);
        Listener l = parsed.listeners().get(0);
        assertThat(l.httpKeepaliveTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(l.clientFacingPort()).isEqualTo(80);
        assertThat(l.forwardedHeaders()).isEqualTo(new ForwardedHeaders(false, true, false, false));
        assertThat(ConfigCodec.parse(ConfigCodec.write(parsed))).isEqualTo(parsed);

        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "  httpKeepaliveTimeout: 61m\n  servicePort: 0\n"))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "listeners[0].httpKeepaliveTimeout: 61m is longer than 1h",
                                        "listeners[0].servicePort: 0 is not a port (1..65535)"));
    }

    @Test
    void accessControlRoundTripsAndEveryEntryMustBeABlock() throws Exception {
        String set = MINIMAL + "  accessControl: {type: deny, cidrs: [10.0.0.0/8, \"2001:db8::/32\"]}\n";
        ProxyConfig parsed = ConfigCodec.parse(set);
        assertThat(parsed.listeners().get(0).accessControl())
                .isEqualTo(new AccessControl(AccessControl.Type.DENY, List.of("10.0.0.0/8", "2001:db8::/32")));
        assertThat(ConfigCodec.parse(ConfigCodec.write(parsed))).isEqualTo(parsed);
        assertThat(ConfigCodec.write(ConfigCodec.parse(MINIMAL))).doesNotContain("accessControl", "proxyProtocol");
        ProxyConfig withHeader = ConfigCodec.parse(MINIMAL + "  proxyProtocol: true\n");
        assertThat(withHeader.listeners().get(0).proxyProtocol()).isTrue();
        assertThat(ConfigCodec.parse(ConfigCodec.write(withHeader))).isEqualTo(withHeader);

        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "  accessControl: {type: allow, cidrs: [example.com]}\n"))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("listeners[0].accessControl.cidrs[0]: 'example.com' is not an IP"
                                        + " address or CIDR block (write e.g. 203.0.113.0/24, 198.51.100.7 or"
                                        + " 2001:db8::/32)"));
    }

    @Test
    void proxyProtocolTrustedCidrsRoundTripAreLeftOutWhenEmptyAndNeedTheHeader() throws Exception {
        ProxyConfig trusted = ConfigCodec.parse(
                MINIMAL + "  proxyProtocol: true\n  proxyProtocolTrustedCidrs: [10.0.0.0/8, \"2001:db8::/32\"]\n");
        assertThat(trusted.listeners().get(0).proxyProtocolTrustedCidrs())
                .containsExactly("10.0.0.0/8", "2001:db8::/32");
        assertThat(ConfigCodec.parse(ConfigCodec.write(trusted))).isEqualTo(trusted);
        // Empty trusts every peer, as before the field existed: an earlier proxy must never see it.
        assertThat(ConfigCodec.write(ConfigCodec.parse(MINIMAL + "  proxyProtocol: true\n")))
                .doesNotContain("proxyProtocolTrustedCidrs");

        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "  proxyProtocolTrustedCidrs: [10.0.0.0/33]\n"))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "listeners[0].proxyProtocolTrustedCidrs: only a listener with proxyProtocol:"
                                                + " true reads a PROXY header to trust",
                                        "listeners[0].proxyProtocolTrustedCidrs[0]: " + cidrProblem("10.0.0.0/33")));
    }

    private static String cidrProblem(String text) {
        try {
            Cidr.parse(text);
            throw new AssertionError(text + " parsed");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Test
    void http2AndCompressionAreOnByDefaultAndWrittenOnlyWhenOff() throws Exception {
        Listener web = ConfigCodec.parse(MINIMAL).listeners().get(0);
        assertThat(web.http2()).isTrue();
        assertThat(web.compression()).isTrue();
        // Absent means on, and absent is all an earlier proxy reads: an existing LoadBalancer's
        // config stays as it was.
        assertThat(ConfigCodec.write(ConfigCodec.parse(MINIMAL))).doesNotContain("http2", "compression");

        ProxyConfig off = ConfigCodec.parse(MINIMAL);
        off = off.withListeners(List.of(off.listeners().get(0).toBuilder()
                .http2(false)
                .compression(false)
                .build()));
        String yaml = ConfigCodec.write(off);
        assertThat(yaml).contains("http2: false", "compression: false");
        assertThat(ConfigCodec.parse(yaml)).isEqualTo(off);
    }

    private static final String TCP = """
            version: "7"
            listeners:
            - name: tcp
              protocol: TCP
              port: 9000
              backends:
              - address: 127.0.0.1
                port: 9001
            """;

    @Test
    void theBackendProxyHeaderIsOffWhenAbsentRoundTripsAndIsTcpOnly() throws Exception {
        assertThat(ConfigCodec.parse(TCP).listeners().get(0).backendProxyProtocol())
                .isNull();
        ProxyConfig v2 = ConfigCodec.parse(TCP + "  backendProxyProtocol: v2\n");
        assertThat(v2.listeners().get(0).backendProxyProtocol()).isEqualTo(ProxyProtocolVersion.V2);
        assertThat(ConfigCodec.write(v2)).contains("backendProxyProtocol: v2");
        assertThat(ConfigCodec.parse(ConfigCodec.write(v2))).isEqualTo(v2);
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "  backendProxyProtocol: v1\n"))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("listeners[0].backendProxyProtocol: only TCP and UDP listeners send a"
                                        + " PROXY protocol header to backends; HTTP and HTTPS listeners tell them the"
                                        + " client in X-Forwarded-For"));
    }

    @Test
    void persistenceIsOffWhenAbsentRoundTripsAndHasBounds() throws Exception {
        assertThat(ConfigCodec.parse(TCP).listeners().get(0).persistence()).isNull();
        assertThat(ConfigCodec.write(ConfigCodec.parse(TCP))).doesNotContain("persistence");

        Listener tcp = ConfigCodec.parse(TCP + "  persistence: {type: SourceIP}\n")
                .listeners()
                .get(0);
        assertThat(tcp.persistence()).isEqualTo(Persistence.sourceIp(Duration.ofSeconds(300)));
        ProxyConfig zero = ConfigCodec.parse(TCP + "  persistence: {type: SourceIP, timeout: 0s}\n");
        assertThat(zero.listeners().get(0).persistence().timeout()).isZero();
        assertThat(ConfigCodec.parse(ConfigCodec.write(zero))).isEqualTo(zero);

        assertThatThrownBy(() -> ConfigCodec.parse(TCP + "  persistence: {timeout: 3601s}\n"))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("listeners[0].persistence.timeout: 3601s is not between 0s and 1h"));
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "  persistence: {type: SourceIP}\n"))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("listeners[0].persistence: only TCP and UDP listeners keep clients by"
                                        + " source address; HTTP and HTTPS listeners use stickySession"));
    }

    private static final String UDP = """
            version: "1"
            listeners:
            - name: dns
              protocol: UDP
              port: 5353
              backends:
              - address: 127.0.0.1
                port: 9053
            """;

    @Test
    void udpListenersIdleOutAfter90sByDefaultAndCheckBackendsByDatagram() throws Exception {
        Listener dns = ConfigCodec.parse(UDP).listeners().get(0);
        assertThat(dns.idleTimeout()).as("the product's UDP default").isEqualTo(Duration.ofSeconds(90));
        assertThat(dns.websocket()).isNull();
        assertThat(dns.forwardedHeaders()).isNull();
        Listener checked = ConfigCodec.parse(UDP + "  healthCheck: {interval: 2s}\n")
                .listeners()
                .get(0);
        assertThat(checked.healthCheck().protocol()).isEqualTo(HealthCheck.Kind.UDP);
        ProxyConfig full = ConfigCodec.parse(UDP
                + "  idleTimeout: 30s\n  persistence: {type: SourceIP, timeout: 60s}\n  backendProxyProtocol: v2\n");
        assertThat(full.listeners().get(0).idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ConfigCodec.parse(ConfigCodec.write(full))).isEqualTo(full);
    }

    @Test
    void udpListenersRefuseWhatOnlyStreamsOrHttpHave() {
        String yaml = UDP + """
                  backendProxyProtocol: v1
                  proxyProtocol: true
                  websocket: {enabled: true}
                  tls: {certificateFile: a, privateKeyFile: b}
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "listeners[0].tls: only HTTPS listeners take tls (this one is UDP)",
                                        "listeners[0].websocket: only HTTP and HTTPS listeners carry WebSocket",
                                        "listeners[0].proxyProtocol: a UDP listener reads no PROXY protocol header (an"
                                                + " outer load balancer sends one per TCP connection); turn it off",
                                        "listeners[0].backendProxyProtocol: a UDP listener sends v2 only (v2 names a"
                                                + " datagram flow; v1 is a text line for TCP streams); use v2"));
        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "  healthCheck: {protocol: UDP}\n"))
                .hasMessageContaining("listeners[0].healthCheck.protocol: a UDP probe checks the backends of UDP"
                        + " listeners; this one is HTTP (use TCP or HTTP)");
    }

    @Test
    void aTcpAndAUdpListenerMayShareAPortNumberButTwoUdpListenersMayNot() throws Exception {
        String both = UDP + """
                - name: dns-tcp
                  protocol: TCP
                  port: 5353
                  backends: [{address: 127.0.0.1, port: 9053}]
                """;
        assertThat(ConfigCodec.parse(both).listeners()).hasSize(2);
        String twice = UDP + """
                - name: dns-too
                  protocol: UDP
                  port: 5353
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(twice))
                .hasMessage("listeners[1].port: 5353 is already used by listeners[0].port");
        // The admin port is TCP: a UDP listener may use its number.
        assertThat(ConfigCodec.parse(UDP + "admin: {port: 5353}\n").admin().port())
                .isEqualTo(5353);
    }

    @Test
    void requestLimitsHaveBounds() {
        String yaml = MINIMAL + "  maxHeaders: 1001\n  requestHeaderTimeout: 61s\n  minRequestBodyBytesPerSecond: 0\n";
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "listeners[0].maxHeaders: 1001 is out of range (1..1000)",
                                        "listeners[0].requestHeaderTimeout: 61s is longer than a request head may take"
                                                + " (at most 1m)",
                                        "listeners[0].minRequestBodyBytesPerSecond: 0 is out of range (1..1048576)"));
    }

    @Test
    void aConfigFromBeforeHealthChecksReadsAsBeforeAndWritesTheSameBytes() throws Exception {
        ProxyConfig config = ConfigCodec.parse(MINIMAL);
        Listener web = config.listeners().get(0);
        assertThat(web.healthCheck())
                .as("no check unless the config asks for one")
                .isNull();
        assertThat(web.connectionDrain()).isEqualTo(Duration.ofSeconds(30));
        assertThat(web.ejectOnServerErrors()).isFalse();
        assertThat(web.backends().get(0).draining()).isFalse();
        // A proxy of the earlier release refuses unknown fields: at their defaults they are not written.
        assertThat(ConfigCodec.write(config))
                .doesNotContain("healthCheck", "connectionDrain", "ejectOnServerErrors", "draining");
    }

    @Test
    void healthCheckDefaultsFollowTheListenerAndRoundTrip() throws Exception {
        ProxyConfig config = new ProxyConfig(
                "v1",
                null,
                null,
                null,
                null,
                List.of(
                        Listener.of("web", Protocol.HTTP, 18080, List.of(new Backend("127.0.0.1", 19000, 50, true)))
                                .withHealthCheck(HealthCheck.defaults())
                                .withBackendHealth(Duration.ZERO, true),
                        Listener.of("raw", Protocol.TCP, 18083, List.of())
                                .withHealthCheck(HealthCheck.defaults()
                                        .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1), 2, 10))));
        String yaml = ConfigCodec.write(config);
        assertThat(ConfigCodec.parse(yaml)).isEqualTo(config);
        HealthCheck web = config.listeners().get(0).healthCheck();
        assertThat(web.protocol()).isEqualTo(HealthCheck.Kind.HTTP);
        assertThat(web.method()).isEqualTo(HealthCheck.Method.HEAD);
        assertThat(web.path()).isEqualTo("/");
        assertThat(web.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(web.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(web.healthyThreshold()).isEqualTo(3);
        assertThat(web.unhealthyThreshold()).isEqualTo(3);
        assertThat(web.goodStatus(204)).isTrue();
        assertThat(web.goodStatus(302)).isTrue();
        assertThat(web.goodStatus(404)).isFalse();
        assertThat(web.goodStatus(500)).isFalse();
        assertThat(config.listeners().get(1).healthCheck().protocol()).isEqualTo(HealthCheck.Kind.TCP);
        assertThat(yaml).contains("connectionDrain: 0s", "ejectOnServerErrors: true", "draining: true");
    }

    @Test
    void healthCheckSettingsOutOfRangeAreNamed() {
        String yaml = MINIMAL + """
                  healthCheck:
                    path: health
                    host: "a b"
                    port: 0
                    interval: 51s
                    timeout: 301s
                    healthyThreshold: 1
                    unhealthyThreshold: 11
                    httpCodes: [2xx, 200]
                  connectionDrain: 901s
                """;
        assertThatThrownBy(() -> ConfigCodec.parse(yaml))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "listeners[0].connectionDrain: 901s is longer than 15m",
                                        "listeners[0].healthCheck.interval: 51s is longer than 50s",
                                        "listeners[0].healthCheck.timeout: 301s is longer than 5m",
                                        "listeners[0].healthCheck.healthyThreshold: 1 is out of range (2..10)",
                                        "listeners[0].healthCheck.unhealthyThreshold: 11 is out of range (2..10)",
                                        "listeners[0].healthCheck.port: 0 is not a port (1..65535)",
                                        "listeners[0].healthCheck.path: 'health' is not a request path (starts"
                                                + " with '/', at most 80 printable characters, no spaces)",
                                        "listeners[0].healthCheck.host: 'a b' is not a host name (letters,"
                                                + " digits, '.', '-', ':')",
                                        "listeners[0].healthCheck.httpCodes: [2xx, 200] must be one or more of"
                                                + " [2xx, 3xx, 4xx, 5xx]"));
    }

    /**
     * The instance's address is written only when the operator knows it, so a config without one
     * renders as before; one that could break a header line is refused.
     */
    @Test
    void theInstanceAddressIsOptionalAndHeldToAnAddressOrAHostName() throws Exception {
        ProxyConfig plain = ConfigCodec.parse(MINIMAL);
        assertThat(plain.instanceAddress()).isNull();
        assertThat(ConfigCodec.write(plain)).doesNotContain("instanceAddress");

        for (String address : List.of("203.0.113.5", "2001:db8::5", "lb-1234.elb.example.com")) {
            ProxyConfig known = plain.withInstanceAddress(address);
            String yaml = ConfigCodec.write(known);
            assertThat(yaml).startsWith("version: 7\ninstanceAddress: ");
            assertThat(ConfigCodec.parse(yaml)).isEqualTo(known);
        }

        assertThatThrownBy(() -> ConfigCodec.parse(MINIMAL + "instanceAddress: \"1.2.3.4\\r\\nX-Evil: 1\"\n"))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("instanceAddress: ")
                                .contains("is not an IP address or a host name"));
    }
}
