package dev.slb.proxy.tls;

import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_0;
import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_1;
import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_2;
import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT;
import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slb.model.TlsPolicy;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsPoliciesTest {
    private static final String JAVA_17_DISABLED = "SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA,"
            + " DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL, ECDH";

    @ParameterizedTest
    @EnumSource(TlsPolicy.class)
    void noPolicyOffersBrokenOrUnauthenticatedSuites(TlsPolicy policy) {
        assertThat(TlsPolicies.cipherSuites(policy))
                .isNotEmpty()
                .doesNotHaveDuplicates()
                .allSatisfy(s -> assertThat(s)
                        .doesNotContain("RC4", "3DES", "DES_CBC", "NULL", "EXPORT", "anon", "MD5")
                        .startsWith("TLS_"));
    }

    /** The product's policy with TLS 1.3, and _1_2 (the one deliberate difference: it keeps TLS 1.3). */
    @Test
    void strictWith13And12OfferTls13AndItsSuites() {
        for (TlsPolicy policy : TlsPolicy.values()) {
            boolean tls13 = policy == TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3 || policy == TLS_CIPHER_POLICY_1_2;
            assertThat(TlsPolicies.protocols(policy).contains("TLSv1.3"))
                    .as("%s", policy)
                    .isEqualTo(tls13);
            assertThat(TlsPolicies.cipherSuites(policy).contains("TLS_AES_128_GCM_SHA256"))
                    .as("%s", policy)
                    .isEqualTo(tls13);
        }
        List<String> tls13Suites = List.of(
                "TLS_AES_128_GCM_SHA256",
                "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_AES_128_CCM_SHA256",
                "TLS_AES_128_CCM_8_SHA256");
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3))
                .startsWith(tls13Suites.toArray(String[]::new))
                .endsWith(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2_STRICT).toArray(String[]::new));
        // _1_2: the TLS 1.3 suites of _1_2_strict_with_1_3, then its own TLS 1.2 suites (those of _1_0).
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2))
                .startsWith(tls13Suites.toArray(String[]::new))
                .endsWith(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_0).toArray(String[]::new))
                .hasSize(tls13Suites.size()
                        + TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_0).size());
    }

    @Test
    void protocolsPerPolicy() {
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_0)).containsExactly("TLSv1.2", "TLSv1.1", "TLSv1");
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_1)).containsExactly("TLSv1.2", "TLSv1.1");
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_2)).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_2_STRICT)).containsExactly("TLSv1.2");
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3)).containsExactly("TLSv1.3", "TLSv1.2");
    }

    /** The product's table, suite by suite (DES-CBC3-SHA left out on purpose; see TlsPolicies). */
    @Test
    void suitesPerPolicyAreTheProductsTable() {
        List<String> strict = List.of(
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
        List<String> rsa = List.of(
                "TLS_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_RSA_WITH_AES_256_CBC_SHA256",
                "TLS_RSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_256_CBC_SHA");
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2_STRICT)).containsExactlyElementsOf(strict);
        for (TlsPolicy loose : List.of(TLS_CIPHER_POLICY_1_0, TLS_CIPHER_POLICY_1_1, TLS_CIPHER_POLICY_1_2)) {
            assertThat(TlsPolicies.cipherSuites(loose).stream()
                            .filter(s -> s.contains("_WITH_"))
                            .toList())
                    .as("%s", loose)
                    .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(strict.stream(), rsa.stream())
                            .toList());
        }
    }

    @Test
    void strictPoliciesAreForwardSecretOnly() {
        for (TlsPolicy strict : List.of(TLS_CIPHER_POLICY_1_2_STRICT, TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3)) {
            assertThat(TlsPolicies.cipherSuites(strict))
                    .filteredOn(s -> s.contains("_WITH_"))
                    .isNotEmpty()
                    .allSatisfy(s -> assertThat(s).startsWith("TLS_ECDHE_"));
        }
    }

    @Test
    void tls10And11HaveSuitesTheyCanUse() {
        // TLS 1.0/1.1 have no AEAD suites: without CBC-SHA ones those versions could never be agreed.
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_0))
                .isEqualTo(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_1))
                .contains(
                        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                        "TLS_RSA_WITH_AES_128_CBC_SHA");
    }

    @Test
    void theProtocolsJava17DisablesAreReadFromTheSecurityProperty() {
        assertThat(TlsPolicies.disabledProtocols(JAVA_17_DISABLED))
                .containsExactlyInAnyOrder("SSLv3", "TLSv1", "TLSv1.1");
        assertThat(TlsPolicies.disabledProtocols("SSLv3, RC4")).containsExactly("SSLv3");
        assertThat(TlsPolicies.disabledProtocols(null)).isEmpty();
    }

    @Test
    void withTls10And11DisabledTheOldPoliciesOfferTls12AndUp() {
        Set<String> usable = Set.of("TLSv1.3", "TLSv1.2");
        Set<String> suites = Set.copyOf(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_0));

        TlsPolicies.Offer offer = TlsPolicies.offer(TLS_CIPHER_POLICY_1_0, TlsProvider.JDK, usable, suites);

        assertThat(offer.protocols()).containsExactly("TLSv1.2");
        assertThat(offer.missingProtocols()).containsExactly("TLSv1.1", "TLSv1");
        assertThat(offer.cipherSuites()).isEqualTo(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_0));
    }

    @Test
    void suitesAProviderLacksAreLeftOutNotFatal() {
        Set<String> usable = Set.of("TLSv1.3", "TLSv1.2");
        Set<String> suites = Set.of("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

        TlsPolicies.Offer offer = TlsPolicies.offer(TLS_CIPHER_POLICY_1_2, TlsProvider.OPENSSL, usable, suites);

        assertThat(offer.cipherSuites())
                .containsExactly("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThat(offer.missingCipherSuites())
                .contains("TLS_AES_128_CCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");
    }

    /** Java 17 as shipped: the JDK provider will not negotiate TLS 1.0 or 1.1 whatever the policy says. */
    @Test
    void jdkProviderOnThisJvmOffersTls12OnlyForPolicy10() throws TlsException {
        TlsPolicies.Offer offer = TlsPolicies.offer(TLS_CIPHER_POLICY_1_0, TlsProvider.JDK);
        TlsPolicies.Offer with13 = TlsPolicies.offer(TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3, TlsProvider.JDK);

        assertThat(with13.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(with13.missingCipherSuites()).containsExactly("TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");
        assertThat(offer.protocols()).containsExactly("TLSv1.2");
        assertThat(offer.missingProtocols()).containsExactly("TLSv1.1", "TLSv1");
        assertThat(offer.missingCipherSuites()).isEmpty();
    }

    /** BoringSSL keeps TLS 1.0/1.1 but has no CBC suites with SHA-256/384 MACs. */
    @Test
    void openSslProviderOffersEveryVersionButNoCbcSha2Suites() throws TlsException {
        assumeTrue(TlsProvider.OPENSSL.isAvailable(), "BoringSSL (netty-tcnative) is not available here");

        TlsPolicies.Offer old = TlsPolicies.offer(TLS_CIPHER_POLICY_1_0, TlsProvider.OPENSSL);
        TlsPolicies.Offer with13 = TlsPolicies.offer(TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3, TlsProvider.OPENSSL);

        assertThat(old.protocols()).containsExactly("TLSv1.2", "TLSv1.1", "TLSv1");
        assertThat(old.missingCipherSuites())
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s).containsAnyOf("_CBC_SHA256", "_CBC_SHA384"));
        assertThat(with13.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(with13.missingCipherSuites())
                .allSatisfy(s -> assertThat(s).containsAnyOf("_CBC_SHA256", "_CBC_SHA384", "_CCM_"));
    }
}
