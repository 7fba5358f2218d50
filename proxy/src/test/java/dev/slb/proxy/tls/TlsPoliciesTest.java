package dev.slb.proxy.tls;

import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_0;
import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_1;
import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_2;
import static dev.slb.model.TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT;
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

    @ParameterizedTest
    @EnumSource(TlsPolicy.class)
    void everyPolicyOffersTls13WithAllItsSuites(TlsPolicy policy) {
        assertThat(TlsPolicies.protocols(policy)).startsWith("TLSv1.3", "TLSv1.2");
        assertThat(TlsPolicies.cipherSuites(policy))
                .contains("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    }

    @Test
    void protocolsPerPolicy() {
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_0))
                .containsExactly("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_1)).containsExactly("TLSv1.3", "TLSv1.2", "TLSv1.1");
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_2)).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(TlsPolicies.protocols(TLS_CIPHER_POLICY_1_2_STRICT)).containsExactly("TLSv1.3", "TLSv1.2");
    }

    @Test
    void strictIsForwardSecretAeadOnly() {
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2_STRICT))
                .filteredOn(s -> s.contains("_WITH_"))
                .isNotEmpty()
                .allSatisfy(s -> {
                    assertThat(s).startsWith("TLS_ECDHE_");
                    assertThat(s).containsAnyOf("_GCM_", "_CHACHA20_POLY1305_");
                });
    }

    @Test
    void policy12AddsOnlyEcdheCbcWithSha2Macs() {
        List<String> strict = TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2_STRICT);
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2))
                .containsAll(strict)
                .filteredOn(s -> !strict.contains(s))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s).startsWith("TLS_ECDHE_").containsAnyOf("_CBC_SHA256", "_CBC_SHA384"));
    }

    @Test
    void olderPoliciesOfferEverythingNewerOnesDo() {
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_1))
                .containsAll(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_2));
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_0))
                .containsAll(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_1));
        // TLS 1.0/1.1 have no AEAD suites: without CBC-SHA ones those versions could never be agreed.
        assertThat(TlsPolicies.cipherSuites(TLS_CIPHER_POLICY_1_1))
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

        assertThat(offer.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
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
        assertThat(offer.missingCipherSuites()).contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");
    }

    /** Java 17 as shipped: the JDK provider will not negotiate TLS 1.0 or 1.1 whatever the policy says. */
    @Test
    void jdkProviderOnThisJvmOffersTls12AndUpForPolicy10() throws TlsException {
        TlsPolicies.Offer offer = TlsPolicies.offer(TLS_CIPHER_POLICY_1_0, TlsProvider.JDK);

        assertThat(offer.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(offer.missingProtocols()).containsExactly("TLSv1.1", "TLSv1");
        assertThat(offer.missingCipherSuites()).isEmpty();
    }

    /** BoringSSL keeps TLS 1.0/1.1 but has no CBC suites with SHA-256/384 MACs. */
    @Test
    void openSslProviderOffersEveryVersionButNoCbcSha2Suites() throws TlsException {
        assumeTrue(TlsProvider.OPENSSL.isAvailable(), "BoringSSL (netty-tcnative) is not available here");

        TlsPolicies.Offer old = TlsPolicies.offer(TLS_CIPHER_POLICY_1_0, TlsProvider.OPENSSL);
        TlsPolicies.Offer p12 = TlsPolicies.offer(TLS_CIPHER_POLICY_1_2, TlsProvider.OPENSSL);
        TlsPolicies.Offer strict = TlsPolicies.offer(TLS_CIPHER_POLICY_1_2_STRICT, TlsProvider.OPENSSL);

        assertThat(old.protocols()).containsExactly("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");
        assertThat(old.missingCipherSuites())
                .allSatisfy(s -> assertThat(s).containsAnyOf("_CBC_SHA256", "_CBC_SHA384"));
        assertThat(p12.cipherSuites()).isEqualTo(strict.cipherSuites());
        assertThat(strict.missingCipherSuites()).isEmpty();
    }
}
