package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.Backend;
import dev.slb.model.Limits;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingTcpBackend;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica's share of the tier's limits, on real sockets at small limits: a connection over the
 * concurrent limit or the new-connection rate is reset at once, a request over the request rate
 * gets 503 with Retry-After on a connection that stays open, WebSocket frames are not requests,
 * every refusal is counted on /metrics, and a reload changes the limits without touching the
 * connections already open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {
    private static final String REQUEST = "GET /limits HTTP/1.1\r\nHost: lb.example\r\n\r\n";

    private DemoBackend backend;
    private TestingProxy proxy;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startBackend() throws Exception {
        backend = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "limits");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private Listener web() {
        return TestingListener.http("web")
                .backends(new Backend(TestingPorts.LOOPBACK, backend.address().getPort()))
                .build();
    }

    private void start(Limits limits, Listener... listeners) throws Exception {
        proxy = TestingProxy.start(TestingProxy.config("v1", listeners).withLimits(limits));
    }

    @Test
    void aConnectionOverTheConcurrentLimitIsResetAtOnceAndCounted() throws Exception {
        start(new Limits(3L, null, null), web());
        List<TestingConnection> admitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            admitted.add(served(proxy.port("web")));
        }

        assertRefused(proxy.port("web"));
        assertThat(metric("slb_connections_refused_total{limit=\"maxConnections\"}"))
                .isEqualTo(1);
        assertThat(metric("slb_connections")).isEqualTo(3);
        for (TestingConnection c : admitted) {
            assertThat(c.send(REQUEST).readResponse().status())
                    .as("the admitted ones carry on")
                    .isEqualTo(200);
        }

        admitted.get(0).close();
        awaitMetric("slb_connections", 2);
        served(proxy.port("web"));
        assertThat(metric("slb_connections_accepted_total")).isEqualTo(4);
    }

    @Test
    void theConcurrentLimitCountsTcpListenersToo() throws Exception {
        TestingTcpBackend echo = TestingTcpBackend.start("echo");
        open.add(echo);
        Listener tcp = TestingListener.tcp("tcp").backends(echo.backend()).build();
        start(new Limits(2L, null, null), web(), tcp);
        served(proxy.port("web"));
        Socket relayed = tcpEcho(proxy.port("tcp"));

        assertRefused(proxy.port("tcp"));
        assertRefused(proxy.port("web"));
        assertThat(metric("slb_connections_refused_total{limit=\"maxConnections\"}"))
                .isEqualTo(2);
        relayed.getOutputStream().write("still here\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readLine(relayed.getInputStream())).isEqualTo("still here");
    }

    @Test
    void newConnectionsOverTheRateAreResetAndTheRateRecovers() throws Exception {
        start(new Limits(null, 5L, null), web());
        int served = 0;
        int refused = 0;
        long started = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            if (tryServed(proxy.port("web"))) {
                served++;
            } else {
                refused++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // A burst of one second's worth (5), then 5 per second.
        assertThat(served).isGreaterThanOrEqualTo(5).isLessThanOrEqualTo(5 + (int) Math.ceil(seconds * 5) + 1);
        assertThat(refused).isGreaterThan(0);
        assertThat(metric("slb_connections_refused_total{limit=\"newConnectionsPerSecond\"}"))
                .isEqualTo(refused);

        Thread.sleep(1_100);
        assertThat(tryServed(proxy.port("web")))
                .as("a second later the rate admits again")
                .isTrue();
    }

    @Test
    void requestsOverTheRateGet503WithRetryAfterOnAConnectionThatStaysOpen() throws Exception {
        start(new Limits(null, null, 3L), web());
        TestingConnection c = TestingConnection.open(proxy.port("web"));
        open.add(c);
        int ok = 0;
        int limited = 0;
        long started = System.nanoTime();
        for (int i = 0; i < 12; i++) {
            TestingConnection.Response r = c.send(REQUEST).readResponse();
            if (r.status() == 200) {
                ok++;
                continue;
            }
            limited++;
            assertThat(r.status()).isEqualTo(503);
            assertThat(Integer.parseInt(r.header("Retry-After"))).isBetween(1, 2);
            assertThat(r.header("X-SLB-Error")).isEqualTo("RequestRateLimited");
            assertThat(r.header("Connection"))
                    .as("a refused request does not cost the client its connection")
                    .isNull();
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("3 requests per second", "spec.tier");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(ok).isGreaterThanOrEqualTo(3).isLessThanOrEqualTo(3 + (int) Math.ceil(seconds * 3) + 1);
        assertThat(limited).isEqualTo(12 - ok);
        assertThat(metric("slb_requests_refused_total{limit=\"requestsPerSecond\"}"))
                .isEqualTo(limited);

        Thread.sleep(1_100);
        assertThat(c.send(REQUEST).readResponse().status())
                .as("the same connection, a second later")
                .isEqualTo(200);
    }

    @Test
    void anUpgradeIsARequestButWebSocketFramesAreNot() throws Exception {
        start(new Limits(null, null, 1L), web());
        served(proxy.port("web"));
        HttpClient client = HttpClient.newHttpClient();
        URI ws = URI.create("ws://" + TestingPorts.LOOPBACK + ":" + proxy.port("web") + "/ws");
        assertThatThrownBy(() -> client.newWebSocketBuilder()
                        .connectTimeout(Duration.ofSeconds(10))
                        .buildAsync(ws, new Echoes())
                        .get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(
                                ((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(503));

        Thread.sleep(1_100);
        Echoes echoes = new Echoes();
        WebSocket socket = client.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(ws, echoes)
                .get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
            socket.sendText("message " + i, true).get(10, TimeUnit.SECONDS);
            assertThat(echoes.texts.poll(10, TimeUnit.SECONDS)).isEqualTo("message " + i);
        }
        assertThat(metric("slb_requests_refused_total{limit=\"requestsPerSecond\"}"))
                .isEqualTo(1);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
    }

    @Test
    void aReloadChangesTheLimitsWithoutTouchingOpenConnections() throws Exception {
        start(new Limits(10L, null, null), web());
        List<TestingConnection> admitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            admitted.add(served(proxy.port("web")));
        }

        ProxyConfig lower = proxy.config().withVersion("v2").withLimits(new Limits(2L, null, null));
        proxy.apply(lower);
        for (TestingConnection c : admitted) {
            assertThat(c.send(REQUEST).readResponse().status())
                    .as("open connections stay over a lower limit")
                    .isEqualTo(200);
        }
        assertRefused(proxy.port("web"));
        assertThat(TestingClients.getText(TestingClients.http11(), proxy.adminUri("/config"))
                        .body())
                .contains("\"limits\":{\"maxConnections\":2}");

        proxy.apply(lower.withVersion("v3").withLimits(new Limits(5L, null, null)));
        served(proxy.port("web"));
        assertThat(metric("slb_limit{limit=\"maxConnections\"}")).isEqualTo(5);
        assertThat(metric("slb_connections")).isEqualTo(4);
    }

    /** Opens a connection and has one request served on it; the connection stays open. */
    private TestingConnection served(int port) throws IOException {
        TestingConnection c = TestingConnection.open(port);
        open.add(c);
        assertThat(c.send(REQUEST).readResponse().status()).isEqualTo(200);
        return c;
    }

    /** True when a new connection gets its request served, false when it is refused. */
    private boolean tryServed(int port) throws IOException {
        try (TestingConnection c = TestingConnection.open(port)) {
            return c.send(REQUEST).readResponse().status() == 200;
        } catch (SocketException | EOFException refused) {
            return false;
        }
    }

    /**
     * A refused connection is reset (TCP RST) before any byte comes back: no response, no hang,
     * and not a clean close either, which a client would take for a server that hung up.
     */
    private static void assertRefused(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout((int) TestingConnection.READ_TIMEOUT.toMillis());
            // The reset may come before connect() returns, on the write, or on the first read.
            assertThatThrownBy(() -> {
                        s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), 5_000);
                        s.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
                        int first = s.getInputStream().read();
                        throw new AssertionError(
                                "a refused connection read " + (first < 0 ? "a clean close" : "a byte"));
                    })
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
    }

    private Socket tcpEcho(int port) throws IOException {
        Socket s = new Socket();
        open.add(s);
        s.setSoTimeout((int) TestingConnection.READ_TIMEOUT.toMillis());
        s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), 5_000);
        s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readLine(s.getInputStream())).isEqualTo("hello");
        return s;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("closed after '" + sb + "'");
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private long metric(String series) throws Exception {
        String body = TestingClients.getText(TestingClients.http11(), proxy.adminUri("/metrics"))
                .body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)(?:\\.0)?$")
                .matcher(body);
        assertThat(m.find()).as("%s in /metrics:%n%s", series, body).isTrue();
        return Long.parseLong(m.group(1));
    }

    private void awaitMetric(String series, long value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (metric(series) != value && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(metric(series)).isEqualTo(value);
    }

    private static final class Echoes implements WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            texts.add("error: " + error);
        }
    }
}
