package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingBodies;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gzip on HTTP and HTTPS listeners over real sockets: what is compressed (compressible types of
 * 1 KiB or more, or of unknown length, to clients that accept gzip, over HTTP/1.1 and HTTP/2),
 * and each case that is not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompressionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long BIG = 256 * 1024;

    private TestingBackend backend;
    private TestingProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(Boolean compression) throws Exception {
        backend = TestingBackend.start("b");
        Listener web = Listener.of("web", Protocol.HTTP, 0, List.of(backend.backend()))
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .toBuilder()
                .compression(compression)
                .build();
        Listener secure = Listener.of("secure", Protocol.HTTPS, 0, List.of(backend.backend()))
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(new Tls(Http2ProxyTest.path("tls.crt"), Http2ProxyTest.path("tls.key"), null))
                .toBuilder()
                .compression(compression)
                .build();
        proxy = TestingProxy.start(web, secure);
    }

    private HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
        return get(TestingClients.http11(), URI.create("http://127.0.0.1:" + proxy.port("web") + path), acceptEncoding);
    }

    private static HttpResponse<byte[]> get(HttpClient client, URI uri, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(WAIT);
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static TestingBodies.Digest gunzip(byte[] body) throws Exception {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return TestingBodies.digest(in);
        }
    }

    @Test
    void aLargeTextResponseIsGzippedStreamingWithVaryAndNoContentLength() throws Exception {
        start(null);
        for (String framing : List.of("", "&chunked=false")) {
            HttpResponse<byte[]> res = get("/download?type=text/html&bytes=" + BIG + framing, "gzip, br");
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("content-encoding")).as(framing).contains("gzip");
            assertThat(res.headers().firstValue("vary"))
                    .hasValueSatisfying(v -> assertThat(v).containsIgnoringCase("accept-encoding"));
            assertThat(res.headers().firstValue("content-length")).isEmpty();
            assertThat(res.body().length).isLessThan((int) BIG);
            assertThat(gunzip(res.body())).isEqualTo(TestingBodies.Digest.ofPattern(BIG));
        }
        // What the backend was asked is what the client asked: the backend may compress itself.
        assertThat(backend.requests().get(0).header("accept-encoding")).isEqualTo("gzip, br");
    }

    @Test
    void overHttp2Too() throws Exception {
        start(null);
        HttpResponse<byte[]> res = get(
                Http2ProxyTest.h2(),
                Http2ProxyTest.uri(proxy.port("secure"), "/download?type=application/json&bytes=" + BIG),
                "gzip");
        assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(res.headers().firstValue("content-encoding")).contains("gzip");
        assertThat(gunzip(res.body())).isEqualTo(TestingBodies.Digest.ofPattern(BIG));
    }

    @Test
    void eachExcludedCaseIsSentAsTheBackendWroteIt() throws Exception {
        start(null);
        // The client does not accept gzip (no header, or q=0): not compressed, but Vary says it could be.
        for (String accept : new String[] {null, "identity", "gzip;q=0, br"}) {
            HttpResponse<byte[]> res = get("/download?type=text/plain&chunked=false&bytes=" + BIG, accept);
            assertThat(res.headers().firstValue("content-encoding")).as(accept).isEmpty();
            assertThat(res.headers().firstValue("content-length")).as(accept).contains(Long.toString(BIG));
            assertThat(res.headers().firstValue("vary")).as(accept).isPresent();
            assertThat(res.body().length).isEqualTo((int) BIG);
        }
        // Under 1 KiB by its Content-Length.
        HttpResponse<byte[]> small = get("/download?type=text/plain&chunked=false&bytes=1023", "gzip");
        assertThat(small.headers().firstValue("content-encoding")).isEmpty();
        assertThat(small.body().length).isEqualTo(1023);
        // Not a compressible type.
        HttpResponse<byte[]> binary = get("/download?bytes=" + BIG, "gzip");
        assertThat(binary.headers().firstValue("content-encoding")).isEmpty();
        assertThat(binary.headers().firstValue("vary")).isEmpty();
        assertThat(binary.body().length).isEqualTo((int) BIG);
        // The backend chose an encoding itself: left as it is.
        HttpResponse<byte[]> encoded = get("/download?type=text/plain&encoding=br&bytes=" + BIG, "gzip, br");
        assertThat(encoded.headers().firstValue("content-encoding")).contains("br");
        assertThat(encoded.body().length).isEqualTo((int) BIG);
        // HEAD: the head of the uncompressed answer.
        HttpResponse<Void> head = TestingClients.http11()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port("web") + "/echo"))
                                .timeout(WAIT)
                                .header("Accept-Encoding", "gzip")
                                .header("X-Padding", "p".repeat(2048))
                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-encoding")).isEmpty();
        assertThat(Long.parseLong(head.headers().firstValue("content-length").orElseThrow()))
                .isGreaterThan(2048);
    }

    @Test
    void compressionOffSendsEverythingAsTheBackendWroteIt() throws Exception {
        start(false);
        HttpResponse<byte[]> res = get("/download?type=text/html&bytes=" + BIG, "gzip");
        assertThat(res.headers().firstValue("content-encoding")).isEmpty();
        assertThat(res.headers().firstValue("vary")).isEmpty();
        assertThat(res.body().length).isEqualTo((int) BIG);
    }
}
