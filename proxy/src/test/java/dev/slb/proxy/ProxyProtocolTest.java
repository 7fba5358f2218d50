package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.AccessControl;
import dev.slb.model.ForwardedHeaders;
import dev.slb.model.Listener;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingProxyProtocolRelay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener behind an outer load balancer that sends the PROXY protocol, on real sockets: v1 and
 * v2 headers carry the client's address into X-Forwarded-For, the product's headers and the
 * access control; a connection without a valid header, or too slow with it, is reset and reaches
 * no backend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {
    private static final InetSocketAddress OUTER_LB = new InetSocketAddress("203.0.113.10", 443);

    private TestingBackend backend;
    private TestingProxy proxy;
    private int port;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("b");
        Listener web = TestingListener.http("web")
                .proxyProtocol(true)
                .requestHeaderTimeout(Duration.ofMillis(500))
                .forwardedHeaders(new ForwardedHeaders(true, true, false, true))
                .accessControl(new AccessControl(AccessControl.Type.DENY, List.of("198.51.100.0/24")))
                .backends(backend.backend())
                .build();
        proxy = TestingProxy.start(web);
        port = proxy.port("web");
    }

    @AfterEach
    void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void v1AndV2HeadersCarryTheClientIntoTheForwardedHeaders() throws Exception {
        get(header(1, new InetSocketAddress("192.0.2.33", 50001)), "/v1");
        TestingBackend.Seen v1 = last();
        assertThat(v1.target()).isEqualTo("/v1");
        assertThat(v1.header("X-Forwarded-For")).isEqualTo("192.0.2.33");
        assertThat(v1.header("X-Forwarded-Client-Srcport")).isEqualTo("50001");
        assertThat(v1.header("SLB-IP"))
                .as("the address the client connected to")
                .isEqualTo("203.0.113.10");

        get(header(2, new InetSocketAddress("2001:db8::33", 50002)), "/v2");
        TestingBackend.Seen v2 = last();
        assertThat(v2.target()).isEqualTo("/v2");
        assertThat(v2.header("X-Forwarded-For")).isEqualTo("2001:db8:0:0:0:0:0:33");
        assertThat(v2.header("X-Forwarded-Client-Srcport")).isEqualTo("50002");
    }

    @Test
    void accessControlJudgesTheAddressInTheHeader() throws Exception {
        for (int version : new int[] {1, 2}) {
            try (TestingConnection c = TestingConnection.open(port)) {
                c.send(header(version, new InetSocketAddress("198.51.100.9", 40000)));
                c.send("GET /denied HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(closedWithoutAnswer(c)).as("v%d", version).isTrue();
            } catch (IOException e) {
                assertThat(e.getMessage()).contains("reset");
            }
        }
        assertThat(backend.requestCount()).isZero();
        get(header(2, new InetSocketAddress("198.51.101.9", 40000)), "/allowed");
        assertThat(last().target()).isEqualTo("/allowed");
    }

    @Test
    void aConnectionWithoutAValidHeaderOrTooSlowIsResetAndReachesNoBackend() throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /no-header HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(closedWithoutAnswer(c)).isTrue();
        }
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("PROXY TCP4 192.0.2.1 ");
            long start = System.nanoTime();
            assertThat(closedWithoutAnswer(c))
                    .as("closed at the header deadline")
                    .isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(backend.requestCount()).isZero();
    }

    private void get(byte[] header, String path) throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send(header);
            c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
    }

    private TestingBackend.Seen last() {
        List<TestingBackend.Seen> all = backend.requests();
        return all.get(all.size() - 1);
    }

    private static byte[] header(int version, InetSocketAddress client) {
        InetSocketAddress destination = client.getAddress() instanceof java.net.Inet4Address
                ? OUTER_LB
                : new InetSocketAddress("2001:db8::10", 443);
        return TestingProxyProtocolRelay.header(version, client, destination);
    }

    /** True when the proxy closed or reset the connection and sent not a byte. */
    private static boolean closedWithoutAnswer(TestingConnection c) {
        try {
            return c.socket().getInputStream().read() < 0;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }
}
