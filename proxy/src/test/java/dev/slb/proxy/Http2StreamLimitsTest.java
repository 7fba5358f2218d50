package dev.slb.proxy;

import static dev.slb.proxy.testing.TestingH2Connection.HEADERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Limits;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingH2Connection;
import dev.slb.proxy.testing.TestingH2Connection.Frame;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener's limits applied stream by stream on one HTTP/2 connection, over real TLS with raw
 * frames (so that the test knows which stream got what, and that it stayed on one connection):
 * each stream's request counts toward {@code requestsPerSecond}, and a {@code :path} or header
 * list over the HTTP/1.1 limits is refused on its stream alone, the connection and the other
 * streams carrying on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2StreamLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private TestingBackend backend;
    private TestingProxy proxy;
    private final List<TestingH2Connection> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (TestingH2Connection c : clients) {
            c.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(Limits limits) throws Exception {
        backend = TestingBackend.start("b");
        Listener secure = Listener.of("secure", Protocol.HTTPS, 0, List.of(backend.backend()))
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(new Tls(Http2ProxyTest.path("tls.crt"), Http2ProxyTest.path("tls.key"), null));
        proxy = TestingProxy.start(TestingProxy.config("v1", secure).withLimits(limits));
    }

    private TestingH2Connection connect() throws Exception {
        TestingH2Connection c = TestingH2Connection.open(proxy.port("secure"), Http2ProxyTest.CERTS.resolve("tls.crt"));
        clients.add(c);
        return c;
    }

    /** The status of {@code stream}'s answer, or what reset it; and, for a response, that it ended. */
    private static String answered(TestingH2Connection c, int stream) throws InterruptedException {
        Frame f = c.answer(stream);
        assertThat(f).as("an answer on stream %d", stream).isNotNull();
        if (f.type() == HEADERS) {
            assertThat(c.awaitEnd(stream, WAIT))
                    .as("stream %d's response ends", stream)
                    .isTrue();
        }
        return f.outcome();
    }

    private static Frame head(TestingH2Connection c, int stream) throws InterruptedException {
        Frame f = c.answer(stream);
        assertThat(f.type()).as("a response head on stream %d", stream).isEqualTo(HEADERS);
        return f;
    }

    @Test
    void eachStreamCountsTowardRequestsPerSecondAndTheExcessIsAnsweredAsOnHttp11() throws Exception {
        long perSecond = 5;
        start(new Limits(null, null, perSecond));
        TestingH2Connection c = connect();
        int streams = 40;
        long began = System.nanoTime();
        for (int i = 0; i < streams; i++) {
            c.get(1 + 2 * i, "/n" + i);
        }
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < streams; i++) {
            int stream = 1 + 2 * i;
            String outcome = answered(c, stream);
            assertThat(outcome).as("stream %d", stream).isIn("200", "503");
            if (outcome.equals("200")) {
                ok++;
            } else {
                Frame f = head(c, stream);
                assertThat(f.headers().get("x-slb-error")).hasToString("RequestRateLimited");
                assertThat(f.headers().getInt("retry-after")).isGreaterThanOrEqualTo(1);
                limited++;
            }
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        // The limiter admits at most rate × (T + 1) over T seconds (RateLimiter's burst of one second).
        assertThat(ok).as("streams admitted in %.1f s", seconds).isBetween(1, (int) (perSecond * (seconds + 1)) + 1);
        assertThat(limited).isEqualTo(streams - ok);
        assertThat(backend.requestCount())
                .as("only admitted streams reach the backend")
                .isEqualTo(ok);
        assertThat(c.frames()).noneMatch(f -> f.type() == TestingH2Connection.GOAWAY);

        // The connection stays: once the limiter has credit again, the next stream on it is served.
        Thread.sleep(1_200);
        assertThat(c.isOpen()).as("the connection is still open").isTrue();
        int next = 1 + 2 * streams;
        c.get(next, "/after");
        assertThat(answered(c, next)).isEqualTo("200");
    }

    @Test
    void aPathOverTheRequestLineLimitIs414OnItsStreamAlone() throws Exception {
        start(Limits.UNLIMITED);
        TestingH2Connection c = connect();
        c.get(1, "/slow?delayMs=800");
        assertThat(backend.awaitInFlight(1, WAIT)).isTrue();

        c.get(3, "/" + "a".repeat(Listener.DEFAULT_MAX_REQUEST_LINE_BYTES + 10));
        assertThat(answered(c, 3)).isEqualTo("414");
        assertThat(head(c, 3).headers().get("x-slb-error")).isNotNull();

        assertThat(answered(c, 1)).as("the stream in flight beside it").isEqualTo("200");
        c.get(5, "/after");
        assertThat(answered(c, 5)).as("a new stream on the same connection").isEqualTo("200");
        assertThat(backend.requests()).extracting(TestingBackend.Seen::path).containsExactly("/slow", "/after");
        assertThat(c.frames()).noneMatch(f -> f.type() == TestingH2Connection.GOAWAY);
    }

    @Test
    void moreHeaderFieldsThanMaxHeadersIs431OnItsStreamAlone() throws Exception {
        start(Limits.UNLIMITED);
        TestingH2Connection c = connect();
        c.get(1, "/slow?delayMs=800");
        assertThat(backend.awaitInFlight(1, WAIT)).isTrue();

        // Host (from :authority) is one of the fields, as the Host line is on HTTP/1.1.
        c.request(3, withFields(TestingH2Connection.get("/at-limit"), Listener.DEFAULT_MAX_HEADERS - 1), true);
        assertThat(answered(c, 3)).as("exactly maxHeaders fields").isEqualTo("200");
        c.request(5, withFields(TestingH2Connection.get("/over-limit"), Listener.DEFAULT_MAX_HEADERS), true);
        assertThat(answered(c, 5)).as("one field more").isEqualTo("431");

        assertThat(answered(c, 1)).isEqualTo("200");
        c.get(7, "/after");
        assertThat(answered(c, 7)).isEqualTo("200");
        assertThat(backend.requests())
                .extracting(TestingBackend.Seen::path)
                .containsExactlyInAnyOrder("/slow", "/at-limit", "/after");
    }

    @Test
    void aHeaderListOverMaxHeaderBytesIs431OnItsStreamAndFarOverItClosesTheConnection() throws Exception {
        start(Limits.UNLIMITED);
        TestingH2Connection c = connect();
        c.get(1, "/slow?delayMs=800");
        assertThat(backend.awaitInFlight(1, WAIT)).isTrue();

        // Over SETTINGS_MAX_HEADER_LIST_SIZE (maxHeaderBytes, 32 KiB), sent over HEADERS and CONTINUATION frames.
        Http2Headers big = TestingH2Connection.get("/big").add("x-big", "b".repeat(Listener.DEFAULT_MAX_HEADER_BYTES));
        c.request(3, big, true);
        assertThat(answered(c, 3)).isEqualTo("431");

        assertThat(answered(c, 1)).isEqualTo("200");
        c.get(5, "/after");
        assertThat(answered(c, 5)).isEqualTo("200");
        assertThat(c.frames()).noneMatch(f -> f.type() == TestingH2Connection.GOAWAY);

        // Twice the limit is no client's mistake: the connection goes.
        TestingH2Connection far = connect();
        far.request(
                1,
                TestingH2Connection.get("/far").add("x-big", "b".repeat(2 * Listener.DEFAULT_MAX_HEADER_BYTES)),
                true);
        assertThat(far.awaitClosed(WAIT)).isTrue();
        // The GOAWAY before the close may be lost to the reset that closing with unread bytes sends.
        assertThat(far.frames())
                .filteredOn(f -> f.type() == TestingH2Connection.GOAWAY)
                .allMatch(f -> f.errorCode() != 0);
        assertThat(backend.requests()).extracting(TestingBackend.Seen::path).containsExactly("/slow", "/after");
    }

    private static Http2Headers withFields(Http2Headers headers, int n) {
        for (int i = 0; i < n; i++) {
            headers.add("x-field-" + i, "v");
        }
        return headers;
    }
}
