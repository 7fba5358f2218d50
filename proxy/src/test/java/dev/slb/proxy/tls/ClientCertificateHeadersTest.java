package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_BAD_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_BAD_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_CA_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_GOOD_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.CLIENT_GOOD_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.certificate;
import static dev.slb.proxy.tls.TestingTlsClients.connectAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.ClientAuthentication;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * never does, with client authentication or without it; over HTTP/1.1 and on every stream of HTTP/2.
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

            assertVerified(backend.requests().get(0));
            assertNone(backend.requests().get(1));
        }
    }

    /** What the backend must see from client-good's certificate, whatever the client forged. */
    private static void assertVerified(TestingBackend.Seen verified) throws Exception {
        assertThat(verified.header("X-Forwarded-Clientcert-Clientverify")).isEqualTo("SUCCESS");
        assertThat(verified.header("X-Forwarded-Clientcert-Subjectdn")).isEqualTo("CN=client-good,O=slb test");
        assertThat(verified.header("X-Forwarded-Clientcert-Issuerdn")).isEqualTo("CN=client-ca,O=slb test");
        assertThat(verified.header("X-Forwarded-Clientcert-Fingerprint"))
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(certificate(CLIENT_GOOD_CRT).getEncoded())));
        for (String name : List.of("Clientverify", "Subjectdn", "Issuerdn", "Fingerprint")) {
            assertThat(countNamed(verified, "X-Forwarded-Clientcert-" + name)).isEqualTo(1);
        }
    }

    /** What the backend must see from a client that gave no certificate (mode Optional), whatever it forged. */
    private static void assertNone(TestingBackend.Seen none) {
        assertThat(none.header("X-Forwarded-Clientcert-Clientverify")).isEqualTo("NONE");
        assertThat(countNamed(none, "X-Forwarded-Clientcert-Clientverify")).isEqualTo(1);
        assertThat(none.has("X-Forwarded-Clientcert-Subjectdn")).isFalse();
        assertThat(none.has("X-Forwarded-Clientcert-Fingerprint")).isFalse();
        assertThat(none.has("X-Forwarded-Clientcert-Issuerdn")).isFalse();
    }

    /**
     * HTTP/2 (the JDK HttpClient, ALPN h2) with mode Require: a good certificate's streams, two on
     * one connection, each carry it and none of the forged copies; a bad certificate and none are
     * refused before any request reaches the backend.
     */
    @Test
    void overHttp2RequireServesOnlyAVerifiedCertificateAndEachStreamCarriesIt() throws Exception {
        try (TestingBackend backend = TestingBackend.start("b");
                TestingProxy proxy = TestingProxy.start(https(
                        backend,
                        new ClientAuthentication(null, CLIENT_CA_CRT.toString(), ClientAuthentication.Mode.REQUIRE)))) {
            URI uri = URI.create("https://127.0.0.1:" + proxy.port("secure") + "/whoami");
            HttpClient good = h2(CLIENT_GOOD_CRT, CLIENT_GOOD_KEY);
            for (int stream = 0; stream < 2; stream++) {
                HttpResponse<String> res = good.send(forged(uri), HttpResponse.BodyHandlers.ofString());
                assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(res.statusCode()).isEqualTo(200);
            }
            assertThatThrownBy(() ->
                            h2(CLIENT_BAD_CRT, CLIENT_BAD_KEY).send(forged(uri), HttpResponse.BodyHandlers.ofString()))
                    .as("a certificate the CA does not vouch for")
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> h2(null, null).send(forged(uri), HttpResponse.BodyHandlers.ofString()))
                    .as("no certificate")
                    .isInstanceOf(IOException.class);

            assertThat(backend.requestCount()).isEqualTo(2);
            for (TestingBackend.Seen seen : backend.requests()) {
                assertVerified(seen);
            }
        }
    }

    /** HTTP/2 with mode Optional: a good certificate is SUCCESS, none is NONE, a bad one is refused; forged copies never pass. */
    @Test
    void overHttp2OptionalTellsNoCertificateFromAVerifiedOneAndRefusesABadOne() throws Exception {
        try (TestingBackend backend = TestingBackend.start("b");
                TestingProxy proxy = TestingProxy.start(https(
                        backend,
                        new ClientAuthentication(
                                null, CLIENT_CA_CRT.toString(), ClientAuthentication.Mode.OPTIONAL)))) {
            URI uri = URI.create("https://127.0.0.1:" + proxy.port("secure") + "/whoami");
            HttpResponse<String> verified =
                    h2(CLIENT_GOOD_CRT, CLIENT_GOOD_KEY).send(forged(uri), HttpResponse.BodyHandlers.ofString());
            assertThat(verified.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(verified.statusCode()).isEqualTo(200);
            HttpResponse<String> anonymous = h2(null, null).send(forged(uri), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(anonymous.statusCode()).isEqualTo(200);
            assertThatThrownBy(() ->
                            h2(CLIENT_BAD_CRT, CLIENT_BAD_KEY).send(forged(uri), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);

            assertThat(backend.requestCount()).isEqualTo(2);
            assertVerified(backend.requests().get(0));
            assertNone(backend.requests().get(1));
        }
    }

    @Test
    void overHttp2WithoutClientAuthenticationTheHeadersAreStripped() throws Exception {
        try (TestingBackend backend = TestingBackend.start("b");
                TestingProxy proxy = TestingProxy.start(https(backend, null))) {
            URI uri = URI.create("https://127.0.0.1:" + proxy.port("secure") + "/whoami");
            HttpResponse<String> res = h2(null, null).send(forged(uri), HttpResponse.BodyHandlers.ofString());
            assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(backend.requests().get(0).headerNames())
                    .noneMatch(n -> n.toLowerCase(java.util.Locale.ROOT).startsWith("x-forwarded-clientcert"));
        }
    }

    /** A JDK HttpClient speaking HTTP/2, presenting {@code cert} (none when null). */
    private static HttpClient h2(Path cert, Path key) throws Exception {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(TestingTlsClients.clientContext(cert, key))
                .build();
    }

    /** GET {@code uri} with every client-certificate header forged. */
    private static HttpRequest forged(URI uri) {
        return HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("X-Forwarded-Clientcert-Subjectdn", "CN=admin")
                .header("X-Forwarded-Clientcert-Fingerprint", "00")
                .header("x-forwarded-clientcert-clientverify", "SUCCESS")
                .header("X-Forwarded-Clientcert-Issuerdn", "CN=anyone")
                .build();
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
