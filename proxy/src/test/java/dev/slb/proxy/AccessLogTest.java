package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.metrics.Labels;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingMetrics;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingTcpBackend;
import dev.slb.proxy.testing.TestingWebSockets;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The access log: one JSON line per HTTP request and per WebSocket or TCP connection at its close, on listeners that
 * turn it on, matching the traffic that went through; a reload that turns it on holds the WebSockets open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final int UPLOAD = 100_000;
    private static final int DOWNLOAD = 300_000;
    /** More than the header fields of a request or response here, with the echo's body of a few hundred bytes. */
    private static final int HEADERS = 2048;

    @Test
    void linesParseAndMatchTheTraffic() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DemoBackend echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
                TestingTcpBackend tcpEcho = TestingTcpBackend.start("tcp-echo")) {
            Backend echoBackend =
                    new Backend(TestingPorts.LOOPBACK, echo.address().getPort());
            Listener web = logged(TestingListener.http("web").backends(echoBackend));
            Listener quiet = TestingListener.http("quiet").backends(echoBackend).build();
            Listener tcp = logged(TestingListener.tcp("raw").backends(tcpEcho.backend()));
            try (TestingProxy proxy = TestingProxy.start(TestingProxy.config("v1", web, quiet, tcp), out)) {
                HttpClient http = TestingClients.http11();
                assertThat(TestingClients.getText(http, proxy.uri("web", "/a?x=1"))
                                .statusCode())
                        .isEqualTo(200);
                assertThat(TestingClients.getText(http, proxy.uri("web", "/b")).statusCode())
                        .isEqualTo(200);
                assertThat(TestingClients.getText(http, proxy.uri("quiet", "/not-logged"))
                                .statusCode())
                        .isEqualTo(200);

                Echoes peer = new Echoes();
                WebSocket ws = http.newWebSocketBuilder()
                        .buildAsync(URI.create("ws://" + TestingPorts.LOOPBACK + ":" + proxy.port("web") + "/ws"), peer)
                        .get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 3; i++) {
                    ws.sendText("m" + i, true).get(10, TimeUnit.SECONDS);
                    assertThat(peer.texts.poll(10, TimeUnit.SECONDS)).isEqualTo("m" + i);
                }
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
                assertThat(peer.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);

                try (Socket s = new Socket()) {
                    s.setSoTimeout(10_000);
                    s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, proxy.port("raw")), 5_000);
                    s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                    InputStream in = s.getInputStream();
                    assertThat(new String(in.readNBytes(6), StandardCharsets.UTF_8))
                            .isEqualTo("hello\n");
                    // The client ends first; the backend answers the end of stream with a line of its own.
                    s.shutdownOutput();
                    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("bye tcp-echo 6\n");
                }

                List<JsonNode> lines = awaitLines(out, 4);
                assertThat(lines)
                        .as("no line for the listener without accessLog")
                        .noneMatch(l -> l.path("listener").asText().equals("quiet"));
                List<JsonNode> requests = ofType(lines, "http");
                assertThat(requests).extracting(l -> l.path("target").asText()).containsExactly("/a?x=1", "/b");
                String echoLabel =
                        Labels.backend(TestingPorts.LOOPBACK, echo.address().getPort());
                for (JsonNode r : requests) {
                    assertThat(r.path("listener").asText()).isEqualTo("web");
                    assertThat(r.path("method").asText()).isEqualTo("GET");
                    assertThat(r.path("status").asInt()).isEqualTo(200);
                    assertThat(r.path("backend").asText()).isEqualTo(echoLabel);
                    assertThat(r.path("client").asText()).startsWith(TestingPorts.LOOPBACK + ":");
                    assertThat(r.path("bytesIn").asLong()).isPositive();
                    assertThat(r.path("bytesOut").asLong()).as(r.toString()).isPositive();
                    assertThat(r.path("durationSeconds").isNumber()).isTrue();
                    assertThat(r.path("time").asText()).endsWith("Z");
                }

                JsonNode socket = awaitLine(out, "websocket");
                assertThat(socket.path("listener").asText()).isEqualTo("web");
                assertThat(socket.path("backend").asText()).isEqualTo(echoLabel);
                assertThat(socket.path("initiator").asText()).isEqualTo("client");
                assertThat(socket.path("closeCode").asInt()).isEqualTo(1000);
                assertThat(socket.path("framesIn").asLong())
                        .as("three texts and the close")
                        .isEqualTo(4);
                assertThat(socket.path("framesOut").asLong())
                        .as("three echoes and the close's answer")
                        .isEqualTo(4);

                JsonNode raw = awaitLine(out, "tcp");
                assertThat(raw.path("listener").asText()).isEqualTo("raw");
                assertThat(raw.path("initiator").asText()).isEqualTo("client");
                assertThat(raw.path("bytesIn").asLong()).isEqualTo(6);
                assertThat(raw.path("bytesOut").asLong()).isEqualTo(6 + "bye tcp-echo 6\n".length());
                assertThat(raw.path("backend").asText())
                        .isEqualTo(Labels.backend(TestingPorts.LOOPBACK, tcpEcho.port()));
                assertThat(TestingMetrics.scrape(proxy).value("slb_access_log_dropped_total"))
                        .isZero();
            }
        }
    }

    @Test
    void aReloadThatTurnsItOnHoldsWebSockets() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DemoBackend echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo")) {
            Listener web = TestingListener.http("web")
                    .backends(new Backend(TestingPorts.LOOPBACK, echo.address().getPort()))
                    .build();
            ProxyConfig v1 = TestingProxy.config("v1", web);
            try (TestingProxy proxy = TestingProxy.start(v1, out);
                    TestingWebSockets sockets = TestingWebSockets.open(proxy.port("web"), 20)) {
                sockets.exchange("before");
                proxy.apply(v1.withVersion("v2")
                        .withListeners(List.of(web.toBuilder().accessLog(true).build())));
                sockets.exchange("after");
                assertThat(sockets.dropped()).isZero();
                assertThat(sockets.lost()).isZero();
                assertThat(TestingClients.getText(TestingClients.http11(), proxy.uri("web", "/now-logged"))
                                .statusCode())
                        .isEqualTo(200);
                assertThat(awaitLine(out, "http").path("target").asText()).isEqualTo("/now-logged");
            }
        }
    }

    /**
     * A GET, then two requests at once on the same HTTP/2 connection, an upload and a download: each stream's line carries
     * its own request and response bytes (its DATA and its header fields), never the connection's nor its neighbour's.
     */
    @Test
    void eachHttp2StreamsLineCarriesItsOwnBytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TestingBackend backend = TestingBackend.start("b")) {
            Listener secure = Listener.of("secure", Protocol.HTTPS, 0, List.of(backend.backend()))
                    .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                    .withTls(new Tls(Http2ProxyTest.path("tls.crt"), Http2ProxyTest.path("tls.key"), null))
                    .toBuilder()
                    .accessLog(true)
                    .build();
            try (TestingProxy proxy = TestingProxy.start(TestingProxy.config("v1", secure), out)) {
                int port = proxy.port("secure");
                HttpClient h2 = Http2ProxyTest.h2();
                // The connection's first stream; the next two share the connection with it, at once.
                HttpResponse<String> hello = h2.send(
                        HttpRequest.newBuilder(Http2ProxyTest.uri(port, "/hello"))
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(hello.version()).isEqualTo(HttpClient.Version.HTTP_2);
                CompletableFuture<HttpResponse<String>> upload = h2.sendAsync(
                        HttpRequest.newBuilder(Http2ProxyTest.uri(port, "/upload"))
                                .timeout(Duration.ofSeconds(20))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[UPLOAD]))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                CompletableFuture<HttpResponse<byte[]>> download = h2.sendAsync(
                        HttpRequest.newBuilder(Http2ProxyTest.uri(port, "/download?bytes=" + DOWNLOAD))
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(upload.get(20, TimeUnit.SECONDS).version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(download.get(20, TimeUnit.SECONDS).body()).hasSize(DOWNLOAD);

                List<JsonNode> lines = ofType(awaitLines(out, 3), "http");
                assertThat(lines)
                        .extracting(l -> l.path("target").asText())
                        .containsExactlyInAnyOrder("/upload", "/download?bytes=" + DOWNLOAD, "/hello");
                for (JsonNode l : lines) {
                    String target = l.path("target").asText();
                    long in = l.path("bytesIn").asLong();
                    long outBytes = l.path("bytesOut").asLong();
                    // Header fields are a few hundred bytes each way; bodies are what the client and backend sent.
                    long bodyIn = target.equals("/upload") ? UPLOAD : 0;
                    long bodyOut = target.startsWith("/download") ? DOWNLOAD : 0;
                    assertThat(in).as("%s bytesIn", l).isGreaterThan(bodyIn).isLessThan(bodyIn + HEADERS);
                    assertThat(outBytes)
                            .as("%s bytesOut", l)
                            .isGreaterThan(bodyOut)
                            .isLessThan(bodyOut + HEADERS);
                }
            }
        }
    }

    private static Listener logged(TestingListener l) {
        return l.build().toBuilder().accessLog(true).build();
    }

    private static List<JsonNode> ofType(List<JsonNode> lines, String type) {
        return lines.stream().filter(l -> l.path("type").asText().equals(type)).collect(Collectors.toList());
    }

    private static List<JsonNode> lines(ByteArrayOutputStream out) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    private static List<JsonNode> awaitLines(ByteArrayOutputStream out, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (lines(out).size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return lines(out);
    }

    private static JsonNode awaitLine(ByteArrayOutputStream out, String type) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<JsonNode> found = ofType(lines(out), type);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            found = ofType(lines(out), type);
        }
        assertThat(found)
                .as("a %s line in:%n%s", type, out.toString(StandardCharsets.UTF_8))
                .hasSize(1);
        return found.get(0);
    }

    /** A WebSocket client keeping the texts it got and the close code. */
    private static final class Echoes implements WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            texts.add(data.toString());
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
