package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.ClientAuthentication;
import dev.slb.model.ExtraCertificate;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "No change that needs no new pod may drop a connection": ws:// and wss:// connections held open
 * while an HTTPS listener gains an SNI certificate, gets client authentication, changes its CA and
 * changes its policy, each by reload, with numbered messages echoed through every connection after
 * each change. Drops and lost messages are counted and must be zero.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsChangesKeepWebSocketsTest {
    private static final Path CERTS = Path.of("examples/certs");
    private static final Path TEST_TLS = Path.of("src/test/resources/tls");
    private static final int HELD = 4;

    private DemoBackend backend;
    private TestingProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void heldConnectionsSurviveEveryTlsChangeWithNothingLost() throws Exception {
        backend = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        List<Backend> echo =
                List.of(new Backend(TestingPorts.LOOPBACK, backend.address().getPort()));
        Listener web =
                Listener.of("web", Protocol.HTTP, 0, echo).withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free());
        Tls own = new Tls(path(CERTS, "tls.crt"), path(CERTS, "tls.key"), null);
        Listener secure = Listener.of("secure", Protocol.HTTPS, 0, echo)
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(own);
        proxy = TestingProxy.start(web, secure);

        HttpClient plain = HttpClient.newHttpClient();
        HttpClient tls =
                HttpClient.newBuilder().sslContext(trustingExampleCertificate()).build();
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < HELD; i++) {
            held.add(Held.open(plain, "ws", proxy.port("web")));
            held.add(Held.open(tls, "wss", proxy.port("secure")));
        }
        int round = 0;
        exchange(held, round++);

        List<UnaryOperator<Tls>> changes = List.of(
                t -> t.withExtraCertificates(List.of(new ExtraCertificate(
                        "api.example.test", path(TEST_TLS, "api.crt"), path(TEST_TLS, "api.key"), null))),
                t -> t.withClientAuthentication(new ClientAuthentication(
                        null, path(TEST_TLS, "client-ca.crt"), ClientAuthentication.Mode.OPTIONAL)),
                t -> t.withClientAuthentication(new ClientAuthentication(
                        null, path(TEST_TLS, "other-ca.crt"), ClientAuthentication.Mode.OPTIONAL)),
                t -> new Tls(
                        t.certificateFile(),
                        t.privateKeyFile(),
                        null,
                        TlsPolicy.TLS_CIPHER_POLICY_1_2_STRICT,
                        t.extraCertificates(),
                        t.clientAuthentication()));
        Tls current = own;
        for (UnaryOperator<Tls> change : changes) {
            current = change.apply(current);
            ProxyConfig next =
                    proxy.config().withVersion("v" + (round + 1)).withListeners(List.of(web, secure.withTls(current)));
            proxy.apply(next);
            exchange(held, round++);
            // New connections take the new settings (here: they still handshake).
            Held fresh = Held.open(tls, "wss", proxy.port("secure"));
            fresh.echo("new after round " + round);
            fresh.ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }

        long dropped = held.stream().filter(h -> h.closed.isDone()).count();
        assertThat(dropped).as("held connections dropped").isZero();
        assertThat(held.stream().mapToInt(h -> h.lost).sum())
                .as("messages lost")
                .isZero();
    }

    private static void exchange(List<Held> held, int round) throws Exception {
        for (Held h : held) {
            h.ws.sendText(h.scheme + " round " + round, true).get(10, TimeUnit.SECONDS);
        }
        for (Held h : held) {
            String back = h.texts.poll(10, TimeUnit.SECONDS);
            if (!(h.scheme + " round " + round).equals(back)) {
                h.lost++;
            }
        }
    }

    private static String path(Path dir, String file) {
        return dir.resolve(file).toAbsolutePath().toString();
    }

    static SSLContext trustingExampleCertificate() throws Exception {
        return TestingClients.trusting(CERTS.resolve("tls.crt"));
    }

    /** One held WebSocket: its whole text messages, and whether it closed. */
    private static final class Held implements java.net.http.WebSocket.Listener {
        final String scheme;
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final StringBuilder partial = new StringBuilder();
        java.net.http.WebSocket ws;
        int lost;

        private Held(String scheme) {
            this.scheme = scheme;
        }

        static Held open(HttpClient client, String scheme, int port) throws Exception {
            Held h = new Held(scheme);
            h.ws = client.newWebSocketBuilder()
                    .buildAsync(URI.create(scheme + "://127.0.0.1:" + port + "/ws"), h)
                    .get(15, TimeUnit.SECONDS);
            return h;
        }

        void echo(String text) throws Exception {
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
            assertThat(texts.poll(10, TimeUnit.SECONDS)).isEqualTo(text);
        }

        @Override
        public CompletionStage<?> onText(java.net.http.WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(java.net.http.WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }
}
