package dev.slb.proxy;

import static dev.slb.proxy.testing.TestingBodies.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingBodies;
import dev.slb.proxy.testing.TestingBodies.Digest;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingMemory;
import dev.slb.proxy.testing.TestingProxy;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 100 MiB bodies stream through the proxy in each direction, whole and in order, and never sit in
 * its memory: halfway through, the receiving side stops reading for a while, and memory in use
 * must stay far below the body size (back-pressure, not buffering). A functional check, not a
 * speed test: nothing here is timed.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HttpStreamingTest {
    private static final long BODY = 100 * MIB;
    private static final long PAUSE_AT = 10 * MIB;
    /** Far below the body size, far above the few windows of buffering a streaming proxy needs. */
    private static final long MAX_GROWTH = 64 * MIB;

    private static final Duration STALL = Duration.ofSeconds(1);
    /**
     * Bytes the sender may be ahead of a stalled receiver: kernel socket buffers on two loopback
     * hops (a few MiB each) plus the proxy's write-buffer water marks. Without back-pressure the
     * sender runs to the end of the body, 90 MiB ahead.
     */
    private static final long MAX_AHEAD = 48 * MIB;

    private TestingBackend backend;
    private TestingProxy proxy;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("a");
        proxy = TestingProxy.start(
                TestingListener.http("web").backends(backend.backend()).build());
        client = TestingClients.http11();
        // Warm up: classes loaded, pools made, so the baseline is not measured cold.
        assertThat(TestingClients.getText(client, proxy.uri("web", "/warm-up")).statusCode())
                .isEqualTo(200);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    @ParameterizedTest(name = "chunked={0}")
    @ValueSource(booleans = {true, false})
    void hundredMebibyteDownloadStreamsWithFlatMemory(boolean chunked) throws Exception {
        long before = TestingMemory.inUse();
        AtomicLong during = new AtomicLong();
        AtomicLong aheadWhileStalled = new AtomicLong();
        long writtenBefore = backend.downloadBytesWritten();
        HttpResponse<InputStream> r = client.send(
                TestingClients.get(proxy.uri("web", "/download?bytes=" + BODY + "&chunked=" + chunked + "&piece=65536"))
                        .timeout(Duration.ofMinutes(3))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        if (!chunked) {
            assertThat(r.headers().firstValueAsLong("content-length")).hasValue(BODY);
        }
        Digest got;
        try (InputStream body = r.body()) {
            got = TestingBodies.digest(body, PAUSE_AT, () -> {
                // The client stops reading; the backend keeps writing. Whatever the proxy reads
                // from the backend now has to sit in memory, unless it stops reading too.
                sleep(STALL);
                aheadWhileStalled.set(backend.downloadBytesWritten() - writtenBefore - PAUSE_AT);
                during.set(TestingMemory.inUse());
            });
        }
        long after = TestingMemory.inUse();
        report("download", chunked, before, during.get(), after, aheadWhileStalled.get());
        assertThat(got).as("the body the client received").isEqualTo(Digest.ofPattern(BODY));
        assertThat(aheadWhileStalled.get())
                .as("bytes the backend wrote beyond what the stalled client had read")
                .isLessThan(MAX_AHEAD);
        assertThat(during.get() - before)
                .as(
                        "memory growth while the client stalled (before %s, during %s)",
                        TestingMemory.mib(before), TestingMemory.mib(during.get()))
                .isLessThan(MAX_GROWTH);
        assertThat(after - before)
                .as(
                        "memory growth after the download (before %s, after %s)",
                        TestingMemory.mib(before), TestingMemory.mib(after))
                .isLessThan(MAX_GROWTH);
    }

    @ParameterizedTest(name = "chunked={0}")
    @ValueSource(booleans = {true, false})
    void hundredMebibyteUploadStreamsWithFlatMemory(boolean chunked) throws Exception {
        long before = TestingMemory.inUse();
        TestingBackend.UploadPause pause = backend.pauseUploadAt(PAUSE_AT);
        AtomicLong produced = new AtomicLong();
        HttpRequest.BodyPublisher body =
                HttpRequest.BodyPublishers.ofInputStream(() -> TestingBodies.stream(BODY, produced));
        if (!chunked) {
            // A publisher with a known length: the JDK client sends Content-Length.
            body = HttpRequest.BodyPublishers.fromPublisher(body, BODY);
        }
        CompletableFuture<HttpResponse<String>> response = client.sendAsync(
                HttpRequest.newBuilder(proxy.uri("web", "/upload"))
                        .timeout(Duration.ofMinutes(3))
                        .POST(body)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(pause.awaitReached(Duration.ofSeconds(60)))
                .as("the backend got the first %d bytes", PAUSE_AT)
                .isTrue();
        // The backend stops reading; the client keeps writing. Whatever the proxy reads from the
        // client now has to sit in memory, unless it stops reading too.
        sleep(STALL);
        long aheadWhileStalled = produced.get() - PAUSE_AT;
        long during = TestingMemory.inUse();
        pause.resume();
        HttpResponse<String> r = response.get(3, TimeUnit.MINUTES);
        long after = TestingMemory.inUse();
        report("upload", chunked, before, during, after, aheadWhileStalled);
        assertThat(aheadWhileStalled)
                .as("bytes the client sent beyond what the stalled backend had read")
                .isLessThan(MAX_AHEAD);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().trim())
                .as("what the backend received")
                .isEqualTo("bytes=" + BODY + " crc=" + Long.toHexString(TestingBodies.crc(BODY)));
        TestingBackend.Seen seen = backend.requests().get(backend.requestCount() - 1);
        if (chunked) {
            assertThat(seen.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
        } else {
            assertThat(seen.header("Content-Length")).isEqualTo(Long.toString(BODY));
        }
        assertThat(during - before)
                .as(
                        "memory growth while the backend stalled (before %s, during %s)",
                        TestingMemory.mib(before), TestingMemory.mib(during))
                .isLessThan(MAX_GROWTH);
        assertThat(after - before)
                .as(
                        "memory growth after the upload (before %s, after %s)",
                        TestingMemory.mib(before), TestingMemory.mib(after))
                .isLessThan(MAX_GROWTH);
    }

    @Test
    void uploadAndDownloadOnOneKeepAliveConnectionLeaveItUsable() throws Exception {
        // After two big exchanges the same client connection still serves a small request.
        HttpResponse<String> up = client.send(
                HttpRequest.newBuilder(proxy.uri("web", "/upload"))
                        .timeout(Duration.ofMinutes(1))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> TestingBodies.stream(8 * MIB)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(up.body().trim())
                .isEqualTo("bytes=" + 8 * MIB + " crc=" + Long.toHexString(TestingBodies.crc(8 * MIB)));
        HttpResponse<InputStream> down = client.send(
                TestingClients.get(proxy.uri("web", "/download?bytes=" + 8 * MIB))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = down.body()) {
            assertThat(TestingBodies.digest(in)).isEqualTo(Digest.ofPattern(8 * MIB));
        }
        assertThat(TestingClients.getText(client, proxy.uri("web", "/after")).body())
                .contains("request: GET /after ");
    }

    private static void report(String what, boolean chunked, long before, long during, long after, long ahead) {
        System.out.printf(
                "[HttpStreamingTest] %s (chunked=%s): in use before %s, while stalled %s, after %s;"
                        + " sender ahead of the stalled receiver by %s%n",
                what,
                chunked,
                TestingMemory.mib(before),
                TestingMemory.mib(during),
                TestingMemory.mib(after),
                TestingMemory.mib(ahead));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
