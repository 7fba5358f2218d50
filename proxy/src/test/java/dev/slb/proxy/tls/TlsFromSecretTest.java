package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.B_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.B_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.connect;
import static dev.slb.proxy.tls.TestingTlsClients.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.ProxyServer;
import dev.slb.proxy.config.KubernetesSecrets;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTPS listeners whose certificate comes from a TLS Secret read through the Kubernetes API (the
 * fabric8 CRUD mock), as proxies in a cluster read it: no mounted file, a renewed Secret reaches
 * new handshakes at once while open connections carry on, and what is wrong is named.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsFromSecretTest {
    private static final String NS = "default";
    private static final X509Certificate A = TestingTlsClients.certificate(A_CRT);
    private static final X509Certificate B = TestingTlsClients.certificate(B_CRT);

    KubernetesClient client;

    private KubernetesSecrets secrets;

    @BeforeEach
    void start() {
        secrets = new KubernetesSecrets(client, NS);
    }

    @AfterEach
    void stop() {
        secrets.close();
        // The client's connections go before the mock server closes (the extension closes the server
        // first): a watch stopped by an informer ends its WebSocket with a close frame but leaves the
        // connection open, and the server's close then waits on it beyond its own 10 s limit ("Unable
        // to close MockWebServer", twice in full runs under load).
        client.close();
    }

    private SecretStore store() {
        return secrets;
    }

    /**
     * Waits until the Secret's watch is up: the fabric8 mock sends a watch only what happens after
     * it starts (a real API server replays from the list's resourceVersion), so a change made in
     * between would never arrive.
     */
    private void awaitWatching(String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!secrets.watching(name) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(secrets.watching(name)).as("the watch on %s is up", name).isTrue();
    }

    private void writeSecret(String name, Path cert, Path key) throws IOException {
        Secret secret = new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("tls.crt", base64(cert))
                .addToData("tls.key", base64(key))
                .build();
        client.secrets().inNamespace(NS).resource(secret).createOr(existing -> existing.update());
    }

    private static String base64(Path file) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    }

    private ReloadingSslContext load(String secret) throws TlsException {
        return ReloadingSslContext.load(Tls.fromSecret(secret, TlsPolicy.DEFAULT), TlsProvider.JDK, store());
    }

    @Test
    void aRenewedSecretReachesNewHandshakesAtOnceWhileOpenConnectionsCarryOn() throws Exception {
        writeSecret("chat-tls", A_CRT, A_KEY);
        Semaphore changes = new Semaphore(0);
        secrets.onChange(changes::release);
        ReloadingSslContext tls = load("chat-tls");
        assertThat(tls.certificate()).isEqualTo(A);
        assertThat(tls.describe()).isEqualTo("Secret default/chat-tls");

        try (TestingTlsServer server = TestingTlsServer.start(tls);
                SSLSocket before = connect(server.port())) {
            assertThat(before.getSession().getPeerCertificates()[0]).isEqualTo(A);
            // The informer's first list is a change too; the renewal below must be told apart from it.
            assertThat(changes.tryAcquire(10, TimeUnit.SECONDS))
                    .as("the informer lists the Secret")
                    .isTrue();
            awaitWatching("chat-tls");
            changes.drainPermits();

            writeSecret("chat-tls", B_CRT, B_KEY);

            assertThat(changes.tryAcquire(10, TimeUnit.SECONDS))
                    .as("the Secret's change is announced")
                    .isTrue();
            assertThat(tls.reloadIfChanged()).isTrue();
            try (SSLSocket after = connect(server.port())) {
                assertThat(after.getSession().getPeerCertificates()[0]).isEqualTo(B);
            }
            assertThat(echo(before, "still here")).isEqualTo("still here");
            assertThat(tls.reloadIfChanged()).as("the same Secret again").isFalse();
        }
    }

    @Test
    void aSecretThatGoesAwayKeepsTheCertificateInUseAndSaysSo() throws Exception {
        writeSecret("chat-tls", A_CRT, A_KEY);
        Semaphore listed = new Semaphore(0);
        secrets.onChange(listed::release);
        ReloadingSslContext tls = load("chat-tls");
        assertThat(listed.tryAcquire(10, TimeUnit.SECONDS))
                .as("the informer lists the Secret")
                .isTrue();
        awaitWatching("chat-tls");

        client.secrets().inNamespace(NS).withName("chat-tls").delete();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Throwable failure = null;
        while (failure == null && System.nanoTime() < deadline) {
            try {
                secrets.data("chat-tls");
                Thread.sleep(50);
            } catch (IOException e) {
                failure = e;
            }
        }
        assertThat(failure).hasMessage("Secret default/chat-tls does not exist");
        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.certificate()).isEqualTo(A);
    }

    @Test
    void whatIsMissingIsNamed() throws Exception {
        assertThatThrownBy(() -> load("nowhere"))
                .isInstanceOf(TlsException.class)
                .hasMessage("Secret default/nowhere does not exist");

        client.secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("half")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToData("tls.crt", base64(A_CRT))
                        .build())
                .create();
        assertThatThrownBy(() -> load("half"))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith("Secret default/half has no tls.key");

        writeSecret("crossed", A_CRT, B_KEY);
        assertThatThrownBy(() -> load("crossed"))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the private key in tls.key of Secret default/crossed does not belong to the"
                        + " first certificate in tls.crt of Secret default/crossed");
    }

    @Test
    void onlyTheSecretsStillInUseAreFollowed() throws Exception {
        writeSecret("a-tls", A_CRT, A_KEY);
        writeSecret("b-tls", B_CRT, B_KEY);
        load("a-tls");
        load("b-tls");
        assertThat(secrets.data("a-tls")).containsKeys("tls.crt", "tls.key");
        // Both informers up before one is stopped: one stopped while its list or watch request is in
        // flight left the mock server a connection it could not close within its 10 s (seen once in CI).
        awaitWatching("a-tls");
        awaitWatching("b-tls");

        secrets.retainOnly(Set.of("b-tls"));

        assertThat(secrets.followed()).containsExactly("b-tls");
    }

    @Test
    void aProxyAddsAnHttpsListenerOnANewSecretByReloadAndStopsFollowingItWhenItGoes() throws Exception {
        writeSecret("a-tls", A_CRT, A_KEY);
        writeSecret("b-tls", B_CRT, B_KEY);
        Listener first = https("first", "a-tls");
        ProxyConfig v1 = TestingProxy.config("v1", first);
        try (ProxyServer proxy = ProxyServer.start(v1, TestingProxy.WORKER_THREADS, store());
                SSLSocket before = connect(proxy.listenerAddress("first").getPort())) {
            assertThat(before.getSession().getPeerCertificates()[0]).isEqualTo(A);

            Listener second = https("second", "b-tls");
            proxy.apply(v1.withVersion("v2").withListeners(List.of(first, second)));
            try (SSLSocket added = connect(proxy.listenerAddress("second").getPort())) {
                assertThat(added.getSession().getPeerCertificates()[0]).isEqualTo(B);
            }
            assertThat(secrets.followed()).containsExactlyInAnyOrder("a-tls", "b-tls");

            proxy.apply(v1.withVersion("v3"));
            assertThat(secrets.followed())
                    .as("the Secret no listener uses any more")
                    .containsExactly("a-tls");
            assertThat(before.getSession().isValid())
                    .as("the connection from before every reload")
                    .isTrue();
            assertThat(answers503(before)).isTrue();
        }
    }

    /** An HTTPS listener on 127.0.0.1 whose certificate is a Secret; no backend (it answers 503). */
    private static Listener https(String name, String secret) {
        return TestingListener.http(name).build().toBuilder()
                .protocol(Protocol.HTTPS)
                .tls(Tls.fromSecret(secret, TlsPolicy.DEFAULT))
                .build();
    }

    /** The connection still carries a request: the listener has no backend, so a 503 comes back over it. */
    private static boolean answers503(SSLSocket socket) throws IOException {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        byte[] head = socket.getInputStream().readNBytes(12);
        return new String(head, StandardCharsets.US_ASCII).equals("HTTP/1.1 503");
    }

    @Test
    void withoutTheApiASecretIsRefusedWithWhatToDoInstead() {
        assertThatThrownBy(() -> ReloadingSslContext.load(
                        Tls.fromSecret("chat-tls", TlsPolicy.DEFAULT), TlsProvider.JDK, SecretStore.NONE))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("--configmap")
                .hasMessageContaining("tls.certificateFile");
    }
}
