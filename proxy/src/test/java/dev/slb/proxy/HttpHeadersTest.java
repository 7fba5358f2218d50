package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ForwardedHeaders;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingBodies;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RFC 9110/9112 header handling as the backend and the client see it. */
@Timeout(60)
class HttpHeadersTest {
    private TestingBackend backend;
    private TestingProxy proxy;
    private int port;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("a");
        proxy = TestingProxy.start(
                TestingListener.http("web").backends(backend.backend()).build());
        port = proxy.port("web");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private TestingBackend.Seen lastSeen() {
        List<TestingBackend.Seen> all = backend.requests();
        assertThat(all).as("requests the backend saw").isNotEmpty();
        return all.get(all.size() - 1);
    }

    @Test
    void forwardedHeadersAreSetHostKeptAndHopByHopDropped() throws Exception {
        TestingConnection.Response r;
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /headers?x=1 HTTP/1.1\r\n"
                    + "Host: shop.example:8080\r\n"
                    + "X-Forwarded-For: 1.2.3.4\r\n"
                    + "X-Forwarded-Proto: https\r\n"
                    + "X-Forwarded-Port: 443\r\n"
                    + "Connection: close, Foo\r\n"
                    + "Foo: secret-for-the-next-hop-only\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "TE: trailers\r\n"
                    + "Proxy-Connection: keep-alive\r\n"
                    + "X-Custom: kept\r\n"
                    + "\r\n");
            r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Connection")).as("the client asked to close").isEqualToIgnoringCase("close");
            assertThat(c.closedByPeer())
                    .as("the proxy closes after answering Connection: close")
                    .isTrue();
        }
        TestingBackend.Seen seen = lastSeen();
        assertThat(seen.version()).isEqualTo("HTTP/1.1");
        assertThat(seen.target()).isEqualTo("/headers?x=1");
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("1.2.3.4, 127.0.0.1");
        assertThat(seen.header("X-Forwarded-Proto"))
                .as("set by the proxy, not taken from the client")
                .isEqualTo("http");
        assertThat(seen.header("X-Forwarded-Port")).as("the listener port").isEqualTo(Integer.toString(port));
        assertThat(seen.header("Host")).isEqualTo("shop.example:8080");
        assertThat(seen.header("X-Custom")).isEqualTo("kept");
        assertThat(seen.has("Foo"))
                .as("a header named in Connection is hop-by-hop")
                .isFalse();
        assertThat(seen.has("Keep-Alive")).isFalse();
        assertThat(seen.has("TE")).isFalse();
        assertThat(seen.has("Proxy-Connection")).isFalse();
        assertThat(seen.header("Connection"))
                .as("the client's Connection: close is not the backend's business")
                .satisfiesAnyOf(v -> assertThat(v).isNull(), v -> assertThat(v).doesNotContainIgnoringCase("close"));
        assertThat(seen.headerNames())
                .filteredOn(n -> n.equalsIgnoreCase("X-Forwarded-For"))
                .hasSize(1);
    }

    /**
     * With every switch on, the backend reads the product's headers as the proxy saw the
     * connection, and X-Forwarded-Port names the Service port clients use, not the pod's; the
     * client's forged copies are gone, on this listener and (switches off) on the default one.
     * SLB-IP names the instance's own address once the config carries it.
     */
    @Test
    void productHeadersAreSwitchedAndForgedCopiesStripped() throws Exception {
        String forged = "X-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Port: 1\r\n"
                + "SLB-IP: 10.9.9.9\r\n"
                + "SLB-ID: kube-system/forged\r\n"
                + "X-Forwarded-Client-Srcport: 2\r\n";
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /default HTTP/1.1\r\nHost: a\r\n" + forged + "\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        TestingBackend.Seen plain = lastSeen();
        assertThat(plain.header("X-Forwarded-Proto")).as("on by default").isEqualTo("http");
        assertThat(plain.has("SLB-IP")).isFalse();
        assertThat(plain.has("SLB-ID")).isFalse();
        assertThat(plain.has("X-Forwarded-Client-Srcport")).isFalse();
        assertThat(plain.header("X-Forwarded-Port")).isEqualTo(Integer.toString(port));

        proxy.close();
        proxy = TestingProxy.start(TestingListener.http("web")
                .forwardedHeaders(new ForwardedHeaders(true, true, true, true))
                .servicePort(443)
                .backends(backend.backend())
                .build());
        int clientPort;
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            clientPort = c.socket().getLocalPort();
            c.send("GET /switched HTTP/1.1\r\nHost: a\r\n" + forged + "\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        TestingBackend.Seen seen = lastSeen();
        assertThat(seen.target()).isEqualTo("/switched");
        assertThat(headerValues(seen, "X-Forwarded-Proto")).containsExactly("http");
        assertThat(headerValues(seen, "X-Forwarded-Port"))
                .as("the Service port, not the pod port")
                .containsExactly("443");
        assertThat(headerValues(seen, "SLB-IP"))
                .as("the address the client connected to")
                .containsExactly("127.0.0.1");
        assertThat(headerValues(seen, "SLB-ID")).as("the config's instance").containsExactly("testing");
        assertThat(headerValues(seen, "X-Forwarded-Client-Srcport")).containsExactly(Integer.toString(clientPort));

        // The operator writes the instance's own address once its Service has one: SLB-IP then says it.
        proxy.apply(proxy.config().withVersion("v2").withInstanceAddress("203.0.113.5"));
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /addressed HTTP/1.1\r\nHost: a\r\n" + forged + "\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        TestingBackend.Seen addressed = lastSeen();
        assertThat(addressed.target()).isEqualTo("/addressed");
        assertThat(headerValues(addressed, "SLB-IP"))
                .as("the instance's address from the config, not the one the connection arrived on")
                .containsExactly("203.0.113.5");
    }

    private static List<String> headerValues(TestingBackend.Seen seen, String name) {
        return seen.headers().stream()
                .filter(h -> h[0].equalsIgnoreCase(name))
                .map(h -> h[1])
                .toList();
    }

    /**
     * RFC 9110 §5.3: several X-Forwarded-For field lines are one comma-separated list; the
     * proxy's address goes at the end of all of it.
     */
    @Test
    void forwardedForSpreadOverTwoFieldLinesKeepsEveryHop() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /xff HTTP/1.1\r\nHost: h\r\n"
                    + "X-Forwarded-For: 1.2.3.4\r\n"
                    + "X-Forwarded-For: 5.6.7.8\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        TestingBackend.Seen seen = lastSeen();
        assertThat(seen.headers())
                .filteredOn(h -> h[0].equalsIgnoreCase("X-Forwarded-For"))
                .extracting(h -> h[1])
                .as("regression (this fails): an X-Forwarded-For line other than the first is lost")
                .containsExactly("1.2.3.4, 5.6.7.8, 127.0.0.1");
    }

    @Test
    void http10ClientIsForwardedAsHttp11WithAHost() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /old HTTP/1.0\r\n\r\n");
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("request: GET /old HTTP/1.1");
            assertThat(c.closedByPeer())
                    .as("HTTP/1.0 without keep-alive: closed after the response")
                    .isTrue();
        }
        TestingBackend.Seen seen = lastSeen();
        assertThat(seen.version()).isEqualTo("HTTP/1.1");
        assertThat(seen.header("Host"))
                .as("HTTP/1.1 needs a Host; the HTTP/1.0 client sent none")
                .isNotBlank();
    }

    @Test
    void http10ClientReadsAChunkedBackendResponseWithoutChunking() throws Exception {
        long size = 300_000;
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /download?bytes=" + size + "&chunked=true HTTP/1.0\r\nHost: h\r\n\r\n");
            TestingConnection.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Transfer-Encoding"))
                    .as("HTTP/1.0 has no chunked coding")
                    .isNull();
            try (InputStream body = c.body(head)) {
                assertThat(TestingBodies.digest(body))
                        .as("the body up to the end of the connection")
                        .isEqualTo(TestingBodies.Digest.ofPattern(size));
            }
        }
        assertThat(lastSeen().version()).isEqualTo("HTTP/1.1");
    }

    @Test
    void http10ClientReadsABodyThatTheBackendEndsByClosing() throws Exception {
        long size = 100_000;
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /unframed?bytes=" + size + " HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
            TestingConnection.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Transfer-Encoding"))
                    .as("HTTP/1.0 has no chunked coding")
                    .isNull();
            try (InputStream body = c.body(head)) {
                assertThat(TestingBodies.digest(body)).isEqualTo(TestingBodies.Digest.ofPattern(size));
            }
        }
    }

    @Test
    void http10KeepAliveClientKeepsItsConnection() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /one HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
            TestingConnection.Response first = c.readResponse();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Content-Length")).isNotNull();
            assertThat(first.header("Connection")).isEqualToIgnoringCase("keep-alive");
            c.send("GET /two HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
            TestingConnection.Response second = c.readResponse();
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.bodyText()).contains("request: GET /two HTTP/1.1");
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::version).containsOnly("HTTP/1.1");
        assertThat(lastSeen().has("Keep-Alive")).isFalse();
    }

    @Test
    void h2cUpgradeFromTheDefaultJdkClientIsServedAsPlainHttp11() throws Exception {
        // No .version(...): the JDK client asks for h2c on http:// URLs.
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = TestingClients.getText(client, proxy.uri("web", "/h2c"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(r.body()).contains("request: GET /h2c HTTP/1.1");
        TestingBackend.Seen seen = lastSeen();
        assertThat(seen.has("Upgrade")).as("the h2c upgrade is stripped").isFalse();
        assertThat(seen.has("HTTP2-Settings"))
                .as("named in Connection, so hop-by-hop")
                .isFalse();
        assertThat(seen.header("Connection"))
                .satisfiesAnyOf(v -> assertThat(v).isNull(), v -> assertThat(v).doesNotContainIgnoringCase("upgrade"));
    }

    @Test
    void h2cUpgradeOnARawSocketGetsAPlainResponse() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /raw-h2c HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).as("no 101: the upgrade is not done").isEqualTo(200);
            assertThat(r.header("Upgrade")).isNull();
            // And the connection is still HTTP/1.1 keep-alive.
            c.send("GET /after-h2c HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().bodyText()).contains("request: GET /after-h2c HTTP/1.1");
        }
        assertThat(backend.requests()).noneMatch(s -> s.has("Upgrade"));
    }

    @Test
    void hopByHopHeadersOfTheResponseAreDropped() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /hop-response HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-End-To-End")).isEqualTo("kept");
            assertThat(r.header("X-Secret"))
                    .as("named in the backend's Connection header")
                    .isNull();
            assertThat(r.header("Keep-Alive")).isNull();
            assertThat(r.header("Proxy-Connection")).isNull();
            assertThat(r.header("Connection"))
                    .satisfiesAnyOf(
                            v -> assertThat(v).isNull(), v -> assertThat(v).doesNotContainIgnoringCase("x-secret"));
            assertThat(r.bodyText()).isEqualTo("hop\n");
        }
    }

    @Test
    void earlyHintsReachTheClientBeforeTheResponse() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /early-hints HTTP/1.1\r\nHost: h\r\n\r\n");
            String first = c.readAvailable(4096, java.time.Duration.ofSeconds(5));
            assertThat(first).as("the 103 comes first").startsWith("HTTP/1.1 103");
            assertThat(first).containsIgnoringCase("Link: </style.css>; rel=preload");
            // Whatever of the final response came in the same read is lost to readResponse, so
            // check the rest on a second request on the same connection.
            c.send("GET /after-hints HTTP/1.1\r\nHost: h\r\n\r\n");
            String rest = first;
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
            while (!rest.contains("request: GET /after-hints ") && System.nanoTime() < deadline) {
                String more = c.readAvailable(65536, java.time.Duration.ofMillis(200));
                if (more == null) {
                    break;
                }
                rest += more;
            }
            assertThat(rest)
                    .contains("HTTP/1.1 200")
                    .contains("request: GET /early-hints ")
                    .contains("request: GET /after-hints ");
        }
    }

    @Test
    void expectContinueIsAnsweredByTheBackendThroughTheProxy() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("POST /expect HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            String interim = c.readAvailable(4096, java.time.Duration.ofSeconds(5));
            assertThat(interim).as("100 Continue before the body is sent").startsWith("HTTP/1.1 100");
            c.send("hello");
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("body: hello");
        }
    }
}
