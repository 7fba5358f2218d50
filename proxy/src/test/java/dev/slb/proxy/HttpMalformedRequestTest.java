package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed requests on raw sockets: each gets a status and a closed connection, never a hang
 * (every read has a timeout), and nothing ambiguous reaches the backend.
 */
@Timeout(30)
class HttpMalformedRequestTest {
    private static final int MAX_HEADER_BYTES = 1024;
    private static final int MAX_REQUEST_LINE_BYTES = 512;

    private TestingBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("a");
        proxy = TestingProxy.start(TestingListener.http("web")
                .maxHeaderBytes(MAX_HEADER_BYTES)
                .maxRequestLineBytes(MAX_REQUEST_LINE_BYTES)
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

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(
                        "Content-Length and Transfer-Encoding together",
                        400,
                        "POST /smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of(
                        "two different Content-Lengths",
                        400,
                        "POST /cl HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
                Arguments.of(
                        "a Content-Length that is not a number",
                        400,
                        "POST /cl HTTP/1.1\r\nHost: h\r\nContent-Length: five\r\n\r\nhello"),
                Arguments.of(
                        "header section over maxHeaderBytes",
                        431,
                        "GET /big HTTP/1.1\r\nHost: h\r\nX-Big: " + "x".repeat(MAX_HEADER_BYTES * 2) + "\r\n\r\n"),
                Arguments.of(
                        "request line over maxRequestLineBytes",
                        414,
                        "GET /" + "a".repeat(MAX_REQUEST_LINE_BYTES * 2) + " HTTP/1.1\r\nHost: h\r\n\r\n"),
                Arguments.of("garbage", 400, "\u0001\u0002\u0003 this is not HTTP at all\r\n\r\n"),
                Arguments.of("a space before the colon", 400, "GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
                Arguments.of(
                        "a Transfer-Encoding that does not end in chunked (RFC 9112 6.1: a coding the proxy cannot frame)",
                        501,
                        "POST /te HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("malformed")
    void isAnsweredAndClosedWithoutReachingTheBackend(String what, int status, String request) throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send(request);
            TestingConnection.Response r = c.readHead();
            assertThat(r.status()).as("status for %s", what).isEqualTo(status);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByPeer())
                    .as("the proxy closes the connection after %s", what)
                    .isTrue();
        }
        assertThat(backend.requests())
                .as("nothing of %s reaches the backend", what)
                .isEmpty();
    }

    /** RFC 9112 3.2: "A server MUST respond with a 400 ... to any HTTP/1.1 request message that lacks a Host". */
    @Test
    void anHttp11RequestWithoutHostIs400() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /no-host HTTP/1.1\r\n\r\n");
            TestingConnection.Response r = c.readHead();
            assertThat(r.status())
                    .as("regression (200): an HTTP/1.1 request without Host is forwarded with a made-up "
                            + "Host instead of being refused")
                    .isEqualTo(400);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requests()).isEmpty();
    }

    /** RFC 9112 3.2: more than one Host field line is a 400: two Hosts let proxy and backend disagree on the target. */
    @Test
    void twoHostHeadersAre400() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /two-hosts HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
            TestingConnection.Response r = c.readHead();
            assertThat(r.status())
                    .as("regression (200): a request with two Host headers is forwarded")
                    .isEqualTo(400);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requests()).isEmpty();
    }

    @Test
    void anHttpVersionThisProxyDoesNotSpeakIsRefused() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /v7 HTTP/7.3\r\nHost: h\r\n\r\n");
            TestingConnection.Response r = c.readHead();
            assertThat(r.status())
                    .as("regression (200): 'HTTP/7.3' is forwarded to the backend as HTTP/1.1; "
                            + "expected 400 or 505 (RFC 9110 15.6.6)")
                    .isIn(400, 505);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requests()).isEmpty();
    }

    /**
     * RFC 9110 2.5: a message with a major version the recipient implements and a higher minor
     * version "SHOULD" be processed as the highest minor version it implements: HTTP/1.2 as 1.1.
     */
    @Test
    void aHigherMinorVersionIsServedAsHttp11() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /v12 HTTP/1.2\r\nHost: h\r\n\r\n");
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status())
                    .as("regression (RFC 9110 2.5 says SHOULD): if 505, HTTP/1.2 is refused instead of "
                            + "being served as HTTP/1.1")
                    .isEqualTo(200);
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::version).containsExactly("HTTP/1.1");
    }

    @Test
    void badChunkSizeIs400AndClosed() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\nzz\r\nwhat\r\n0\r\n\r\n");
            TestingConnection.Response r = c.readHead();
            assertThat(r.status()).isEqualTo(400);
            assertThat(c.closedByPeer()).isTrue();
        }
        // The head may have gone ahead of the body; if so the backend must not answer it as whole.
        assertThat(backend.requests()).allSatisfy(s -> assertThat(s.path()).isEqualTo("/chunks"));
    }

    @Test
    void badChunkSizeInTheFirstChunkIs400AndClosed() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\n");
            TestingConnection.Response r = c.readHead();
            assertThat(r.status()).isEqualTo(400);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void theListenerServesNormallyAfterMalformedInput() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("\u0001garbage\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(400);
        }
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /fine HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
    }

    @Test
    void aHeaderSectionJustUnderTheLimitIsServed() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /ok HTTP/1.1\r\nHost: h\r\nX-Some: " + "y".repeat(MAX_HEADER_BYTES / 2) + "\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
    }
}
