package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.ConfigCodec;
import dev.slb.model.Drain;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingProxyProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy as a process, the way a pod runs it: {@code ProxyMain --config FILE}. Edits of the
 * file are applied without a restart (bad ones refused while the last good config serves), and
 * SIGTERM drains: not ready first, still accepting for the grace period, in-flight requests
 * finish, WebSocket connections left get close code 1001 in the last third of the drain window.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProxyProcessTest {
    private static final Duration GRACE = Duration.ofMillis(500);
    private static final Duration DRAIN = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private TestingProxyProcess proxy;
    private TestingBackend a;
    private TestingBackend b;
    private DemoBackend ws;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (ws != null) {
            ws.close();
        }
    }

    private static boolean serves(TestingProxyProcess.AdminResponse r, String version) {
        return r.status() == 200 && r.body().contains("\"version\":\"" + version + "\"");
    }

    private static String answeredBy(int port, String path) throws Exception {
        HttpResponse<String> r =
                TestingClients.getText(TestingClients.http11(), URI.create("http://127.0.0.1:" + port + path));
        assertThat(r.statusCode()).isEqualTo(200);
        return r.headers().firstValue("X-Backend").orElseThrow();
    }

    /**
     * In a pod, a new HTTPS listener's certificate files can appear a little after the config
     * that names them (the kubelet syncs Secret volumes on its own schedule): the proxy keeps
     * serving the old config and applies the new one as soon as the files are there.
     */
    @Test
    void aConfigWhoseCertificateIsNotThereYetIsAppliedOnceItAppears() throws Exception {
        a = TestingBackend.start("a");
        Listener web = TestingListener.http("web").backends(a.backend()).build();
        ProxyConfig v1 = TestingProxy.config("tls-v1", web);
        proxy = TestingProxyProcess.start(dir, v1);
        Path certs = dir.resolve("late-certs");
        Listener secure = Listener.builder("secure", dev.slb.model.Protocol.HTTPS, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .tls(new dev.slb.model.Tls(
                        certs.resolve("tls.crt").toString(),
                        certs.resolve("tls.key").toString(),
                        null))
                .backends(List.of(a.backend()))
                .build();
        proxy.writeConfig(ConfigCodec.write(v1.withVersion("tls-v2").withListeners(List.of(web, secure))));
        Thread.sleep(2000);
        assertThat(proxy.admin("/config").body())
                .as("not applicable yet: the old version serves")
                .contains("\"version\":\"tls-v1\"");

        java.nio.file.Files.createDirectories(certs);
        java.nio.file.Files.copy(Path.of("examples/certs/tls.crt"), certs.resolve("tls.crt"));
        java.nio.file.Files.copy(Path.of("examples/certs/tls.key"), certs.resolve("tls.key"));
        proxy.awaitAdmin("/config", r -> serves(r, "tls-v2"), Duration.ofSeconds(20));
        assertThat(proxy.log()).contains("retrying every");
    }

    @Test
    void aBadConfigFileIsRefusedAndTheLastGoodVersionKeepsServing() throws Exception {
        a = TestingBackend.start("a");
        b = TestingBackend.start("b");
        Listener web = TestingListener.http("web").backends(a.backend()).build();
        ProxyConfig v1 = TestingProxy.config("file-v1", web);
        proxy = TestingProxyProcess.start(dir, v1);
        int port = web.port();
        try {
            assertThat(proxy.admin("/config").body()).contains("\"version\":\"file-v1\"");
            assertThat(answeredBy(port, "/v1")).isEqualTo("a");

            // A good edit is followed without a restart.
            long t0 = System.nanoTime();
            ProxyConfig v2 = v1.withVersion("file-v2").withListeners(List.of(web.withBackends(List.of(b.backend()))));
            proxy.writeConfig(ConfigCodec.write(v2));
            proxy.awaitAdmin("/config", r -> serves(r, "file-v2"), Duration.ofSeconds(30));
            Duration followed = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(answeredBy(port, "/v2")).isEqualTo("b");

            // Bad edits: not YAML, then YAML that does not validate. Give each at least twice as
            // long as the good edit took to be noticed, and a few seconds.
            Duration settle = Duration.ofMillis(Math.max(3000, 2 * followed.toMillis()));
            proxy.writeConfig("version: file-v3\nlisteners: [ {{{ this is not yaml\n");
            Thread.sleep(settle.toMillis());
            assertThat(proxy.process().isAlive())
                    .as("the proxy survives a bad config file")
                    .isTrue();
            assertThat(proxy.admin("/config").body()).contains("\"version\":\"file-v2\"");
            assertThat(answeredBy(port, "/after-bad-yaml")).isEqualTo("b");

            String invalid = ConfigCodec.write(v2.withVersion("file-v4")).replace("weight: 100", "weight: 900");
            assertThat(invalid).contains("weight: 900");
            proxy.writeConfig(invalid);
            Thread.sleep(settle.toMillis());
            assertThat(proxy.admin("/config").body()).contains("\"version\":\"file-v2\"");
            assertThat(answeredBy(port, "/after-invalid")).isEqualTo("b");
            assertThat(proxy.admin("/readyz").status()).isEqualTo(200);

            // And the watcher is still alive: the next good edit is applied.
            proxy.writeConfig(ConfigCodec.write(
                    v2.withVersion("file-v5").withListeners(List.of(web.withBackends(List.of(a.backend()))))));
            proxy.awaitAdmin("/config", r -> serves(r, "file-v5"), Duration.ofSeconds(30));
            assertThat(answeredBy(port, "/v5")).isEqualTo("a");
            assertThat(proxy.log()).as("the refusals are logged").contains("file-v2");
        } catch (Throwable t) {
            throw new AssertionError(t.getMessage() + "\n--- proxy log ---\n" + proxy.log(), t);
        }
    }

    @Test
    void sigtermDrains() throws Exception {
        a = TestingBackend.start("a");
        ws = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "ws-demo");
        Listener web = TestingListener.http("web").backends(a.backend()).build();
        Listener wsListener = TestingListener.http("ws")
                .backends(new dev.slb.model.Backend(
                        TestingPorts.LOOPBACK, ws.address().getPort(), 100))
                .build();
        ProxyConfig config = TestingProxy.config("drain-v1", web, wsListener).withDrain(new Drain(GRACE, DRAIN));
        proxy = TestingProxyProcess.start(dir, config);
        try {
            sigtermDrains(web.port(), wsListener.port());
        } catch (Throwable t) {
            throw new AssertionError(t.getMessage() + "\n--- proxy log ---\n" + proxy.log(), t);
        }
    }

    private void sigtermDrains(int webPort, int wsPort) throws Exception {
        assertThat(answeredBy(webPort, "/ready")).isEqualTo("a");

        // A WebSocket through the relay, echoing.
        ClosingListener wsEvents = new ClosingListener();
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + wsPort + "/ws"), wsEvents)
                .get(10, TimeUnit.SECONDS);
        socket.sendText("hello through the relay", true).get(5, TimeUnit.SECONDS);
        assertThat(wsEvents.firstText.get(5, TimeUnit.SECONDS)).isEqualTo("hello through the relay");

        // A slow request in flight: the backend answers 1.5 s after it arrives.
        CompletableFuture<HttpResponse<String>> inFlight = TestingClients.http11()
                .sendAsync(
                        TestingClients.get(URI.create("http://127.0.0.1:" + webPort + "/slow?delayMs=1500"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(a.awaitInFlight(1, Duration.ofSeconds(10))).isTrue();

        long sigterm = System.nanoTime();
        proxy.sigterm();

        proxy.awaitAdmin("/readyz", r -> r.status() == 503, Duration.ofSeconds(2));
        long notReady = System.nanoTime() - sigterm;
        // Still accepting during the grace period: a new connection is served.
        TestingConnection.Response duringGrace;
        try (TestingConnection c = TestingConnection.open(webPort)) {
            c.send("GET /during-grace HTTP/1.1\r\nHost: h\r\n\r\n");
            duringGrace = c.readResponse();
        }
        long served = System.nanoTime() - sigterm;
        assertThat(duringGrace.status())
                .as(
                        "a new connection during the grace period (not ready after %d ms, served after %d ms)",
                        notReady / 1_000_000, served / 1_000_000)
                .isEqualTo(200);
        assertThat(inFlight).as("the slow request is still in flight").isNotDone();

        HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(finished.statusCode()).as("the request in flight at SIGTERM").isEqualTo(200);
        assertThat(finished.body()).contains("request: GET /slow?delayMs=1500 ");
        assertThat(System.nanoTime() - sigterm).as("past the grace period").isGreaterThan(GRACE.toNanos());

        // Past the grace period no new connection is taken.
        assertThatThrownBy(() -> {
                    try (TestingConnection c = TestingConnection.open(webPort)) {
                        c.send("GET /after-grace HTTP/1.1\r\nHost: h\r\n\r\n");
                        c.readResponse();
                    }
                })
                .as("a new connection after the grace period")
                .isInstanceOf(IOException.class);
        assertThat(proxy.admin("/readyz").status())
                .as("still not ready while draining")
                .isIn(503, -1);

        // The WebSocket is closed with 1001 in the last third of the drain window, not before.
        CloseEvent close = wsEvents.closed.get(15, TimeUnit.SECONDS);
        long closedAfter = close.atNanos() - sigterm;
        assertThat(close.code()).as("close code (reason '%s')", close.reason()).isEqualTo(1001);
        assertThat(closedAfter)
                .as("the WebSocket lasts two thirds of the drain window at least")
                .isGreaterThanOrEqualTo(GRACE.plus(DRAIN.multipliedBy(2).dividedBy(3))
                        .minusMillis(200)
                        .toNanos());

        Integer exit = proxy.waitForExit(Duration.ofSeconds(20));
        assertThat(exit).as("the proxy exits by itself after draining").isNotNull();
        assertThat(exit).as("exit code after SIGTERM (143 = 128 + SIGTERM)").isIn(0, 143);
        System.out.println("[ProxyProcessTest] exit code after SIGTERM: " + exit + "; not ready after "
                + notReady / 1_000_000 + " ms; WebSocket closed " + close.code() + " after " + closedAfter / 1_000_000
                + " ms");
        assertThat(proxy.log()).contains("drained");
    }

    private record CloseEvent(int code, String reason, long atNanos) {}

    /** Records the first text message and the close, asking for messages one at a time. */
    private static final class ClosingListener implements WebSocket.Listener {
        final CompletableFuture<String> firstText = new CompletableFuture<>();
        final CompletableFuture<CloseEvent> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                firstText.complete(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new CloseEvent(statusCode, reason, System.nanoTime()));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
            firstText.completeExceptionally(error);
        }
    }
}
