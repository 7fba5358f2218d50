package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Persistence;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingTcpBackend;
import dev.slb.proxy.testing.TestingWebSockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Source-address persistence on real sockets: two replicas fed the same config send each client
 * address to the same backend, with nothing shared between them; and reloads that turn it (and
 * the PROXY header to backends) on, change it and turn it off keep held TCP connections and
 * WebSockets, nothing dropped or lost: a held connection keeps its backend and gets no header.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SourcePersistenceTest {
    /** Client addresses 127.0.0.2 .. 127.0.0.21: all loopback on Linux, each a different source. */
    private static final int CLIENTS = 20;

    private final List<TestingTcpBackend> backends = new ArrayList<>();
    private final List<TestingProxy> proxies = new ArrayList<>();
    private DemoBackend echo;

    @BeforeEach
    void start() {
        for (String name : List.of("a", "b", "c")) {
            backends.add(TestingTcpBackend.start(name));
        }
    }

    @AfterEach
    void stop() {
        proxies.forEach(TestingProxy::close);
        backends.forEach(TestingTcpBackend::close);
        if (echo != null) {
            echo.close();
        }
    }

    private Listener tcp(Persistence persistence) {
        Listener l = TestingListener.tcp("tcp")
                .backends(backends.stream().map(TestingTcpBackend::backend).toArray(Backend[]::new))
                .build();
        return l.toBuilder().persistence(persistence).build();
    }

    /** Connects from {@code source}, half-closes and reads the backend's {@code bye <name> <n>}: the backend's name. */
    private static String backendFor(int port, InetAddress source) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), 5_000);
            s.shutdownOutput();
            String reply = readToEnd(s.getInputStream());
            // bye <name> <bytes it got>, after the echo of a PROXY header when the listener sends one.
            assertThat(reply).contains("bye ").endsWith("\n");
            return reply.substring(reply.lastIndexOf("bye ")).split(" ")[1];
        }
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static InetAddress client(int i) throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)});
    }

    @Test
    void twoReplicasFedTheSameConfigSendEachClientAddressToTheSameBackend() throws Exception {
        Listener l = tcp(Persistence.sourceIp(Duration.ofSeconds(300)));
        proxies.add(TestingProxy.start(l));
        // The second replica: the same listener and backends, on a port of its own (both run on one machine).
        proxies.add(TestingProxy.start(l.toBuilder().port(TestingPorts.free()).build()));
        Set<String> used = new HashSet<>();
        for (int i = 0; i < CLIENTS; i++) {
            String first = backendFor(proxies.get(0).port("tcp"), client(i));
            // A second connection to the same replica, then one to the other replica.
            assertThat(backendFor(proxies.get(0).port("tcp"), client(i)))
                    .as("client %s again on replica 1", client(i))
                    .isEqualTo(first);
            assertThat(backendFor(proxies.get(1).port("tcp"), client(i)))
                    .as("client %s on replica 2", client(i))
                    .isEqualTo(first);
            used.add(first);
        }
        assertThat(used).as("the clients are spread, not all on one backend").hasSizeGreaterThan(1);
    }

    @Test
    void reloadsThatChangePersistenceOrTheBackendProxyHeaderKeepHeldConnectionsWithNothingLost() throws Exception {
        echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        int wsPort = TestingPorts.free();
        Listener web = TestingListener.http("web")
                .port(wsPort)
                .backends(new Backend(TestingPorts.LOOPBACK, echo.address().getPort()))
                .build();
        Listener tcp = tcp(null);
        TestingProxy proxy = TestingProxy.start(web, tcp);
        proxies.add(proxy);
        List<UnaryOperator<Listener>> changes = List.of(
                l -> l.toBuilder()
                        .persistence(Persistence.sourceIp(Duration.ofSeconds(300)))
                        .build(),
                l -> l.toBuilder()
                        .persistence(Persistence.sourceIp(Duration.ZERO))
                        .build(),
                l -> l.toBuilder().persistence(null).build(),
                l -> l.toBuilder().backendProxyProtocol(ProxyProtocolVersion.V2).build(),
                l -> l.toBuilder()
                        .backendProxyProtocol(ProxyProtocolVersion.V1)
                        .persistence(Persistence.sourceIp(Duration.ofSeconds(60)))
                        .build(),
                l -> l.toBuilder().backendProxyProtocol(null).persistence(null).build());
        List<Socket> held = new ArrayList<>();
        try (TestingWebSockets sockets = TestingWebSockets.open(wsPort, 4)) {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                held.add(s);
                s.setSoTimeout(10_000);
                s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, proxy.port("tcp")), 5_000);
            }
            int dropped = 0;
            int lost = 0;
            int round = 0;
            for (UnaryOperator<Listener> change : changes) {
                round++;
                tcp = change.apply(tcp);
                proxy.apply(TestingProxy.config("v" + (round + 1), web, tcp));
                sockets.exchange("after change " + round);
                for (Socket s : held) {
                    byte[] line = ("round " + round + "\n").getBytes(StandardCharsets.UTF_8);
                    try {
                        s.getOutputStream().write(line);
                        s.getOutputStream().flush();
                        byte[] back = s.getInputStream().readNBytes(line.length);
                        if (back.length < line.length) {
                            dropped++;
                        } else if (!new String(back, StandardCharsets.UTF_8)
                                .equals(new String(line, StandardCharsets.UTF_8))) {
                            lost++;
                        }
                    } catch (IOException e) {
                        dropped++;
                    }
                }
                // A new connection sees the change: it still reaches a backend.
                assertThat(backendFor(proxy.port("tcp"), client(round))).isIn("a", "b", "c");
            }
            assertThat(dropped).as("held TCP connections dropped").isZero();
            assertThat(lost).as("TCP bytes lost").isZero();
            assertThat(sockets.dropped()).as("held WebSockets dropped").isZero();
            assertThat(sockets.lost()).as("WebSocket messages lost").isZero();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
