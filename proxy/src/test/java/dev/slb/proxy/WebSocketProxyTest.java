package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.model.WebSocket;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WebSocket and WebSocket Secure through the whole proxy (HTTP path, upgrade, frame relay) to the
 * demo backend's echo, with the JDK's own WebSocket client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketProxyTest {
    private static final Path CERTS = Path.of("examples/certs");
    private static final Duration WAIT = Duration.ofSeconds(15);

    private DemoBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void startBackend() throws Exception {
        backend = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private Backend echo() {
        return new Backend(TestingPorts.LOOPBACK, backend.address().getPort());
    }

    private Listener http(Duration idle) {
        return Listener.builder("web", Protocol.HTTP, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .idleTimeout(idle)
                .backends(List.of(echo()))
                .build();
    }

    private Listener https() {
        Tls tls = new Tls(
                CERTS.resolve("tls.crt").toAbsolutePath().toString(),
                CERTS.resolve("tls.key").toAbsolutePath().toString(),
                TlsPolicy.TLS_CIPHER_POLICY_1_2);
        return Listener.builder("secure", Protocol.HTTPS, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .tls(tls)
                .backends(List.of(echo()))
                .build();
    }

    @Test
    void wsEchoesTextBinaryFragmentedAndLargeMessages() throws Exception {
        proxy = TestingProxy.start(http(null));
        Recorder r = new Recorder();
        java.net.http.WebSocket ws = connect(HttpClient.newHttpClient(), "ws", proxy.port("web"), r);

        ws.sendText("hello through the proxy", true).get(10, TimeUnit.SECONDS);
        assertThat(r.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("hello through the proxy");

        // A message in three fragments comes back whole (the echo may fragment it again).
        ws.sendText("one ", false).get(10, TimeUnit.SECONDS);
        ws.sendText("two ", false).get(10, TimeUnit.SECONDS);
        ws.sendText("three", true).get(10, TimeUnit.SECONDS);
        assertThat(r.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("one two three");

        byte[] big = new byte[16 * 1024 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >>> 13));
        }
        ws.sendBinary(ByteBuffer.wrap(big), true).get(30, TimeUnit.SECONDS);
        byte[] back = r.binaries.poll(40, TimeUnit.SECONDS);
        assertThat(back).as("16 MiB binary message echoed").isNotNull().hasSize(big.length);
        assertThat(back).isEqualTo(big);

        ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(r.closed.get(10, TimeUnit.SECONDS)).isEqualTo(java.net.http.WebSocket.NORMAL_CLOSURE);
    }

    @Test
    void pingIsAnsweredThroughTheProxy() throws Exception {
        proxy = TestingProxy.start(http(null));
        Recorder r = new Recorder();
        java.net.http.WebSocket ws = connect(HttpClient.newHttpClient(), "ws", proxy.port("web"), r);
        ws.sendPing(ByteBuffer.wrap("are you there".getBytes())).get(10, TimeUnit.SECONDS);
        ByteBuffer pong = r.pongs.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(pong).as("the backend's pong reaches the client").isNotNull();
        assertThat(new String(bytes(pong))).isEqualTo("are you there");
    }

    @Test
    void wssEchoesOverTls() throws Exception {
        proxy = TestingProxy.start(https());
        Recorder r = new Recorder();
        HttpClient client =
                HttpClient.newBuilder().sslContext(trustingTestCertificate()).build();
        java.net.http.WebSocket ws = connect(client, "wss", proxy.port("secure"), r);
        ws.sendText("secure hello", true).get(10, TimeUnit.SECONDS);
        assertThat(r.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("secure hello");
        ws.sendBinary(ByteBuffer.wrap(new byte[1024 * 1024]), true).get(20, TimeUnit.SECONDS);
        assertThat(r.binaries.poll(30, TimeUnit.SECONDS)).hasSize(1024 * 1024);
    }

    @Test
    void idleConnectionIsClosedWithGoingAway() throws Exception {
        proxy = TestingProxy.start(http(Duration.ofMillis(500)));
        Recorder r = new Recorder();
        connect(HttpClient.newHttpClient(), "ws", proxy.port("web"), r);
        assertThat(r.closed.get(10, TimeUnit.SECONDS))
                .as("close code after the idle timeout")
                .isEqualTo(1001);
        assertThat(r.closeReason).contains("idle timeout");
    }

    /** A WebSocket idles out by the idle timeout alone: the HTTP keep-alive timeout ended with the upgrade. */
    @Test
    void aQuietWebSocketOutlivesTheHttpKeepAliveTimeout() throws Exception {
        proxy = TestingProxy.start(http(Duration.ofSeconds(20)).toBuilder()
                .httpKeepaliveTimeout(Duration.ofMillis(200))
                .build());
        Recorder r = new Recorder();
        java.net.http.WebSocket ws = connect(HttpClient.newHttpClient(), "ws", proxy.port("web"), r);
        Thread.sleep(1000);
        assertThat(r.closed)
                .as("open after five keep-alive timeouts of silence")
                .isNotDone();
        ws.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertThat(r.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("still here");
    }

    @Test
    void keepalivePingsHoldAQuietConnectionOpen() throws Exception {
        Listener quiet =
                http(Duration.ofMillis(600)).withWebsocket(new WebSocket(true, null, null, Duration.ofMillis(150)));
        proxy = TestingProxy.start(quiet);
        Recorder r = new Recorder();
        java.net.http.WebSocket ws = connect(HttpClient.newHttpClient(), "ws", proxy.port("web"), r);
        Thread.sleep(2000);
        assertThat(r.closed)
                .as("still open after more than three idle timeouts")
                .isNotDone();
        assertThat(r.pings).as("the proxy pinged the client").isNotEmpty();
        ws.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertThat(r.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("still here");
    }

    @Test
    void anOpenWebSocketSurvivesAReloadAndTheGateAppliesToNewOnes() throws Exception {
        Listener web = http(null);
        proxy = TestingProxy.start(web);
        Recorder r = new Recorder();
        java.net.http.WebSocket ws = connect(HttpClient.newHttpClient(), "ws", proxy.port("web"), r);
        ws.sendText("before", true).get(10, TimeUnit.SECONDS);
        assertThat(r.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("before");

        ProxyConfig off = proxy.config()
                .withVersion("v2")
                .withListeners(List.of(
                        web.withWebsocket(WebSocket.disabled("RequiresGuaranteedPerformance", "raise spec.tier"))));
        proxy.apply(off);

        ws.sendText("after", true).get(10, TimeUnit.SECONDS);
        assertThat(r.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS))
                .as("the open connection carries on")
                .isEqualTo("after");
        CompletableFuture<java.net.http.WebSocket> refused = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port("web") + "/ws"), new Recorder());
        assertThat(refused)
                .failsWithin(WAIT)
                .withThrowableThat()
                .havingRootCause()
                .withMessageContaining("403");
    }

    /**
     * A change of the request limits (maxHeaders, requestHeaderTimeout, minRequestBodyBytesPerSecond)
     * is a reload: WebSockets on ws and wss, sending all through it, lose no connection and no message.
     */
    @Test
    void webSocketsSendingThroughAChangeOfTheRequestLimitsLoseNothing() throws Exception {
        Listener web = http(null);
        Listener secure = https();
        proxy = TestingProxy.start(web, secure);
        HttpClient plain = HttpClient.newHttpClient();
        HttpClient tls =
                HttpClient.newBuilder().sslContext(trustingTestCertificate()).build();
        int perScheme = 10;
        int messages = 40;
        List<Recorder> recorders = new ArrayList<>();
        List<java.net.http.WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 2 * perScheme; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            sockets.add(
                    i < perScheme
                            ? connect(plain, "ws", proxy.port("web"), r)
                            : connect(tls, "wss", proxy.port("secure"), r));
        }
        ExecutorService senders = Executors.newFixedThreadPool(sockets.size());
        List<Boolean> sentAll = new ArrayList<>();
        try {
            List<Future<Boolean>> sending = new ArrayList<>();
            for (int i = 0; i < sockets.size(); i++) {
                java.net.http.WebSocket ws = sockets.get(i);
                int id = i;
                sending.add(senders.submit(() -> {
                    try {
                        for (int m = 0; m < messages; m++) {
                            ws.sendText(id + ":" + m, true).get(10, TimeUnit.SECONDS);
                            Thread.sleep(20);
                        }
                        return true;
                    } catch (Exception e) {
                        // The connection was dropped under the sender: counted below.
                        return false;
                    }
                }));
            }
            Thread.sleep(200);
            ProxyConfig tighter = proxy.config()
                    .withVersion("v2")
                    .withListeners(List.of(
                            web.withRequestLimits(50, Duration.ofSeconds(3), 4096),
                            secure.withRequestLimits(50, Duration.ofSeconds(3), 4096)));
            proxy.apply(tighter);
            assertThat(statusWithHeaders(proxy.port("web"), 60))
                    .as("the new maxHeaders applies to new requests")
                    .isEqualTo(431);
            Thread.sleep(200);
            ProxyConfig back = proxy.config().withVersion("v3").withListeners(List.of(web, secure));
            proxy.apply(back);
            assertThat(statusWithHeaders(proxy.port("web"), 60)).isEqualTo(200);
            for (Future<Boolean> f : sending) {
                sentAll.add(f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            senders.shutdownNow();
        }
        int dropped = 0;
        int lost = 0;
        // One wait for all the echoes still on their way, not one per socket.
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (int i = 0; i < recorders.size(); i++) {
            Recorder r = recorders.get(i);
            List<String> got = new ArrayList<>();
            while (got.size() < messages && System.nanoTime() < deadline && !(r.closed.isDone() && r.texts.isEmpty())) {
                String t = r.texts.poll(100, TimeUnit.MILLISECONDS);
                if (t != null) {
                    got.add(t);
                }
            }
            lost += messages - got.size();
            if (r.closed.isDone() || !sentAll.get(i)) {
                dropped++;
            }
            int id = i;
            assertThat(got)
                    .as("socket %d's echoes: in order, none twice", i)
                    .isEqualTo(IntStream.range(0, got.size())
                            .mapToObj(m -> id + ":" + m)
                            .toList());
        }
        assertThat(dropped).as("WebSockets dropped").isZero();
        assertThat(lost).as("messages lost").isZero();
    }

    /** The status of a GET with {@code headers} header lines on a fresh connection. */
    private static int statusWithHeaders(int port, int headers) throws Exception {
        StringBuilder request = new StringBuilder("GET /limits HTTP/1.1\r\nHost: h\r\n");
        for (int i = 1; i < headers; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send(request.append("\r\n").toString());
            return c.readResponse().status();
        }
    }

    @Test
    void drainClosesOpenWebSocketsWithGoingAway() throws Exception {
        proxy = TestingProxy.start(http(null));
        Recorder r = new Recorder();
        connect(HttpClient.newHttpClient(), "ws", proxy.port("web"), r);
        Thread drain = new Thread(proxy.server()::drainAndStop);
        drain.start();
        assertThat(r.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1001);
        drain.join(20_000);
        assertThat(drain.isAlive()).isFalse();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static java.net.http.WebSocket connect(HttpClient client, String scheme, int port, Recorder r)
            throws Exception {
        return client.newWebSocketBuilder()
                .buildAsync(URI.create(scheme + "://127.0.0.1:" + port + "/ws"), r)
                .get(15, TimeUnit.SECONDS);
    }

    private static SSLContext trustingTestCertificate() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(CERTS.resolve("tls.crt"))) {
            trust.setCertificateEntry(
                    "test", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Collects whole messages, pings, pongs and the close a client sees. */
    private static final class Recorder implements java.net.http.WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<ByteBuffer> pings = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        volatile String closeReason;
        private final StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                texts.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(java.net.http.WebSocket ws, ByteBuffer data, boolean last) {
            byte[] chunk = bytes(data);
            binary.write(chunk, 0, chunk.length);
            if (last) {
                binaries.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(java.net.http.WebSocket ws, ByteBuffer message) {
            pings.add(ByteBuffer.wrap(bytes(message)));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(java.net.http.WebSocket ws, ByteBuffer message) {
            pongs.add(ByteBuffer.wrap(bytes(message)));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(java.net.http.WebSocket ws, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
