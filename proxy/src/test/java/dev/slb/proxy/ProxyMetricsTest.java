package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingCountingRelay;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingMetrics;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingTcpBackend;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * /metrics (and /reloads) after known traffic, scraped over a real socket: WebSockets opened and closed by whom with which code,
 * requests by status class, the histograms' counts, and the series of a listener and a backend a reload removed gone.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyMetricsTest {
    private static final Duration IDLE = Duration.ofSeconds(1);

    @Test
    void countsExactlyWhatTheTrafficDid() throws Exception {
        try (DemoBackend echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
                TestingBackend a = TestingBackend.start("a");
                TestingBackend b = TestingBackend.start("b")) {
            Listener web = TestingListener.http("web")
                    .idleTimeout(IDLE)
                    .backends(new Backend(TestingPorts.LOOPBACK, echo.address().getPort()))
                    .build();
            Listener api = TestingListener.http("api").backends(a.backend()).build();
            Listener spare = TestingListener.http("spare")
                    .backends(a.backend(), b.backend())
                    .build();
            Listener gone = TestingListener.http("gone").backends(b.backend()).build();
            ProxyConfig v1 = TestingProxy.config("v1", web, api, spare, gone);
            String backendEcho =
                    Labels.backend(TestingPorts.LOOPBACK, echo.address().getPort());
            String backendA = Labels.backend(TestingPorts.LOOPBACK, a.port());
            String backendB = Labels.backend(TestingPorts.LOOPBACK, b.port());
            try (TestingProxy proxy = TestingProxy.start(v1)) {
                HttpClient http = TestingClients.http11();
                URI ws = URI.create("ws://" + TestingPorts.LOOPBACK + ":" + proxy.port("web") + "/ws");
                Peer idle = Peer.open(http, ws);
                Peer byClient = Peer.open(http, ws);
                Peer kept = Peer.open(http, ws);
                byClient.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
                assertThat(byClient.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);

                List<Integer> statuses = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    statuses.add(http.send(
                                    TestingClients.get(proxy.uri("api", "/hello"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode());
                }
                // The backend closes without answering; a POST is not sent twice, so the client gets 502.
                statuses.add(http.send(
                                HttpRequest.newBuilder(proxy.uri("api", "/close"))
                                        .POST(HttpRequest.BodyPublishers.noBody())
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode());
                assertThat(statuses).containsExactly(200, 200, 200, 200, 502);

                // The kept WebSocket talks while the idle one times out.
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (!idle.closed.isDone() && System.nanoTime() < deadline) {
                    kept.ws.sendText("keep", true).get(10, TimeUnit.SECONDS);
                    Thread.sleep(100);
                }
                assertThat(idle.closed.get(1, TimeUnit.SECONDS)).isEqualTo(1001);

                TestingMetrics m = await(
                        proxy,
                        s -> s.sum("slb_request_duration_seconds_count", "listener", "api") == 5
                                && s.sum("slb_websocket_closes_total", "listener", "web") == 2);
                assertThat(m.value("slb_websockets_total", "listener", "web", "backend", backendEcho))
                        .isEqualTo(3);
                assertThat(m.value("slb_websockets_open", "listener", "web", "backend", backendEcho))
                        .isEqualTo(1);
                assertThat(m.value(
                                "slb_websocket_closes_total",
                                "listener",
                                "web",
                                "initiator",
                                "idle_timeout",
                                "code_class",
                                "1001"))
                        .isEqualTo(1);
                assertThat(m.value(
                                "slb_websocket_closes_total",
                                "listener",
                                "web",
                                "initiator",
                                "client",
                                "code_class",
                                "1000"))
                        .isEqualTo(1);
                assertThat(m.value("slb_requests_total", "listener", "api", "code_class", "2xx"))
                        .isEqualTo(4);
                assertThat(m.value("slb_requests_total", "listener", "api", "code_class", "5xx"))
                        .isEqualTo(1);
                assertThat(m.value("slb_requests_total", "listener", "web", "code_class", "1xx"))
                        .as("the three WebSockets' 101")
                        .isEqualTo(3);
                assertThat(m.value(
                                "slb_backend_responses_total",
                                "listener",
                                "api",
                                "backend",
                                backendA,
                                "code_class",
                                "2xx"))
                        .isEqualTo(4);
                assertThat(m.value("slb_request_duration_seconds_count", "listener", "api"))
                        .isEqualTo(5);
                assertThat(m.value("slb_upstream_first_byte_seconds_count", "listener", "api"))
                        .as("four responses; the closed one sent no head")
                        .isEqualTo(4);
                assertThat(m.value("slb_upstream_first_byte_seconds_count", "listener", "web"))
                        .as("three 101s")
                        .isEqualTo(3);
                assertThat(m.value("slb_upstream_connect_duration_seconds_count", "listener", "api"))
                        .isPositive();
                assertThat(m.value("slb_received_bytes_total", "listener", "web"))
                        .isPositive();
                assertThat(m.value("slb_sent_bytes_total", "listener", "web")).isPositive();
                assertThat(m.value("slb_listener_connections_total", "listener", "web"))
                        .isPositive();
                assertThat(m.value("slb_config_info", "version", "v1")).isEqualTo(1);
                assertThat(m.has("slb_websockets_total", "listener", "spare", "backend", backendB))
                        .isTrue();
                assertThat(m.has("slb_requests_total", "listener", "gone")).isTrue();

                proxy.apply(v1.withVersion("v2")
                        .withListeners(List.of(web, api, spare.withBackends(List.of(a.backend())))));
                // At once, within the listener's 1 s idle timeout: the reload kept it.
                kept.ws.sendText("still here", true).get(10, TimeUnit.SECONDS);
                assertThat(kept.closed).isNotDone();
                TestingMetrics after = TestingMetrics.scrape(proxy);
                assertThat(after.has("slb_config_info", "version", "v1")).isFalse();
                assertThat(after.value("slb_config_info", "version", "v2")).isEqualTo(1);
                assertThat(after.value("slb_config_reloads_total", "outcome", "applied"))
                        .isEqualTo(2);
                assertThat(after.value("slb_config_reload_connections", "state", "kept"))
                        .as("the open WebSocket, and the HTTP client's kept-alive connections")
                        .isPositive();
                assertThat(after.value("slb_config_reload_connections", "state", "draining"))
                        .isZero();
                assertThat(after.samples("slb_websockets_total", "backend", backendB))
                        .as("the backend the reload removed")
                        .isEmpty();
                assertThat(after.samples("slb_backend_responses_total", "backend", backendB))
                        .isEmpty();
                assertThat(after.text()).doesNotContain("listener=\"gone\"");
                assertThat(after.value("slb_websockets_total", "listener", "web", "backend", backendEcho))
                        .as("a listener that stays keeps its counts")
                        .isEqualTo(3);
                JsonNode reloads = new ObjectMapper()
                        .readTree(TestingClients.getText(http, proxy.adminUri("/reloads"))
                                .body())
                        .path("reloads");
                assertThat(reloads).extracting(r -> r.path("version").asText()).containsExactly("v1", "v2");
                JsonNode last = reloads.get(1);
                assertThat(last.path("connectionsKept").asLong())
                        .isEqualTo(after.value("slb_config_reload_connections", "state", "kept"));
                assertThat(last.path("connectionsDraining").asLong()).isZero();
                assertThat(last.path("connectionsClosed").asLong()).isZero();
                assertThat(last.path("appliedAt").asText()).endsWith("Z");
                kept.ws.abort();
            }
        }
    }

    /**
     * Bytes per backend, each way, for an HTTP backend of two listeners (requests on pooled connections, which the
     * second listener reuses, uploads and a download), a
     * WebSocket backend (its upgrade and frames) and a TCP backend: a counting relay in front of each is the proxy's
     * backend, and what it counted is exactly what the series say. The TCP stream's counts are known to the byte.
     */
    @Test
    void countsEachBackendsBytesExactly() throws Exception {
        try (DemoBackend echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
                TestingBackend a = TestingBackend.start("a");
                TestingTcpBackend tcpEcho = TestingTcpBackend.start("tcp-echo");
                TestingCountingRelay toA = TestingCountingRelay.start(a.port());
                TestingCountingRelay toEcho =
                        TestingCountingRelay.start(echo.address().getPort());
                TestingCountingRelay toTcp = TestingCountingRelay.start(tcpEcho.port())) {
            Listener api = TestingListener.http("api").backends(toA.backend()).build();
            Listener api2 = TestingListener.http("api2").backends(toA.backend()).build();
            Listener web =
                    TestingListener.http("web").backends(toEcho.backend()).build();
            Listener raw = TestingListener.tcp("raw").backends(toTcp.backend()).build();
            try (TestingProxy proxy = TestingProxy.start(TestingProxy.config("v1", api, api2, web, raw))) {
                HttpClient http = TestingClients.http11();
                for (int i = 0; i < 3; i++) {
                    assertThat(TestingClients.getText(http, proxy.uri("api", "/hello"))
                                    .statusCode())
                            .isEqualTo(200);
                }
                HttpResponse<String> upload = http.send(
                        HttpRequest.newBuilder(proxy.uri("api", "/upload"))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000]))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(upload.body()).startsWith("bytes=100000 ");
                HttpResponse<byte[]> download = http.send(
                        TestingClients.get(proxy.uri("api", "/download?bytes=200000"))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(download.body()).hasSize(200_000);
                // A second client connection lands on the proxy's other event loop: each loop now pools a connection to
                // the backend, which api2 then reuses, and its bytes count on api2, not on the listener before it.
                assertThat(TestingClients.getText(TestingClients.http11(), proxy.uri("api", "/hello"))
                                .statusCode())
                        .isEqualTo(200);
                HttpResponse<String> upload2 = TestingClients.http11()
                        .send(
                                HttpRequest.newBuilder(proxy.uri("api2", "/upload"))
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[50_000]))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(upload2.body()).startsWith("bytes=50000 ");

                Peer ws =
                        Peer.open(http, URI.create("ws://" + TestingPorts.LOOPBACK + ":" + proxy.port("web") + "/ws"));
                for (int i = 0; i < 5; i++) {
                    ws.ws.sendText("message " + i, true).get(10, TimeUnit.SECONDS);
                }
                ws.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
                assertThat(ws.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);

                try (Socket s = new Socket()) {
                    s.setSoTimeout(10_000);
                    s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, proxy.port("raw")), 5_000);
                    s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                    assertThat(s.getInputStream().readNBytes(6)).hasSize(6);
                    s.shutdownOutput();
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("bye tcp-echo 6\n");
                }

                String labelA =
                        Labels.backend(TestingPorts.LOOPBACK, toA.backend().port());
                String labelEcho =
                        Labels.backend(TestingPorts.LOOPBACK, toEcho.backend().port());
                String labelTcp =
                        Labels.backend(TestingPorts.LOOPBACK, toTcp.backend().port());
                TestingMetrics m = await(
                        proxy,
                        s -> bytes(s, "sent", "api", labelA) + bytes(s, "sent", "api2", labelA) == toA.fromProxy()
                                && bytes(s, "received", "api", labelA) + bytes(s, "received", "api2", labelA)
                                        == toA.toProxy()
                                && bytes(s, "sent", "web", labelEcho) == toEcho.fromProxy()
                                && bytes(s, "received", "web", labelEcho) == toEcho.toProxy()
                                && bytes(s, "sent", "raw", labelTcp) == toTcp.fromProxy()
                                && bytes(s, "received", "raw", labelTcp) == toTcp.toProxy());
                long apiSent = m.value("slb_backend_sent_bytes_total", "listener", "api", "backend", labelA);
                long api2Sent = m.value("slb_backend_sent_bytes_total", "listener", "api2", "backend", labelA);
                assertThat(apiSent + api2Sent)
                        .as("HTTP requests as the backend read them, over both listeners")
                        .isEqualTo(toA.fromProxy());
                assertThat(apiSent)
                        .as("api: the 100,000-byte upload and five GETs")
                        .isBetween(100_000L, 110_000L);
                assertThat(api2Sent).as("api2: the 50,000-byte upload").isBetween(50_000L, 51_000L);
                long apiReceived = m.value("slb_backend_received_bytes_total", "listener", "api", "backend", labelA);
                long api2Received = m.value("slb_backend_received_bytes_total", "listener", "api2", "backend", labelA);
                assertThat(apiReceived + api2Received)
                        .as("HTTP responses as the backend wrote them, over both listeners")
                        .isEqualTo(toA.toProxy());
                assertThat(apiReceived)
                        .as("api: the 200,000-byte download among them")
                        .isGreaterThan(200_000);
                assertThat(api2Received).as("api2: the upload's short answer").isBetween(1L, 1_000L);
                assertThat(m.value("slb_backend_sent_bytes_total", "listener", "web", "backend", labelEcho))
                        .as("the upgrade request and the client's frames")
                        .isEqualTo(toEcho.fromProxy());
                assertThat(m.value("slb_backend_received_bytes_total", "listener", "web", "backend", labelEcho))
                        .as("the 101 and the echoes")
                        .isEqualTo(toEcho.toProxy());
                assertThat(m.value("slb_backend_sent_bytes_total", "listener", "raw", "backend", labelTcp))
                        .isEqualTo(6);
                assertThat(m.value("slb_backend_received_bytes_total", "listener", "raw", "backend", labelTcp))
                        .isEqualTo(6 + "bye tcp-echo 6\n".length());

                // A reload that removes the WebSocket backend deletes its series; the others keep their counts.
                proxy.apply(proxy.config()
                        .withVersion("v2")
                        .withListeners(List.of(api, api2, web.withBackends(List.of(a.backend())), raw)));
                TestingMetrics after = TestingMetrics.scrape(proxy);
                assertThat(after.samples("slb_backend_sent_bytes_total", "backend", labelEcho))
                        .isEmpty();
                assertThat(after.samples("slb_backend_received_bytes_total", "backend", labelEcho))
                        .isEmpty();
                assertThat(after.value("slb_backend_sent_bytes_total", "listener", "raw", "backend", labelTcp))
                        .isEqualTo(6);
            }
        }
    }

    private static long bytes(TestingMetrics m, String direction, String listener, String backend) {
        return (long) m.sum("slb_backend_" + direction + "_bytes_total", "listener", listener, "backend", backend);
    }

    private static TestingMetrics await(TestingProxy proxy, Predicate<TestingMetrics> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        TestingMetrics m = TestingMetrics.scrape(proxy);
        while (!done.test(m) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            m = TestingMetrics.scrape(proxy);
        }
        return m;
    }

    /** A WebSocket client that remembers the close code it got. */
    private static final class Peer implements WebSocket.Listener {
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws;

        static Peer open(HttpClient http, URI uri) throws Exception {
            Peer p = new Peer();
            p.ws = http.newWebSocketBuilder().buildAsync(uri, p).get(10, TimeUnit.SECONDS);
            return p;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(1006);
        }
    }
}
