package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingProxyProtocolRelay;
import dev.slb.proxy.testing.TestingWebSockets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who may send a PROXY header, on real sockets from several loopback addresses (127.0.0.2 plays
 * the outer load balancer, 127.0.0.1 a client that reached the pod directly): a trusted peer's v1
 * and v2 headers name the client in X-Forwarded-For; any other peer is reset before its header is
 * read and reaches no backend; a reload that changes the list holds WebSockets with nothing lost.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTrustTest {
    private static final String OUTER_LB = "127.0.0.2";
    private static final String DIRECT = "127.0.0.1";
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.33", 50001);
    private static final InetSocketAddress DESTINATION = new InetSocketAddress("203.0.113.10", 80);

    private TestingBackend backend;
    private DemoBackend echo;
    private TestingProxy proxy;
    private TestingProxyProtocolRelay relay;

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    @Test
    void aTrustedPeersHeaderIsUsedAndAnyOtherPeerIsResetUnread() throws Exception {
        backend = TestingBackend.start("b");
        proxy = TestingProxy.start(TestingListener.http("web")
                .proxyProtocol(true)
                .proxyProtocolTrustedCidrs(List.of("127.0.0.2/32", "2001:db8::/32"))
                .backends(backend.backend())
                .build());
        int port = proxy.port("web");
        for (int version : new int[] {1, 2}) {
            assertThat(get(OUTER_LB, port, version, "/v" + version))
                    .as("v%d from a trusted peer", version)
                    .contains(" 200 ");
            TestingBackend.Seen seen = backend.requests().get(backend.requests().size() - 1);
            assertThat(seen.target()).isEqualTo("/v" + version);
            assertThat(seen.header("X-Forwarded-For")).isEqualTo("192.0.2.33");
        }
        int served = backend.requestCount();
        for (int version : new int[] {1, 2}) {
            assertThat(get(DIRECT, port, version, "/forged"))
                    .as("v%d from a peer outside the list", version)
                    .isEmpty();
        }
        assertThat(backend.requestCount()).as("requests from untrusted peers").isEqualTo(served);
    }

    @Test
    void reloadsThatChangeTheTrustedPeersHoldWebSocketsWithNothingLost() throws Exception {
        echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        int port = TestingPorts.free();
        Listener web = TestingListener.http("web")
                .port(port)
                .proxyProtocol(true)
                .proxyProtocolTrustedCidrs(List.of("127.0.0.2"))
                .backends(new Backend(TestingPorts.LOOPBACK, echo.address().getPort()))
                .build();
        proxy = TestingProxy.start(web);
        relay = TestingProxyProtocolRelay.start(port, OUTER_LB, 2);

        // Each list, and whether the relay's address (127.0.0.2) is in it: a new connection through the
        // relay is served or reset accordingly, while the WebSockets held carry on either way.
        record Change(List<String> trusted, boolean relayTrusted) {}
        List<Change> changes = List.of(
                new Change(List.of("127.0.0.2", "10.0.0.0/8", "2001:db8::/32"), true),
                new Change(List.of("127.0.0.3"), false),
                new Change(List.of(), true),
                new Change(List.of("127.0.0.0/30"), true));
        try (TestingWebSockets sockets = TestingWebSockets.open(relay.port(), 4)) {
            sockets.exchange("before");
            int round = 0;
            for (Change change : changes) {
                round++;
                web = web.toBuilder()
                        .proxyProtocolTrustedCidrs(change.trusted())
                        .build();
                proxy.apply(TestingProxy.config("v" + (round + 1), web));
                sockets.exchange("after change " + round);
                assertThat(getThroughRelay())
                        .as("a new connection through the relay after change %d", round)
                        .isEqualTo(change.relayTrusted());
            }
            assertThat(sockets.dropped()).as("held WebSockets dropped").isZero();
            assertThat(sockets.lost()).as("messages lost").isZero();
        }
    }

    /** True when a request through the relay is answered. */
    private boolean getThroughRelay() throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, relay.port()), 10_000);
            s.getOutputStream()
                    .write("GET /probe HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
            return !statusLine(s.getInputStream()).isEmpty();
        }
    }

    /** The status line of the answer to a GET sent from {@code from} behind a header; empty when reset or closed unanswered. */
    private static String get(String from, int port, int version, String path) throws IOException {
        Socket s;
        try {
            s = TestingProxyProtocolRelay.connectFrom(from, port);
        } catch (SocketException e) {
            // Reset as it was accepted, before the client's connect returned.
            return "";
        }
        try (s) {
            OutputStream out = s.getOutputStream();
            try {
                out.write(TestingProxyProtocolRelay.header(version, CLIENT, DESTINATION));
                out.write(("GET " + path + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (SocketException e) {
                // Reset before the request was all written: no answer, as below.
                return "";
            }
            return statusLine(s.getInputStream());
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        try {
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
        } catch (IOException e) {
            if (e.getMessage() == null || !e.getMessage().contains("reset")) {
                throw e;
            }
        }
        return line.toString().strip();
    }
}
