package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingBodies;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Keep-alive and pipelining through the HTTP listener, as clients see them. */
@Timeout(60)
class HttpKeepAliveTest {
    private TestingBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("a");
        proxy = TestingProxy.start(
                TestingListener.http("web").backends(backend.backend()).build());
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    @Test
    void sequentialRequestsFromTheJdkClientReuseBackendConnections() throws Exception {
        HttpClient client = TestingClients.http11();
        int n = 20;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = TestingClients.getText(client, proxy.uri("web", "/echo?i=" + i));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.body()).contains("request: GET /echo?i=" + i + " HTTP/1.1");
        }
        assertThat(backend.requestCount()).isEqualTo(n);
        assertThat(backend.accepted())
                .as("backend connections for %d sequential requests (the proxy pools them)", n)
                .isLessThan(n)
                .isLessThanOrEqualTo(TestingProxy.WORKER_THREADS);
    }

    @Test
    void twoRequestsOnOneRawConnectionShareOneBackendConnection() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /first HTTP/1.1\r\nHost: example.test\r\n\r\n");
            TestingConnection.Response first = c.readResponse();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Connection"))
                    .as("keep-alive is the HTTP/1.1 default")
                    .isNull();
            assertThat(first.bodyText()).contains("request: GET /first HTTP/1.1");

            c.send("GET /second HTTP/1.1\r\nHost: example.test\r\n\r\n");
            TestingConnection.Response second = c.readResponse();
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.bodyText()).contains("request: GET /second HTTP/1.1");
        }
        assertThat(backend.accepted())
                .as("backend connections for two requests on one client connection")
                .isEqualTo(1);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            // Three requests in one write: GET, POST with a body, GET.
            c.send("GET /p1 HTTP/1.1\r\nHost: example.test\r\n\r\n"
                    + "POST /p2 HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /p3 HTTP/1.1\r\nHost: example.test\r\n\r\n");
            TestingConnection.Response r1 = c.readResponse();
            TestingConnection.Response r2 = c.readResponse();
            TestingConnection.Response r3 = c.readResponse();
            assertThat(r1.status()).isEqualTo(200);
            assertThat(r1.bodyText()).contains("request: GET /p1 ");
            assertThat(r2.status()).isEqualTo(200);
            assertThat(r2.bodyText())
                    .contains("request: POST /p2 ")
                    .contains("body-bytes: 5")
                    .contains("body: hello");
            assertThat(r3.status()).isEqualTo(200);
            assertThat(r3.bodyText()).contains("request: GET /p3 ");
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::target).containsExactly("/p1", "/p2", "/p3");
    }

    @Test
    void headResponsesKeepTheConnectionInStep() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length"))
                    .as("the length the GET would have")
                    .isNotNull();
            // No body follows a HEAD response: the next bytes are the next response.
            c.send("GET /after-head HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response next = c.readResponse();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).contains("request: GET /after-head ");
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::method).containsExactly("HEAD", "GET");
    }

    @Test
    void aHalfClosedClientStillGetsItsResponse() throws Exception {
        // What `printf 'GET ...' | nc host port` does: the request, then end of stream.
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /half HTTP/1.1\r\nHost: h\r\n\r\n");
            c.shutdownOutput();
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).contains("request: GET /half ");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    /**
     * A backend may end a body by closing its connection (no Content-Length, not chunked). The
     * client must then be able to tell where the body ends: the proxy either re-frames it or
     * closes the client connection after it. A proxy that keeps the connection open leaves the
     * client waiting for an end that never comes.
     */
    @Test
    void aBodyEndedByTheBackendClosingReachesTheClientWhole() throws Exception {
        long size = 200_000;
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /unframed?bytes=" + size + " HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            TestingBodies.Digest got;
            try (InputStream body = c.body(head)) {
                got = TestingBodies.digest(body);
            } catch (SocketTimeoutException hang) {
                throw new AssertionError(
                        "regression: the response has no length and is not chunked, and the proxy "
                                + "kept the client connection open after the backend closed, so the client cannot find the "
                                + "end of the body (headers: "
                                + head.headers().stream()
                                        .map(h -> h[0] + ": " + h[1])
                                        .toList()
                                + ")",
                        hang);
            }
            assertThat(got).isEqualTo(TestingBodies.Digest.ofPattern(size));
        }
    }

    @Test
    void aBodyEndedByTheBackendClosingReachesTheJdkClient() throws Exception {
        long size = 200_000;
        HttpClient client = TestingClients.http11();
        // The request timeout of the JDK client covers the head only; bound the body wait here.
        CompletableFuture<HttpResponse<byte[]>> response = client.sendAsync(
                TestingClients.get(proxy.uri("web", "/unframed?bytes=" + size)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> r;
        try {
            r = response.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException hang) {
            response.cancel(true);
            throw new AssertionError(
                    "regression: the JDK client never got the end of a body that the backend ended "
                            + "by closing its connection (the proxy keeps the client connection open)",
                    hang);
        }
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestingBodies.digest(new ByteArrayInputStream(r.body())))
                .isEqualTo(TestingBodies.Digest.ofPattern(size));
    }

    @Test
    void aBackendThatClosesIdleConnectionsCausesNoErrors() throws Exception {
        backend.closeIdleConnectionsAfter(Duration.ofMillis(100));
        HttpClient client = TestingClients.http11();
        for (int i = 0; i < 4; i++) {
            assertThat(TestingClients.getText(client, proxy.uri("web", "/get" + i))
                            .statusCode())
                    .isEqualTo(200);
            // A POST is not retried by the proxy, so it must never be sent on a connection the
            // backend has already closed.
            HttpResponse<String> post = client.send(
                    HttpRequest.newBuilder(proxy.uri("web", "/post" + i))
                            .timeout(TestingClients.REQUEST_TIMEOUT)
                            .POST(HttpRequest.BodyPublishers.ofString("p" + i))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode())
                    .as("POST %d after the backend closed its idle connection", i)
                    .isEqualTo(200);
            Thread.sleep(300);
        }
        assertThat(backend.accepted())
                .as("a fresh backend connection after each idle close")
                .isGreaterThan(1);
    }
}
