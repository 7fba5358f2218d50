package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.connect;
import static dev.slb.proxy.tls.TestingTlsClients.openSslHandshake;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.tls.TestingTlsClients.Outcome;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each policy on each provider, against a client offering one protocol version at a time: TLS 1.0
 * to 1.3 from BoringSSL (Java 17 will not offer 1.0/1.1 as a client), TLS 1.2 and 1.3 from the
 * JDK's SSLSocket as well. A version is agreed exactly when the policy lists it and the provider
 * has it (the JDK provider has no TLS 1.0/1.1 on Java 17).
 */
@Timeout(120)
class TlsPolicyVersionsTest {
    private static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    // What a client of each version can use against an RSA certificate under some policy.
    private static final List<String> CLIENT_SUITES = List.of(
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_AES_128_GCM_SHA256");

    static Stream<Arguments> providersAndPolicies() {
        return Stream.of(TlsProvider.values())
                .flatMap(provider -> Stream.of(TlsPolicy.values()).map(policy -> Arguments.of(provider, policy)));
    }

    // The product's table, written out here rather than read from the code under test, with the one
    // deliberate difference: _1_2 offers TLS 1.3 too (the earlier release stored it as the default;
    // the product's _1_2 is TLS 1.2 only, which _1_2_strict gives). See proxy/TLS.md.
    private static final Map<TlsPolicy, List<String>> PRODUCT = Map.of(
            TlsPolicy.TLS_CIPHER_POLICY_1_0, List.of("TLSv1", "TLSv1.1", "TLSv1.2"),
            TlsPolicy.TLS_CIPHER_POLICY_1_1, List.of("TLSv1.1", "TLSv1.2"),
            TlsPolicy.TLS_CIPHER_POLICY_1_2, List.of("TLSv1.2", "TLSv1.3"),
            TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT, List.of("TLSv1.2"),
            TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3, List.of("TLSv1.2", "TLSv1.3"));

    static boolean expected(TlsProvider provider, TlsPolicy policy, String version) {
        boolean providerHasIt =
                provider == TlsProvider.OPENSSL || version.equals("TLSv1.2") || version.equals("TLSv1.3");
        return PRODUCT.get(policy).contains(version) && providerHasIt;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("providersAndPolicies")
    void eachVersionIsAgreedExactlyWhenThePolicyAndTheProviderHaveIt(TlsProvider provider, TlsPolicy policy)
            throws Exception {
        assumeTrue(provider.isAvailable(), provider + " is not available here");
        ReloadingSslContext tls =
                ReloadingSslContext.load(new Tls(A_CRT.toString(), A_KEY.toString(), policy), provider);
        try (TestingTlsServer server = TestingTlsServer.start(tls)) {
            for (String version : List.of("TLSv1.2", "TLSv1.3")) {
                String[] protocols = {version};
                if (expected(provider, policy, version)) {
                    try (SSLSocket client = connect(server.port(), protocols, null, null)) {
                        assertThat(client.getSession().getProtocol())
                                .as("JDK client, %s", version)
                                .isEqualTo(version);
                    }
                } else {
                    assertThatThrownBy(() -> connect(server.port(), protocols, null, null))
                            .as("JDK client, %s", version)
                            .isInstanceOf(IOException.class);
                }
            }
            if (!TlsProvider.OPENSSL.isAvailable()) {
                return;
            }
            for (String version : VERSIONS) {
                Outcome outcome = openSslHandshake(server.port(), List.of(version), CLIENT_SUITES);
                if (expected(provider, policy, version)) {
                    assertThat(outcome.protocol())
                            .as("BoringSSL client, %s: %s", version, outcome)
                            .isEqualTo(version);
                } else {
                    assertThat(outcome.succeeded())
                            .as("BoringSSL client, %s: %s", version, outcome)
                            .isFalse();
                }
            }
        }
    }
}
