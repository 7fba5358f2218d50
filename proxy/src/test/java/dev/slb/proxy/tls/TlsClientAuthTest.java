package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_BAD_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_BAD_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_CA_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_GOOD_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_GOOD_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.OTHER_CA_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.connectAs;
import static dev.slb.proxy.tls.TestingTlsClients.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slb.model.ClientAuthentication;
import dev.slb.model.ClientAuthentication.Mode;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mutual TLS on real handshakes with each provider and TLS 1.2 and 1.3: a client certificate the
 * CA vouches for, one it does not, and none, under Require and Optional; and a CA changed in its
 * Secret. The server's own outcome is what counts: with TLS 1.3 a client learns of a refusal only
 * when it next reads.
 */
@Timeout(60)
class TlsClientAuthTest {
    private static final String GOOD = "CN=client-good,O=slb test";
    private static final String[][] VERSIONS = {{"TLSv1.3"}, {"TLSv1.2"}};

    private static ReloadingSslContext context(TlsProvider provider, Mode mode, TestingSecretStore secrets)
            throws Exception {
        assumeTrue(provider.isAvailable(), provider + " is not available here");
        Tls tls = new Tls(A_CRT.toString(), A_KEY.toString(), null, TlsPolicy.DEFAULT, null, null)
                .withClientAuthentication(new ClientAuthentication("clients-ca", null, mode));
        return ReloadingSslContext.load(tls, provider, secrets);
    }

    private static TestingTlsServer server(TlsProvider provider, Mode mode, TestingSecretStore secrets)
            throws Exception {
        return TestingTlsServer.start(context(provider, mode, secrets));
    }

    /** Connects, and carries one line when the handshake lets it; the server's handshake outcome is returned. */
    private static String attempt(TestingTlsServer server, Path cert, Path key, String[] version) throws Exception {
        try (SSLSocket client = connectAs(server.port(), null, cert, key, version)) {
            echo(client, "hello");
        } catch (IOException refusedOnTheClientSide) {
            // Which side notices first depends on the version; the server's outcome below decides.
        }
        return server.nextHandshake();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void requireLetsInOnlyACertificateTheCaVouchesFor(TlsProvider provider) throws Exception {
        TestingSecretStore secrets = new TestingSecretStore().ca("clients-ca", CLIENT_CA_CRT);
        try (TestingTlsServer server = server(provider, Mode.REQUIRE, secrets)) {
            for (String[] version : VERSIONS) {
                assertThat(attempt(server, CLIENT_GOOD_CRT, CLIENT_GOOD_KEY, version))
                        .as("good, %s", version[0])
                        .isEqualTo("ok");
                assertThat(server.clients.poll()).isEqualTo(GOOD);
                assertThat(attempt(server, CLIENT_BAD_CRT, CLIENT_BAD_KEY, version))
                        .as("bad, %s", version[0])
                        .isNotEqualTo("ok");
                assertThat(attempt(server, null, null, version))
                        .as("absent, %s", version[0])
                        .isNotEqualTo("ok");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void optionalLetsInNoCertificateButNotABadOne(TlsProvider provider) throws Exception {
        TestingSecretStore secrets = new TestingSecretStore().ca("clients-ca", CLIENT_CA_CRT);
        try (TestingTlsServer server = server(provider, Mode.OPTIONAL, secrets)) {
            for (String[] version : VERSIONS) {
                assertThat(attempt(server, CLIENT_GOOD_CRT, CLIENT_GOOD_KEY, version))
                        .isEqualTo("ok");
                assertThat(server.clients.poll()).isEqualTo(GOOD);
                assertThat(attempt(server, null, null, version))
                        .as("absent, %s", version[0])
                        .isEqualTo("ok");
                assertThat(server.clients.poll()).isEqualTo("none");
                assertThat(attempt(server, CLIENT_BAD_CRT, CLIENT_BAD_KEY, version))
                        .as("bad, %s", version[0])
                        .isNotEqualTo("ok");
            }
        }
    }

    /** A new CA bundle in the Secret is a reload: the other CA's client gets in, the first's no longer. */
    @Test
    void aChangedCaBundleIsInUseAfterTheNextCheck() throws Exception {
        TestingSecretStore secrets = new TestingSecretStore().ca("clients-ca", CLIENT_CA_CRT);
        ReloadingSslContext tls = context(TlsProvider.JDK, Mode.REQUIRE, secrets);
        try (TestingTlsServer server = TestingTlsServer.start(tls);
                SSLSocket before = connectAs(server.port(), null, CLIENT_GOOD_CRT, CLIENT_GOOD_KEY, null)) {
            assertThat(echo(before, "hello")).isEqualTo("hello");
            assertThat(server.nextHandshake()).isEqualTo("ok");
            assertThat(tls.reloadIfChanged()).as("nothing changed").isFalse();

            secrets.ca("clients-ca", OTHER_CA_CRT);
            assertThat(tls.reloadIfChanged()).isTrue();

            assertThat(attempt(server, CLIENT_GOOD_CRT, CLIENT_GOOD_KEY, null)).isNotEqualTo("ok");
            assertThat(attempt(server, CLIENT_BAD_CRT, CLIENT_BAD_KEY, null)).isEqualTo("ok");
            assertThat(echo(before, "open connections keep theirs")).isEqualTo("open connections keep theirs");

            secrets.delete("clients-ca");
            assertThat(tls.reloadIfChanged())
                    .as("a CA Secret gone keeps the last bundle")
                    .isFalse();
            assertThat(attempt(server, CLIENT_BAD_CRT, CLIENT_BAD_KEY, null)).isEqualTo("ok");
        }
    }

    @Test
    void aSecretWithoutCaCrtIsRefusedNamingIt() throws Exception {
        TestingSecretStore secrets = new TestingSecretStore().tls("clients-ca", A_CRT, A_KEY);
        Tls tls = new Tls(A_CRT.toString(), A_KEY.toString(), null, TlsPolicy.DEFAULT, null, null)
                .withClientAuthentication(new ClientAuthentication("clients-ca", null, Mode.REQUIRE));
        assertThatThrownBy(() -> ReloadingSslContext.load(tls, TlsProvider.JDK, secrets))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("Secret testing/clients-ca has no ca.crt");
    }
}
