package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The echo backend on a real loopback socket, seen through the JDK's own HTTP and WebSocket clients. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EchoBackendTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private EchoBackend backend;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        backend = EchoBackend.start(new InetSocketAddress("127.0.0.1", 0), null);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(WAIT)
                .build();
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    private URI uri(String scheme, String path) {
        return URI.create(scheme + "://127.0.0.1:" + backend.address().getPort() + path);
    }

    @Test
    void anyPathButWsIsAnsweredOk() throws Exception {
        HttpResponse<String> res = client.send(
                HttpRequest.newBuilder(uri("http", "/anything?x=1"))
                        .timeout(WAIT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("ok\n");
        assertThat(res.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(res.headers().firstValue("content-length")).hasValue("3");
    }

    @Test
    void jsonIsSixteenKibOfCompressibleJson() throws Exception {
        HttpResponse<byte[]> res = client.send(
                HttpRequest.newBuilder(uri("http", EchoBackendHandler.JSON_PATH))
                        .header("Accept-Encoding", "gzip")
                        .timeout(WAIT)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(res.headers().firstValue("content-length")).hasValue("16384");
        // The backend never compresses: that is the proxy's work in the gzip scenario.
        assertThat(res.headers().firstValue("content-encoding")).isEmpty();
        assertThat(res.body()).hasSize(16384).isEqualTo(JsonDocument.bytes());
        String json = new String(res.body(), StandardCharsets.US_ASCII);
        assertThat(json).startsWith("{\"items\":[{\"id\":1,").endsWith("\"}");
        assertThat(json.chars().filter(c -> c == '{').count())
                .isEqualTo(json.chars().filter(c -> c == '}').count());
        // As compressible as a real list response, not as a repeated string (README, gzip).
        assertThat(gzipped(res.body(), 6)).isBetween(16384 / 8, 16384 / 3);
    }

    @Test
    void aPostWithABodyIsAnsweredOk() throws Exception {
        HttpResponse<String> res = client.send(
                HttpRequest.newBuilder(uri("http", "/"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(1024, 3)))
                        .header("Content-Type", "application/json")
                        .timeout(WAIT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("ok\n");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", backend.address().getPort())) {
            s.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            String get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
            out.write((get + get + get).getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answers = readUntil(s.getInputStream(), 3, "ok\n");
            assertThat(answers.split("HTTP/1.1 200 OK", -1)).hasSize(4);

            out.write(get.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readUntil(s.getInputStream(), 1, "ok\n")).startsWith("HTTP/1.1 200 OK");
        }
    }

    @Test
    void wsWithoutAnUpgradeIsABadRequest() throws Exception {
        HttpResponse<String> res = client.send(
                HttpRequest.newBuilder(uri("http", "/ws")).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(400);
    }

    @Test
    void webSocketEchoesEachMessageAsItsOwnTypeAndAnswersPingAndClose() throws Exception {
        Recorder recorder = new Recorder();
        WebSocket ws = client.newWebSocketBuilder()
                .connectTimeout(WAIT)
                .buildAsync(uri("ws", "/ws"), recorder)
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        byte[] small = bytes(4096, 1);
        byte[] large = bytes(EchoBackend.MAX_FRAME_PAYLOAD, 2);

        ws.sendText("héllo", true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("text:héllo");

        ws.sendBinary(ByteBuffer.wrap(small), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("binary:" + hex(small));

        ws.sendBinary(ByteBuffer.wrap(large), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("binary:" + hex(large));

        ws.sendPing(ByteBuffer.wrap(new byte[] {7, 8, 9})).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("pong:070809");

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("close:1000");
    }

    private static String readUntil(InputStream in, int times, String marker) throws Exception {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[1024];
        while (sb.toString().split(marker, -1).length - 1 < times) {
            int n = in.read(buf);
            assertThat(n).as("connection closed after %s", sb).isPositive();
            sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        }
        return sb.toString();
    }

    private static int gzipped(byte[] body, int level) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out) {
            {
                def.setLevel(level);
            }
        }) {
            gzip.write(body);
        }
        return out.size();
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A digest rather than the bytes, so a failure message stays readable. */
    private static String hex(byte[] b) {
        return b.length + "/" + Arrays.hashCode(b);
    }

    /** Whole messages and control frames, in arrival order, as short strings. */
    private static final class Recorder implements WebSocket.Listener {
        private final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private ByteArrayOutputStream binary = new ByteArrayOutputStream();

        String next() throws InterruptedException {
            String e = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(e).as("no WebSocket event within %s", WAIT).isNotNull();
            return e;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                events.add("text:" + text);
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                events.add("binary:" + hex(binary.toByteArray()));
                binary = new ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            StringBuilder sb = new StringBuilder("pong:");
            while (message.hasRemaining()) {
                sb.append(String.format("%02x", message.get()));
            }
            events.add(sb.toString());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            events.add("close:" + statusCode);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            events.add("error:" + error);
        }
    }
}
