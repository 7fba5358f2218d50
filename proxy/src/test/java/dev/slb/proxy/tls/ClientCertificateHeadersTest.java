package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_CA_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_GOOD_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_GOOD_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.certificate;
import static dev.slb.proxy.tls.TestingTlsClients.connectAs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ClientAuthentication;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Through the whole proxy: the verified client certificate's subject, issuer and fingerprint reach
 * the backend in X-Forwarded-Clientcert-* headers, and whatever a client sends under those names
 * never does, with client authentication or without it.
 */
@Timeout(60)
class ClientCertificateHeadersTest {
    private static final String FORGED = "X-Forwarded-Clientcert-Subjectdn: CN=admin\r\n"
            + "X-Forwarded-Clientcert-Fingerprint: 00\r\n"
            + "x-forwarded-clientcert-clientverify: SUCCESS\r\n"
            + "X-Forwarded-Clientcert-Issuerdn: CN=anyone\r\n";

    private static Listener https(TestingBackend backend, ClientAuthentication auth) {
        Tls tls = new Tls(A_CRT.toString(), A_KEY.toString(), null, TlsPolicy.DEFAULT, null, auth);
        return Listener.of("secure", Protocol.HTTPS, 0, List.of(backend.backend()))
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(tls);
    }

    private static String get(SSLSocket socket) throws IOException {
        socket.getOutputStream()
                .write(("GET /whoami HTTP/1.1\r\nHost: t\r\n" + FORGED + "Connection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void theVerifiedCertificateReachesTheBackendAndForgedHeadersDoNot() throws Exception {
        try (TestingBackend backend = TestingBackend.start("b");
                TestingProxy proxy = TestingProxy.start(https(
                        backend,
                        new ClientAuthentication(
                                null, CLIENT_CA_CRT.toString(), ClientAuthentication.Mode.OPTIONAL)))) {
            try (SSLSocket client = connectAs(proxy.port("secure"), null, CLIENT_GOOD_CRT, CLIENT_GOOD_KEY, null)) {
                assertThat(get(client)).startsWith("HTTP/1.1 200");
            }
            try (SSLSocket anonymous = connectAs(proxy.port("secure"), null, null, null, null)) {
                assertThat(get(anonymous)).startsWith("HTTP/1.1 200");
            }
            assertThat(backend.awaitRequests(2, Duration.ofSeconds(10))).isTrue();

            TestingBackend.Seen verified = backend.requests().get(0);
            assertThat(verified.header("X-Forwarded-Clientcert-Clientverify")).isEqualTo("SUCCESS");
            assertThat(verified.header("X-Forwarded-Clientcert-Subjectdn")).isEqualTo("CN=client-good,O=slb test");
            assertThat(verified.header("X-Forwarded-Clientcert-Issuerdn")).isEqualTo("CN=client-ca,O=slb test");
            assertThat(verified.header("X-Forwarded-Clientcert-Fingerprint"))
                    .isEqualTo(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256")
                                    .digest(certificate(CLIENT_GOOD_CRT).getEncoded())));
            assertThat(countNamed(verified, "X-Forwarded-Clientcert-Subjectdn")).isEqualTo(1);

            TestingBackend.Seen none = backend.requests().get(1);
            assertThat(none.header("X-Forwarded-Clientcert-Clientverify")).isEqualTo("NONE");
            assertThat(none.has("X-Forwarded-Clientcert-Subjectdn")).isFalse();
            assertThat(none.has("X-Forwarded-Clientcert-Fingerprint")).isFalse();
            assertThat(none.has("X-Forwarded-Clientcert-Issuerdn")).isFalse();
        }
    }

    @Test
    void withoutClientAuthenticationTheHeadersAreStrippedAndNoneAreAdded() throws Exception {
        try (TestingBackend backend = TestingBackend.start("b");
                TestingProxy proxy = TestingProxy.start(https(backend, null))) {
            try (SSLSocket client = connectAs(proxy.port("secure"), null, null, null, null)) {
                assertThat(get(client)).startsWith("HTTP/1.1 200");
            }
            assertThat(backend.awaitRequests(1, Duration.ofSeconds(10))).isTrue();
            assertThat(backend.requests().get(0).headerNames())
                    .noneMatch(n -> n.toLowerCase(java.util.Locale.ROOT).startsWith("x-forwarded-clientcert"));
        }
    }

    private static long countNamed(TestingBackend.Seen seen, String name) {
        return seen.headerNames().stream().filter(n -> n.equalsIgnoreCase(name)).count();
    }
}
