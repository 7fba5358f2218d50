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
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingMetrics;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
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
