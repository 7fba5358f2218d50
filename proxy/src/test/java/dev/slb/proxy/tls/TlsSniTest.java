package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.API_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.API_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.B_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.B_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.WILD_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.WILD_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.certificate;
import static dev.slb.proxy.tls.TestingTlsClients.connectAs;
import static dev.slb.proxy.tls.TestingTlsClients.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slb.model.ExtraCertificate;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Extra certificates chosen by SNI, on real handshakes with each provider: an exact domain, a
 * wildcard one, and the listener's own certificate for every other name and for no name.
 */
@Timeout(60)
class TlsSniTest {
    private static final X509Certificate A = certificate(A_CRT);
    private static final X509Certificate B = certificate(B_CRT);
    private static final X509Certificate API = certificate(API_CRT);
    private static final X509Certificate WILD = certificate(WILD_CRT);

    private static Tls tls(List<ExtraCertificate> extras) {
        return new Tls(A_CRT.toString(), A_KEY.toString(), null, TlsPolicy.DEFAULT, extras, null);
    }

    private static List<ExtraCertificate> apiAndWildcard(Path apiCrt, Path apiKey) {
        return List.of(
                new ExtraCertificate("api.example.test", apiCrt.toString(), apiKey.toString(), null),
                new ExtraCertificate("*.apps.example.test", WILD_CRT.toString(), WILD_KEY.toString(), null));
    }

