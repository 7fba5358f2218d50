package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingBodies;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingWebSockets;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP/2 on an HTTPS listener, end to end over real TLS sockets with the JDK HttpClient: requests
 * are relayed stream by stream to an HTTP/1.1 backend, bodies stream both ways, 100 streams run at
 * once on one connection, and a listener with http2 off (or a client that asks for HTTP/1.1) gets
 * HTTP/1.1.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class Http2ProxyTest {
    static final Path CERTS = Path.of("examples/certs");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestingBackend backend;
    private DemoBackend demo;
    private TestingProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (demo != null) {
            demo.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private int start(Boolean http2) throws Exception {
        backend = TestingBackend.start("b");
        Listener secure = Listener.of("secure", Protocol.HTTPS, 0, List.of(backend.backend()))
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(new Tls(path("tls.crt"), path("tls.key"), null))
                .toBuilder()
                .http2(http2)
                .build();
        proxy = TestingProxy.start(secure);
        return proxy.port("secure");
    }

    @Test
    void getIsServedOverHttp2AndReachesTheBackendAsHttp11() throws Exception {
        int port = start(null);
        HttpResponse<String> res = h2().send(
                        HttpRequest.newBuilder(uri(port, "/hello?x=1"))
                                .timeout(WAIT)
                                .header("X-Client", "yes")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("x-backend")).contains("b");
        TestingBackend.Seen seen = backend.requests().get(0);
        assertThat(seen.version()).isEqualTo("HTTP/1.1");
        assertThat(seen.target()).isEqualTo("/hello?x=1");
        assertThat(seen.header("x-client")).isEqualTo("yes");
        assertThat(seen.header("host")).isEqualTo("127.0.0.1:" + port);
        assertThat(seen.header("x-forwarded-proto")).isEqualTo("https");
        // What Netty's conversion adds is no client's header and never reaches the backend.
        assertThat(seen.headerNames()).noneMatch(h -> h.toLowerCase().startsWith("x-http2-"));
    }

    @Test
    void largeBodiesStreamBothWays() throws Exception {
        int port = start(null);
        HttpClient client = h2();
        long size = 8 * TestingBodies.MIB;

        HttpResponse<String> up = client.send(
                HttpRequest.newBuilder(uri(port, "/upload"))
                        .timeout(WAIT)
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> TestingBodies.stream(size)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(up.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).contains("bytes=" + size, "crc=" + Long.toHexString(TestingBodies.crc(size)));

        HttpResponse<InputStream> down = client.send(
                HttpRequest.newBuilder(uri(port, "/download?bytes=" + size))
                        .timeout(WAIT)
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(down.version()).isEqualTo(HttpClient.Version.HTTP_2);
        try (InputStream body = down.body()) {
            assertThat(TestingBodies.digest(body)).isEqualTo(TestingBodies.Digest.ofPattern(size));
        }
    }

    @Test
    void aHundredConcurrentStreamsAgainstASlowBackendAreAllAnswered() throws Exception {
        int port = start(null);
        HttpClient client = h2();
        // One request first, so that the rest share its connection rather than racing to open their own.
        assertThat(client.send(HttpRequest.newBuilder(uri(port, "/")).build(), HttpResponse.BodyHandlers.ofString())
                        .version())
                .isEqualTo(HttpClient.Version.HTTP_2);
        // Beyond SETTINGS_MAX_CONCURRENT_STREAMS (100): the JDK client holds to the setting and
        // refuses the streams past it itself ("too many concurrent streams"), before any frame is sent.
        int streams = 110;
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            all.add(client.sendAsync(
                    HttpRequest.newBuilder(uri(port, "/slow?delayMs=500&n=" + i))
                            .timeout(WAIT)
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        int refusedByTheSetting = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            try {
                HttpResponse<String> res = f.get(60, TimeUnit.SECONDS);
                if (res.statusCode() == 200 && res.version() == HttpClient.Version.HTTP_2) {
                    ok++;
                }
            } catch (ExecutionException e) {
                assertThat(e.getCause()).hasMessageContaining("too many concurrent streams");
                refusedByTheSetting++;
            }
        }
        assertThat(ok).as("streams answered over HTTP/2").isGreaterThanOrEqualTo(100);
        assertThat(ok + refusedByTheSetting).as("none lost").isEqualTo(streams);
        assertThat(backend.requestCount()).isEqualTo(ok + 1);
    }

    @Test
    void http2OffNegotiatesHttp11() throws Exception {
        int port = start(false);
        HttpResponse<String> res =
                h2().send(HttpRequest.newBuilder(uri(port, "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(res.statusCode()).isEqualTo(200);
    }

    @Test
    void aClientAskingForHttp11GetsItOnAnHttp2Listener() throws Exception {
        int port = start(true);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(trustingExampleCertificate())
                .build();
        HttpResponse<String> res =
                client.send(HttpRequest.newBuilder(uri(port, "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(res.statusCode()).isEqualTo(200);
    }

    /**
     * "No change that needs no new pod may drop a connection": wss:// (HTTP/1.1 on the HTTP/2
     * listener) and ws:// connections, and an open HTTP/2 connection, are held while reloads turn
     * http2 and compression off and on again; nothing is dropped or lost, and new connections get
     * the new protocol.
     */
    @Test
    void reloadsTogglingHttp2AndCompressionDropNothing() throws Exception {
        demo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        List<Backend> echo =
                List.of(new Backend(TestingPorts.LOOPBACK, demo.address().getPort()));
        Listener web =
                Listener.of("web", Protocol.HTTP, 0, echo).withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free());
        Listener secure = Listener.of("secure", Protocol.HTTPS, 0, echo)
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(new Tls(path("tls.crt"), path("tls.key"), null));
        proxy = TestingProxy.start(web, secure);
        int port = proxy.port("secure");
        HttpClient held = h2();
        assertThat(get(held, port).version()).isEqualTo(HttpClient.Version.HTTP_2);
        try (TestingWebSockets wss = TestingWebSockets.open(
                        HttpClient.newBuilder()
                                .sslContext(trustingExampleCertificate())
                                .build(),
                        URI.create("wss://127.0.0.1:" + port + "/ws"),
                        4);
                TestingWebSockets ws = TestingWebSockets.open(proxy.port("web"), 4)) {
            wss.exchange("before");
            ws.exchange("before");
            int round = 0;
            for (boolean on : new boolean[] {false, true}) {
                round++;
                proxy.apply(proxy.config()
                        .withVersion("v" + (round + 1))
                        .withListeners(List.of(
                                web.toBuilder().compression(on).build(),
                                secure.toBuilder().http2(on).compression(on).build())));
                wss.exchange("round " + round);
                ws.exchange("round " + round);
                // The open HTTP/2 connection carries on; a new one gets what the config now says.
                assertThat(get(held, port).version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(get(h2(), port).version())
                        .isEqualTo(on ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
            }
            assertThat(wss.dropped() + ws.dropped())
                    .as("held WebSockets dropped")
                    .isZero();
            assertThat(wss.lost() + ws.lost()).as("messages lost").isZero();
        }
    }

    private static HttpResponse<String> get(HttpClient client, int port) throws Exception {
        HttpResponse<String> res = client.send(
                HttpRequest.newBuilder(uri(port, "/")).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(200);
        return res;
    }

    static HttpClient h2() throws Exception {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(trustingExampleCertificate())
                .build();
    }

    static URI uri(int port, String path) {
        return URI.create("https://127.0.0.1:" + port + path);
    }

    static String path(String file) {
        return CERTS.resolve(file).toAbsolutePath().toString();
    }

    static SSLContext trustingExampleCertificate() throws Exception {
        return TestingClients.trusting(CERTS.resolve("tls.crt"));
    }
}
