package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The front door against a corpus of malformed requests on raw sockets, as an attacker sends
 * them: each gets its status and a closed connection, never a hang; the recording backend sees
 * exactly what it should (nothing, for a refusal); and a request pipelined behind each one in the
 * same write is never answered with anyone else's response. Beside the corpus, one test per
 * finding of issue 16 that the corpus cannot show (timeouts, slow bodies, lingering close, logs).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpFrontDoorTest {
    private static final int MAX_HEADER_BYTES = 1024;
    private static final int MAX_REQUEST_LINE_BYTES = 512;
    private static final int MAX_HEADERS = 20;
    private static final String NEXT = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";

    private TestingBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("a");
        proxy = TestingProxy.start(TestingListener.http("web")
                .maxHeaderBytes(MAX_HEADER_BYTES)
                .maxRequestLineBytes(MAX_REQUEST_LINE_BYTES)
                .maxHeaders(MAX_HEADERS)
                .idleTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(1))
                .requestHeaderTimeout(Duration.ofSeconds(1))
                .minRequestBodyBytesPerSecond(100)
                .backends(backend.backend())
                .build());
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private static String get(String requestLineRest, String headers) {
        return "GET " + requestLineRest + "\r\n" + headers + "\r\n";
    }

    private static String headers(int n) {
        StringBuilder sb = new StringBuilder("Host: h\r\n");
        for (int i = 1; i < n; i++) {
            sb.append("X-H").append(i).append(": v\r\n");
        }
        return sb.toString();
    }

    /** Refused requests: what is sent, the status, and the X-SLB-Error reason. The finding of issue 16 leads each name. */
    static Stream<Arguments> refused() {
        return Stream.of(
                // 1: control bytes in an absolute URL's authority got no answer and a stack trace.
                Arguments.of("1: SOH in the authority", get("http://a\u0001b/ HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("1: NUL in the authority", get("http://a\u0000b/ HTTP/1.1", "Host: h\r\n"), 400, null),
                // 4: codings the proxy cannot frame reached the backend unchanged.
                Arguments.of(
                        "4: Transfer-Encoding identity, chunked",
                        "POST /te HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
                        501,
                        null),
                Arguments.of(
                        "4: Transfer-Encoding gzip, chunked",
                        "POST /te HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                        501,
                        null),
                Arguments.of(
                        "4: Transfer-Encoding chunked twice on two lines",
                        "POST /te HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "0\r\n\r\n",
                        501,
                        null),
                Arguments.of(
                        "4: Transfer-Encoding chunked on HTTP/1.0",
                        "POST /te HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400,
                        null),
                // 5: the request line: control bytes in the target, forms, spacing, the version's case.
                Arguments.of("5: NUL in the target", get("/a\u0000b HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: DEL in the target", get("/a\u007fb HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: ESC in the target", get("/a\u001bb HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: a target without a leading slash", get("a/b HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: an authority-form target on GET", get("t:80 HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: '*' on GET", get("* HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: a space before the request line", " " + get("/ HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: two spaces after the method", get(" / HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: lower-case http/1.1", get("/ http/1.1", "Host: h\r\n"), 400, null),
                Arguments.of(
                        "5: an absolute URL with an empty host", get("http:///x HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: an absolute URL with a comma", get("http://a,b/x HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of(
                        "5: an absolute URL with user info", get("http://u@h/x HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: an absolute ftp URL", get("ftp://h/x HTTP/1.1", "Host: h\r\n"), 400, null),
                Arguments.of("5: a method with a control byte", "G\u0001T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, null),
                Arguments.of("5: a request line ended by LF alone", "GET / HTTP/1.1\nHost: h\r\n\r\n", 400, null),
                // 6: Host values a backend could read otherwise, and obs-fold.
                Arguments.of("6: an empty Host", get("/ HTTP/1.1", "Host: \r\n"), 400, null),
                Arguments.of("6: Host a b", get("/ HTTP/1.1", "Host: a b\r\n"), 400, null),
                Arguments.of("6: Host a, b", get("/ HTTP/1.1", "Host: a, b\r\n"), 400, null),
                Arguments.of("6: Host t/evil", get("/ HTTP/1.1", "Host: t/evil\r\n"), 400, null),
                Arguments.of("6: Host with a port too long", get("/ HTTP/1.1", "Host: h:123456\r\n"), 400, null),
                Arguments.of(
                        "6: an obs-folded Transfer-Encoding under Host",
                        get("/ HTTP/1.1", "Host: t\r\n Transfer-Encoding: chunked\r\n"),
                        400,
                        null),
                Arguments.of("6: an obs-fold with a tab", get("/ HTTP/1.1", "Host: t\r\nX-A: b\r\n\tc\r\n"), 400, null),
                Arguments.of(
                        "6: a control byte in a header value",
                        get("/ HTTP/1.1", "Host: t\r\nX-A: b\u0001\r\n"),
                        400,
                        null),
                Arguments.of("6: a header line without a colon", get("/ HTTP/1.1", "Host: t\r\nX-A\r\n"), 400, null),
                // 8: limits.
                Arguments.of(
                        "8: one header line over maxHeaders", get("/ HTTP/1.1", headers(MAX_HEADERS + 1)), 431, null),
                Arguments.of("8: 2,000 header lines", get("/ HTTP/1.1", headers(2000)), 431, null),
                Arguments.of(
                        "8: a chunk extension longer than a request line",
                        "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;e="
                                + "x".repeat(MAX_REQUEST_LINE_BYTES * 4) + "\r\nhello\r\n0\r\n\r\n",
                        400,
                        "/up"),
                // Those that were refused before issue 16, kept here with the pipelined check.
                Arguments.of(
                        "Content-Length and Transfer-Encoding together",
                        "POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400,
                        null),
                Arguments.of(
                        "header section over maxHeaderBytes",
                        get("/ HTTP/1.1", "Host: h\r\nX-Big: " + "x".repeat(MAX_HEADER_BYTES * 2) + "\r\n"),
                        431,
                        null),
                Arguments.of(
                        "request line over maxRequestLineBytes",
                        get("/" + "a".repeat(MAX_REQUEST_LINE_BYTES * 2) + " HTTP/1.1", "Host: h\r\n"),
                        414,
                        null),
                Arguments.of("CONNECT", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 405, null),
                Arguments.of("HTTP/2.0 as text", get("/ HTTP/2.0", "Host: h\r\n"), 505, null),
                Arguments.of("no Host on HTTP/1.1", get("/ HTTP/1.1", ""), 400, null),
                Arguments.of("garbage", "\u0001\u0002\u0003 not HTTP\r\n\r\n", 400, null));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("refused")
    void isAnsweredAndClosedAndTheRequestPipelinedBehindItIsNeverAnswered(
            String what, String request, int status, String headAhead) throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send(request + NEXT);
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).as("status for %s: %s", what, r).isEqualTo(status);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(r.header("X-SLB-Error")).isNotBlank();
            assertThat(restUntilClosed(c))
                    .as("after the answer to %s: nothing, then the end of the connection", what)
                    .isEmpty();
        }
        // A head ahead of a bad body reaches the backend only if the proxy had connected before the
        // bad bytes arrived: a race the test does not control, so that head may or may not be seen.
        assertThat(backend.requests())
                .extracting(TestingBackend.Seen::target)
                .as("nothing of %s, nor the request behind it, reaches the backend", what)
                .isSubsetOf(headAhead == null ? List.of() : List.of(headAhead));
    }

    /** Valid requests near the refused ones: served, the backend sees them as sent, and the one behind gets its own answer. */
    static Stream<Arguments> served() {
        return Stream.of(
                Arguments.of("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS *"),
                Arguments.of(
                        "an absolute URL", get("http://h.example/abs?q=1 HTTP/1.1", "Host: h\r\n"), "GET /abs?q=1"),
                Arguments.of(
                        "an absolute URL with a port", get("http://h.example:80/p HTTP/1.1", "Host: h\r\n"), "GET /p"),
                Arguments.of("Host with a port", get("/port HTTP/1.1", "Host: h.example:8080\r\n"), "GET /port"),
                Arguments.of("Host an IPv6 address", get("/v6 HTTP/1.1", "Host: [::1]:80\r\n"), "GET /v6"),
                Arguments.of("obs-text (UTF-8) in the target", get("/caf\u00c3\u00a9 HTTP/1.1", "Host: h\r\n"), null),
                Arguments.of(
                        "maxHeaders header lines exactly", get("/limit HTTP/1.1", headers(MAX_HEADERS)), "GET /limit"),
                Arguments.of(
                        "empty lines before the request line",
                        "\r\n\r\n" + get("/crlf HTTP/1.1", "Host: h\r\n"),
                        "GET /crlf"),
                Arguments.of(
                        "Transfer-Encoding Chunked with spaces",
                        "POST /chunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:  Chunked \r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n",
                        "POST /chunked"),
                Arguments.of("HTTP/1.2, served as 1.1", get("/v12 HTTP/1.2", "Host: h\r\n"), "GET /v12"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("served")
    void isServedAndThePipelinedRequestGetsItsOwnAnswer(String what, String request, String seen) throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send(request + NEXT);
            TestingConnection.Response first = c.readResponse();
            assertThat(first.status()).as("%s: %s", what, first).isEqualTo(200);
            if (seen != null) {
                assertThat(first.bodyText()).as("the echo of %s", what).contains(seen + " HTTP/1.1");
            }
            TestingConnection.Response next = c.readResponse();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText())
                    .as("the answer to the request behind %s", what)
                    .contains("GET /next HTTP/1.1");
        }
        assertThat(backend.requests()).hasSize(2);
        assertThat(backend.requests().get(1).target()).isEqualTo("/next");
    }

    /** Finding 8: a head that never completes is answered 408 at requestHeaderTimeout, however steadily it drips. */
    @Test
    void aRequestHeadDrippedByteByByteIsAnswered408AtTheRequestHeaderTimeout() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            Thread dripper = drip(c.socket(), "GET /slowloris HTTP/1.1\r\nHost: h\r\nX-Drip: " + "d".repeat(100), 50);
            try {
                TestingConnection.Response r = c.readResponse();
                assertThat(r.status())
                        .as("before issue 16 the head was cut silently at the idle timeout (here 5 s), "
                                + "and every byte reset it")
                        .isEqualTo(408);
                assertThat(r.header("X-SLB-Error")).isEqualTo("RequestHeaderTimeout");
                assertThat(c.closedByPeer()).isTrue();
            } finally {
                dripper.interrupt();
                dripper.join(5_000);
            }
        }
        assertThat(backend.requests()).isEmpty();
    }

    /** Finding 3: a body far below minRequestBodyBytesPerSecond is answered 408, and the backend connection it held is let go. */
    @Test
    void aBodyBelowTheMinimumRateIs408AndTheBackendIsFreed() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
            // 10 bytes a second against a minimum of 100: every byte used to reset the request timeout.
            Thread dripper = drip(c.socket(), "x".repeat(80), 100);
            try {
                TestingConnection.Response r = c.readResponse();
                assertThat(r.status()).isEqualTo(408);
                assertThat(r.header("X-SLB-Error")).isEqualTo("RequestBodyTooSlow");
                assertThat(c.closedByPeer()).isTrue();
            } finally {
                dripper.interrupt();
                dripper.join(5_000);
            }
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::target).containsExactly("/upload");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (backend.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(backend.inFlight())
                .as("the backend's half-sent request was ended")
                .isZero();
    }

    /** Finding 3, the other side: a body at twice the minimum rate, with pauses under the request timeout, passes. */
    @Test
    void aBodyAboveTheMinimumRatePasses() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 300\r\n\r\n");
            for (int i = 0; i < 10; i++) {
                c.send("y".repeat(30));
                Thread.sleep(150);
            }
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).startsWith("bytes=300 ");
        }
    }

    /**
     * Finding 7: an answer to a client still sending (a 431 for a head far over the limit) is
     * followed by a graceful close, not a reset that could destroy the answer before it is read.
     */
    @Test
    void aRefusalWhileTheClientIsStillSendingEndsWithAGracefulClose() throws Exception {
        for (String request : new String[] {
            get("/ HTTP/1.1", "Host: h\r\nX-Big: " + "x".repeat(256 * 1024) + "\r\n"),
            get("/" + "a".repeat(256 * 1024) + " HTTP/1.1", "Host: h\r\n")
        }) {
            try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
                c.send(request);
                Thread.sleep(100);
                // More bytes after the proxy has answered: a close with them unread would reset.
                c.send("X-More: " + "m".repeat(64 * 1024));
                TestingConnection.Response r = c.readResponse();
                assertThat(r.status()).isIn(414, 431);
                try {
                    assertThat(restUntilClosed(c)).isEmpty();
                } catch (SocketException e) {
                    fail("the connection was reset after the " + r.status() + " instead of closed: " + e);
                }
            }
        }
    }

    /**
     * Finding 1, the log: requests a client can send at will leave no stack trace in the log,
     * however many come (they are logged at INFO, one line per kind every 10 s).
     */
    @Test
    void refusedRequestsLeaveNoStackTraceInTheLog() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (int i = 0; i < 50; i++) {
                try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
                    c.send(get("http://a\u0001b/" + i + " HTTP/1.1", "Host: h\r\n"));
                    assertThat(c.readResponse().status()).isEqualTo(400);
                }
            }
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).doesNotContain("\tat ").doesNotContain("Exception");
    }

    /** What arrives until the peer closes: empty when the connection ends cleanly; fails when it stays open. */
    private static String restUntilClosed(TestingConnection c) throws IOException {
        StringBuilder rest = new StringBuilder();
        long deadline = System.nanoTime() + TestingConnection.READ_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String more = c.readAvailable(8192, Duration.ofSeconds(1));
            if (more == null) {
                return rest.toString();
            }
            rest.append(more);
        }
        fail("the connection is still open " + TestingConnection.READ_TIMEOUT + " after the answer; it sent: " + rest);
        return rest.toString();
    }

    /** Sends {@code text} one byte every {@code everyMillis} from a thread of its own, until done, interrupted or closed. */
    private static Thread drip(Socket socket, String text, long everyMillis) {
        Thread t = new Thread(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(everyMillis);
                }
            } catch (IOException | InterruptedException e) {
                // Closed or told to stop: the test reads what the proxy did.
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