    private static Certificate served(int port, String serverName) throws Exception {
        try (SSLSocket client = connectAs(port, serverName, null, null, null)) {
            assertThat(echo(client, "hello")).isEqualTo("hello");
            return client.getSession().getPeerCertificates()[0];
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void eachNameGetsItsCertificateAndEveryOtherNameTheListenersOwn(TlsProvider provider) throws Exception {
        assumeTrue(provider.isAvailable(), provider + " is not available here");
        ReloadingSslContext tls = ReloadingSslContext.load(tls(apiAndWildcard(API_CRT, API_KEY)), provider);
        assertThat(tls.extraCertificates()).containsOnlyKeys("api.example.test", "*.apps.example.test");

        try (TestingTlsServer server = TestingTlsServer.start(tls)) {
            assertThat(served(server.port(), "api.example.test")).isEqualTo(API);
            assertThat(served(server.port(), "API.Example.Test"))
                    .as("names are case-insensitive")
                    .isEqualTo(API);
            assertThat(served(server.port(), "one.apps.example.test")).isEqualTo(WILD);
            assertThat(served(server.port(), "two.apps.example.test")).isEqualTo(WILD);
            assertThat(served(server.port(), "deep.one.apps.example.test"))
                    .as("a wildcard stands for one label")
                    .isEqualTo(A);
            assertThat(served(server.port(), "apps.example.test")).isEqualTo(A);
            assertThat(served(server.port(), "www.example.test")).isEqualTo(A);
            assertThat(served(server.port(), null)).as("no SNI").isEqualTo(A);
        }
    }

    @Test
    void anExtraCertificateThatCannotBeReadFailsTheLoadNamingItsDomain() {
        List<ExtraCertificate> broken = List.of(new ExtraCertificate(
                "api.example.test", TestingTlsClients.BROKEN_CRT.toString(), API_KEY.toString(), null));
        assertThatThrownBy(() -> ReloadingSslContext.load(tls(broken), TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith("the certificate for api.example.test: ")
                .hasMessageContaining("broken.crt");
    }

    /** A renewed extra certificate reaches new handshakes for its domain; the others and open connections keep theirs. */
    @Test
    void aChangedExtraCertificateIsReloadedForItsDomainAlone(@TempDir Path dir) throws Exception {
        Path crt = Files.copy(API_CRT, dir.resolve("api.crt"));
        Path key = Files.copy(API_KEY, dir.resolve("api.key"));
        ReloadingSslContext tls = ReloadingSslContext.load(tls(apiAndWildcard(crt, key)), TlsProvider.JDK);

        try (TestingTlsServer server = TestingTlsServer.start(tls);
                SSLSocket before = connectAs(server.port(), "api.example.test", null, null, null)) {
            assertThat(before.getSession().getPeerCertificates()[0]).isEqualTo(API);
            assertThat(tls.reloadIfChanged()).as("nothing changed").isFalse();

            Files.copy(B_CRT, crt, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(B_KEY, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

            assertThat(tls.reloadIfChanged()).isTrue();
            assertThat(served(server.port(), "api.example.test")).isEqualTo(B);
            assertThat(served(server.port(), "x.apps.example.test")).isEqualTo(WILD);
            assertThat(served(server.port(), null)).isEqualTo(A);
            assertThat(echo(before, "still here")).isEqualTo("still here");
        }
    }

    /** Extra certificates from Secrets, as the operator's proxies have them; a Secret gone keeps the last good one. */
    @Test
    void extraCertificatesFromSecretsAreFollowed() throws Exception {
        TestingSecretStore secrets =
                new TestingSecretStore().tls("own", A_CRT, A_KEY).tls("api", API_CRT, API_KEY);
        Tls fromSecrets = Tls.fromSecret("own", TlsPolicy.DEFAULT)
                .withExtraCertificates(List.of(ExtraCertificate.fromSecret("api.example.test", "api")));
        assertThat(fromSecrets.secretNames()).containsExactly("api", "own");
        ReloadingSslContext tls = ReloadingSslContext.load(fromSecrets, TlsProvider.JDK, secrets);

        try (TestingTlsServer server = TestingTlsServer.start(tls)) {
            assertThat(served(server.port(), "api.example.test")).isEqualTo(API);

            secrets.tls("api", B_CRT, B_KEY);
            assertThat(tls.reloadIfChanged()).isTrue();
            assertThat(served(server.port(), "api.example.test")).isEqualTo(B);

            secrets.delete("api");
            assertThat(tls.reloadIfChanged()).isFalse();
            assertThat(served(server.port(), "api.example.test")).isEqualTo(B);
            assertThat(served(server.port(), null)).isEqualTo(A);
        }
    }

    /**
     * The same as a person checks it by hand: {@code openssl s_client -servername}. Skipped where
     * openssl is missing, except under CI, where {@code .ci/run} installs it and its absence is a failure.
     */
    @Test
    void opensslSClientGetsTheCertificateOfTheNameItSends() throws Exception {
        if (System.getenv("CI") != null) {
            assertThat(onPath("openssl"))
                    .as("openssl on PATH (.ci/run installs it)")
                    .isTrue();
        }
        assumeTrue(onPath("openssl"), "no openssl on PATH");
        ReloadingSslContext tls = ReloadingSslContext.load(tls(apiAndWildcard(API_CRT, API_KEY)), TlsProvider.JDK);
        try (TestingTlsServer server = TestingTlsServer.start(tls)) {
            assertThat(sClientSubject(server.port(), "api.example.test")).contains("CN = api.example.test");
            assertThat(sClientSubject(server.port(), "x.apps.example.test")).contains("CN = *.apps.example.test");
            assertThat(sClientSubject(server.port(), "other.example.test")).contains("CN = localhost");
        }
    }

    private static String sClientSubject(int port, String serverName) throws Exception {
        Process p = new ProcessBuilder(
                        "openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", serverName, "-brief")
                .redirectErrorStream(true)
                .start();
        try {
            p.getOutputStream().close();
            assertThat(p.waitFor(20, TimeUnit.SECONDS))
                    .as("openssl s_client ended")
                    .isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return out.lines()
                    .filter(l -> l.startsWith("Peer certificate:"))
                    .findFirst()
                    .orElse(out);
        } finally {
            p.destroyForcibly();
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null
                && java.util.Arrays.stream(path.split(File.pathSeparator))
                        .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }
}
