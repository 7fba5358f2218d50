package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP connections that say nothing, or never finish their request head, do not hold a socket
 * forever: the keep-alive timeout closes them, whatever the (WebSocket) idle timeout says.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpIdleConnectionTest {
    private TestingBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("b");
        proxy = TestingProxy.start(TestingListener.http("web")
                .httpKeepaliveTimeout(Duration.ofMillis(400))
                // WebSocket's; an HTTP connection with no request in progress must not wait this long.
                .idleTimeout(Duration.ofSeconds(60))
                .requestHeaderTimeout(Duration.ofSeconds(1))
                .backends(backend.backend())
                .build());
    }

    @AfterEach
    void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void aSilentConnectionIsClosedAfterTheKeepAliveTimeout() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void aKeepAliveConnectionIsClosedWhenIdleAfterItsLastResponse() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            for (int i = 0; i < 3; i++) {
                c.send("GET /r" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(c.readResponse().status()).isEqualTo(200);
                Thread.sleep(150); // less than the keep-alive timeout: each request resets it
            }
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requestCount()).isEqualTo(3);
    }

    /** A head begun and never finished is under the request-header timeout from its first byte, not the idle timeout. */
    @Test
    void aRequestHeadThatNeverCompletesIsAnswered408() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /slowloris HTTP/1.1\r\nHost: h\r\n");
            TestingConnection.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("X-SLB-Error")).isEqualTo("RequestHeaderTimeout");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requestCount()).isZero();
    }
}
