package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.B_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.B_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.connect;
import static dev.slb.proxy.tls.TestingTlsClients.echo;
import static dev.slb.proxy.tls.TestingTlsClients.openSslHandshake;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.tls.TestingTlsClients.Outcome;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real handshakes on 127.0.0.1 against each provider: what each policy lets through and what it
 * refuses. Every refusal is paired with a client that the looser policy accepts, so a refusal
 * cannot pass because the client itself was broken.
 */
@Timeout(60)
class TlsHandshakeTest {
    private static final String[] TLS12 = {"TLSv1.2"};
    private static final String[] CBC_ONLY = {
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
    };
    private static final String[] RSA_KEY_EXCHANGE_ONLY = {
        "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"
    };
    private static final String[] CBC_SHA2_ONLY = {
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
    };
    private static final List<String> LEGACY_SUITES = List.of(
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA");

    private static TestingTlsServer server(TlsProvider provider, TlsPolicy policy) throws Exception {
        return server(provider, policy, A_CRT, A_KEY);
    }

    private static TestingTlsServer server(TlsProvider provider, TlsPolicy policy, Path cert, Path key)
            throws Exception {
        assumeTrue(provider.isAvailable(), provider + " is not available here");
        return TestingTlsServer.start(
                ReloadingSslContext.load(new Tls(cert.toString(), key.toString(), policy), provider));
    }

    private static void assumeOpenSslClient() {
        // TLS 1.0/1.1 clients come from BoringSSL: Java 17 will not offer those versions at all.
        assumeTrue(TlsProvider.OPENSSL.isAvailable(), "no BoringSSL here to act as a TLS 1.0/1.1 client");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void rsaCertificateServesTls13AndCarriesData(TlsProvider provider) throws Exception {
        try (TestingTlsServer server = server(provider, TlsPolicy.DEFAULT);
                SSLSocket client = connect(server.port())) {
            assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(TestingTlsClients.certificate(A_CRT));
            assertThat(echo(client, "hello")).isEqualTo("hello");
            assertThat(server.nextHandshake()).isEqualTo("ok");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void ecCertificateServesTls12WithEcdsa(TlsProvider provider) throws Exception {
        try (TestingTlsServer server = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT, B_CRT, B_KEY);
                SSLSocket client = connect(server.port(), TLS12, null, null)) {
            assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(client.getSession().getCipherSuite())
                    .startsWith("TLS_ECDHE_ECDSA_WITH_AES_")
                    .contains("_GCM_");
            assertThat(echo(client, "hello")).isEqualTo("hello");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void alpnSelectsHttp11(TlsProvider provider) throws Exception {
        try (TestingTlsServer server = server(provider, TlsPolicy.DEFAULT);
                SSLSocket client = connect(server.port(), null, null, new String[] {"h2", "http/1.1"})) {
            assertThat(client.getApplicationProtocol()).isEqualTo("http/1.1");
        }
    }

    /** HTTP/2 is a later step: an h2-only client still gets a handshake, with no protocol agreed. */
    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void anH2OnlyClientIsNotRefusedButGetsNoProtocol(TlsProvider provider) throws Exception {
        try (TestingTlsServer server = server(provider, TlsPolicy.DEFAULT);
                SSLSocket client = connect(server.port(), null, null, new String[] {"h2"})) {
            assertThat(client.getApplicationProtocol()).isEmpty();
            assertThat(echo(client, "still talking")).isEqualTo("still talking");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void strictRefusesATls12ClientWithOnlyRsaKeyExchange(TlsProvider provider) throws Exception {
        try (TestingTlsServer strict = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT)) {
            assertThatThrownBy(() -> connect(strict.port(), TLS12, RSA_KEY_EXCHANGE_ONLY, null))
                    .isInstanceOf(IOException.class);
            assertThat(strict.nextHandshake()).isNotEqualTo("ok");
        }
        try (TestingTlsServer loose = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_2);
                SSLSocket client = connect(loose.port(), TLS12, RSA_KEY_EXCHANGE_ONLY, null)) {
            assertThat(client.getSession().getCipherSuite()).startsWith("TLS_RSA_WITH_AES_");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void strictTakesATls12ClientWithOnlyCbcSuites(TlsProvider provider) throws Exception {
        try (TestingTlsServer strict = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT);
                SSLSocket client = connect(strict.port(), TLS12, CBC_ONLY, null)) {
            assertThat(client.getSession().getCipherSuite())
                    .startsWith("TLS_ECDHE_RSA_")
                    .contains("_CBC_");
        }
    }

    /** CBC with SHA-256/384 MACs: in the JDK, not in BoringSSL, so on BoringSSL 1_2 is as strict as 1_2_strict. */
    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void policy12AndCbcSha2SuitesDependOnTheProvider(TlsProvider provider) throws Exception {
        try (TestingTlsServer server = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_2)) {
            if (provider == TlsProvider.JDK) {
                try (SSLSocket client = connect(server.port(), TLS12, CBC_SHA2_ONLY, null)) {
                    assertThat(client.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");
                }
            } else {
                assertThatThrownBy(() -> connect(server.port(), TLS12, CBC_SHA2_ONLY, null))
                        .isInstanceOf(IOException.class);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void policy12RefusesATls11Client(TlsProvider provider) throws Exception {
        assumeOpenSslClient();
        try (TestingTlsServer server = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_2)) {
            Outcome tls11 = openSslHandshake(server.port(), List.of("TLSv1.1"), LEGACY_SUITES);
            Outcome tls12 = openSslHandshake(
                    server.port(), List.of("TLSv1.2"), List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));

            assertThat(tls11.succeeded()).as("TLS 1.1 client: %s", tls11).isFalse();
            assertThat(tls12.protocol())
                    .as("the same client offering TLS 1.2: %s", tls12)
                    .isEqualTo("TLSv1.2");
        }
    }

    /** The documented difference: policy 1_1 means TLS 1.1 on BoringSSL, TLS 1.2 and up on the JDK. */
    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void policy11AndATls11Client(TlsProvider provider) throws Exception {
        assumeOpenSslClient();
        try (TestingTlsServer server = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_1)) {
            Outcome tls11 = openSslHandshake(server.port(), List.of("TLSv1.1"), LEGACY_SUITES);
            Outcome tls10 = openSslHandshake(server.port(), List.of("TLSv1"), LEGACY_SUITES);

            if (provider == TlsProvider.OPENSSL) {
                assertThat(tls11.protocol()).as("%s", tls11).isEqualTo("TLSv1.1");
            } else {
                assertThat(tls11.succeeded()).as("%s", tls11).isFalse();
            }
            assertThat(tls10.succeeded()).as("TLS 1.0 client: %s", tls10).isFalse();
        }
    }

    /** The documented difference: policy 1_0 means TLS 1.0 on BoringSSL, TLS 1.2 and up on the JDK. */
    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void policy10AndATls10Client(TlsProvider provider) throws Exception {
        assumeOpenSslClient();
        try (TestingTlsServer server = server(provider, TlsPolicy.TLS_CIPHER_POLICY_1_0)) {
            Outcome tls10 = openSslHandshake(server.port(), List.of("TLSv1"), LEGACY_SUITES);
            Outcome tls11 = openSslHandshake(server.port(), List.of("TLSv1.1"), LEGACY_SUITES);
            Outcome tls12 = openSslHandshake(server.port(), List.of("TLSv1.2"), LEGACY_SUITES);

            if (provider == TlsProvider.OPENSSL) {
                assertThat(tls10.protocol()).as("%s", tls10).isEqualTo("TLSv1");
                assertThat(tls10.cipherSuite()).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
                assertThat(tls11.protocol()).as("%s", tls11).isEqualTo("TLSv1.1");
            } else {
                assertThat(tls10.succeeded()).as("%s", tls10).isFalse();
                assertThat(tls11.succeeded()).as("%s", tls11).isFalse();
            }
            assertThat(tls12.protocol()).as("%s", tls12).isEqualTo("TLSv1.2");
        }
    }

    @Test
    void handlersCarryTheHandshakeTimeout() throws Exception {
        ReloadingSslContext tls = ReloadingSslContext.load(
                new Tls(A_CRT.toString(), A_KEY.toString(), TlsPolicy.DEFAULT), TlsProvider.JDK);
        SslHandler handler = (SslHandler) tls.newHandler(UnpooledByteBufAllocator.DEFAULT);
        EmbeddedChannel channel = new EmbeddedChannel(handler);

        assertThat(handler.getHandshakeTimeoutMillis())
                .isEqualTo(ReloadingSslContext.HANDSHAKE_TIMEOUT.toMillis())
                .isEqualTo(10_000);
        assertThat(handler.engine().getUseClientMode()).isFalse();
        channel.finishAndReleaseAll();
    }
}
