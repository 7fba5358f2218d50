package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.ForwardedHeaders;
import dev.slb.model.Listener;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingWebSockets;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "No change that needs no new pod may drop a connection": WebSockets held on an HTTP listener
 * while its keep-alive timeout and header switches, and then the instance address SLB-IP names,
 * change by reload, with messages echoed through
 * every one after each change; drops and lost messages are counted and must be zero. New requests
 * see each change at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenerChangesKeepWebSocketsTest {
    private static final int HELD = 4;

    private DemoBackend echo;
    private TestingBackend headers;
    private TestingProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (headers != null) {
            headers.close();
        }
    }

    @Test
    void heldWebSocketsSurviveKeepAliveAndHeaderChangesWithNothingLost() throws Exception {
        echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        headers = TestingBackend.start("headers");
        int port = TestingPorts.free();
        Listener web = TestingListener.http("web")
                .port(port)
                .backends(new Backend(TestingPorts.LOOPBACK, echo.address().getPort()))
                .build();
        // A second listener on a backend that records what it is sent, to see each change applied.
        Listener seen = TestingListener.http("seen").backends(headers.backend()).build();
        proxy = TestingProxy.start(web, seen);

        List<UnaryOperator<Listener>> changes = List.of(
                l -> l.toBuilder().httpKeepaliveTimeout(Duration.ofMillis(300)).build(),
                l -> l.toBuilder()
                        .forwardedHeaders(new ForwardedHeaders(false, true, true, true))
                        .build(),
                l -> l.toBuilder().servicePort(80).build(),
                l -> l.toBuilder()
                        .httpKeepaliveTimeout(null)
                        .forwardedHeaders(null)
                        .servicePort(null)
                        .build());
        try (TestingWebSockets sockets = TestingWebSockets.open(port, HELD)) {
            sockets.exchange("before");
            int round = 0;
            for (UnaryOperator<Listener> change : changes) {
                round++;
                web = change.apply(web);
                seen = change.apply(seen);
                proxy.apply(TestingProxy.config("v" + (round + 1), web, seen));
                // Longer than the shortest keep-alive timeout: a held WebSocket is not an idle HTTP connection.
                Thread.sleep(500);
                sockets.exchange("after change " + round);
                assertThat(lastRequest(proxy.port("seen")).has("SLB-ID"))
                        .as("a new request sees change %d", round)
                        .isEqualTo(seen.forwardedHeaders().slbId());
            }
            // The instance's address arriving in the config and then changing, as the operator writes
            // it when the instance's Service gets or changes its load balancer address.
            Listener seenWithIp = seen.toBuilder()
                    .forwardedHeaders(new ForwardedHeaders(null, true, null, null))
                    .build();
            for (String address : List.of("203.0.113.5", "203.0.113.6")) {
                round++;
                proxy.apply(
                        TestingProxy.config("v" + (round + 1), web, seenWithIp).withInstanceAddress(address));
                sockets.exchange("after address " + address);
                assertThat(lastRequest(proxy.port("seen")).header("SLB-IP"))
                        .as("a new request sees the instance address %s", address)
                        .isEqualTo(address);
            }
            assertThat(sockets.dropped()).as("held WebSockets dropped").isZero();
            assertThat(sockets.lost()).as("messages lost").isZero();
        }
    }

    private TestingBackend.Seen lastRequest(int port) throws Exception {
        try (TestingConnection c = TestingConnection.open(port)) {
            c.send("GET /probe HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        List<TestingBackend.Seen> all = headers.requests();
        return all.get(all.size() - 1);
    }
}
