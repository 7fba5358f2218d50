package dev.slb.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.proxy.core.Transport;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminServerTest {
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(5);

    private static EventLoopGroup group;
    private static HttpClient client;

    private final TestingStatus status = new TestingStatus();
    private AdminServer server;

    /** A status the test sets by hand. */
    static final class TestingStatus implements AdminServer.Status {
        volatile boolean live = true;
        volatile boolean ready = true;
        volatile String version = "v1";
        volatile RuntimeException failure;

        @Override
        public boolean live() {
            return live;
        }

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public String configVersion() {
            if (failure != null) {
                throw failure;
            }
            return version;
        }

        @Override
        public String configJson() {
            if (failure != null) {
                throw failure;
            }
            return "{\"version\":\"" + version + "\",\"listeners\":[]}";
        }

        @Override
        public String metrics() {
            return "slb_ready " + (ready ? 1 : 0) + "\n";
        }
    }

    @BeforeAll
    static void startGroup() {
        group = Transport.best().newGroup(1, "admin-test");
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(IO_TIMEOUT)
                .build();
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void start() throws InterruptedException {
        server = AdminServer.start(group, Transport.best(), new InetSocketAddress("127.0.0.1", 0), status);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        InetSocketAddress at = server.boundAddress();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(IO_TIMEOUT)
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bindsAnEphemeralPort() {
        assertThat(server.boundAddress().getPort()).isPositive();
        assertThat(server.boundAddress().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void healthzIsOkWhileLive() throws Exception {
        HttpResponse<String> r = send("GET", "/healthz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok\n");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");

        status.live = false;
        assertThat(send("GET", "/healthz").statusCode()).isEqualTo(503);
    }

    @Test
    void readyzSaysDrainingWhenNotReady() throws Exception {
        HttpResponse<String> r = send("GET", "/readyz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ready\n");

        status.ready = false;
        r = send("GET", "/readyz");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("draining\n");
    }

    @Test
    void configReportsTheVersionServedInBodyAndHeader() throws Exception {
        status.version = "2026-11-24.7";
        HttpResponse<String> r = send("GET", "/config");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.headers().firstValue("x-config-version")).hasValue("2026-11-24.7");
        assertThat(r.body()).isEqualTo("{\"version\":\"2026-11-24.7\",\"listeners\":[]}");
    }

    @Test
    void aQueryStringDoesNotChangeThePath() throws Exception {
        assertThat(send("GET", "/readyz?verbose=1").statusCode()).isEqualTo(200);
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws Exception {
        HttpResponse<String> r = send("HEAD", "/config");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("x-config-version")).hasValue("v1");
        assertThat(r.headers().firstValueAsLong("content-length"))
                .hasValue(status.configJson().getBytes(StandardCharsets.UTF_8).length);

        status.ready = false;
        assertThat(send("HEAD", "/readyz").statusCode()).isEqualTo(503);
    }

    @Test
    void unknownPathsAreNotFound() throws Exception {
        HttpResponse<String> r = send("GET", "/stats");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("/healthz", "/readyz", "/config", "/metrics");
        assertThat(send("POST", "/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void otherMethodsAreNotAllowed() throws Exception {
        for (String method : new String[] {"POST", "PUT", "DELETE"}) {
            HttpResponse<String> r = send(method, "/config");
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("allow")).as(method).hasValue("GET, HEAD");
        }
    }

    @Test
    void aStatusThatFailsIsAnsweredWith500() throws Exception {
        status.failure = new IllegalStateException("no config yet");
        HttpResponse<String> r = send("GET", "/config");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("no config yet");
    }

    @Test
    void aVersionWithControlCharactersCannotSplitTheHeaders() throws Exception {
        status.version = "v1\r\nX-Injected: yes";
        HttpResponse<String> r = send("GET", "/config");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-config-version")).hasValue("v1??X-Injected: yes");
        assertThat(r.headers().firstValue("x-injected")).isEmpty();
    }

    // ---- connection handling, on a raw socket so reuse and closing can be seen ----------------

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(server.boundAddress(), (int) IO_TIMEOUT.toMillis());
        socket.setSoTimeout((int) IO_TIMEOUT.toMillis());
        return socket;
    }

    private static void write(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Reads one response whose body length is given by Content-Length. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-response after: " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        try (Socket socket = connect()) {
            InputStream in = socket.getInputStream();
            write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK").endsWith("ok\n");
            write(socket, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /config HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK").endsWith("ready\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("x-config-version: v1");
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (Socket socket = connect()) {
            InputStream in = socket.getInputStream();
            write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("connection: close");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void http10ClosesUnlessAskedToKeepAlive() throws Exception {
        try (Socket socket = connect()) {
            InputStream in = socket.getInputStream();
            write(socket, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(readResponse(in)).containsIgnoringCase("connection: keep-alive");
            write(socket, "GET /healthz HTTP/1.0\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void malformedRequestsGetAnAnswerAndAClosedConnection() throws Exception {
        try (Socket socket = connect()) {
            InputStream in = socket.getInputStream();
            write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 400");
            assertThat(in.read()).isEqualTo(-1);
        }
        try (Socket socket = connect()) {
            InputStream in = socket.getInputStream();
            write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 431");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void closeStopsListeningAndClosesOpenConnections() throws Exception {
        InetSocketAddress at = server.boundAddress();
        try (Socket socket = connect()) {
            write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            readResponse(socket.getInputStream());
            server.close();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(refusesConnections(at))
                .as("connections to " + at + " refused after close")
                .isTrue();
        server.close(); // twice is harmless
    }

    /** NIO frees a closed listening socket at its selector's next wake-up, so allow a moment. */
    private static boolean refusesConnections(InetSocketAddress at) throws InterruptedException {
        long deadline = System.nanoTime() + IO_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket()) {
                probe.connect(at, (int) IO_TIMEOUT.toMillis());
            } catch (IOException refused) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Test
    void aTakenPortFailsWithTheAddress() {
        InetSocketAddress taken = server.boundAddress();
        assertThatThrownBy(() -> AdminServer.start(group, Transport.best(), taken, status))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(String.valueOf(taken.getPort()));
    }
}
