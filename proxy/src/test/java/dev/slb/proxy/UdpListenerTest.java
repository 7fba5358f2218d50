package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.HealthCheck;
import dev.slb.model.Limits;
import dev.slb.model.Listener;
import dev.slb.model.Persistence;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.limits.ReplicaLimits;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingMetrics;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingTcpBackend;
import dev.slb.proxy.testing.TestingUdpBackend;
import dev.slb.proxy.testing.TestingUdpClient;
import dev.slb.proxy.testing.TestingWebSockets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP listeners on real sockets (127.0.0.1): many flows each pinned to one backend with every datagram answered, idle
 * expiry, the flow cap, a reload that swaps a backend (flows on the one that stays keep it with nothing lost, the
 * others end after the connection drain), persistence across two replicas, the PROXY v2 header in every datagram as
 * a backend parses it, and a TCP and a UDP listener on one port number, the UDP one added and removed by reloads
 * while WebSockets are held.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpListenerTest {
    /** How long a client waits for an answer that should come: generous, for a loaded machine. */
    private static final Duration ANSWER = Duration.ofSeconds(3);
    /** How long a client waits for an answer that should not come. */
    private static final Duration SILENCE = Duration.ofMillis(500);

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closing.add(c);
        return c;
    }

    private TestingUdpBackend backend(String name) throws InterruptedException {
        return closing(TestingUdpBackend.start(name));
    }

    private static Listener udp(TestingUdpBackend... backends) {
        return TestingListener.udp("dns")
                .backends(java.util.Arrays.stream(backends)
                        .map(TestingUdpBackend::backend)
                        .toArray(Backend[]::new))
                .build();
    }

    /** The backend's name in an answer {@code name|payload}, after checking the payload came back whole. */
    private static String answeredBy(String answer, String sent) {
        assertThat(answer).endsWith("|" + sent);
        return answer.substring(0, answer.indexOf('|'));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(end);
            Thread.sleep(20);
        }
    }

    @Test
    void manyFlowsEachStayOnOneBackendAndEveryDatagramIsAnswered() throws Exception {
        TestingUdpBackend a = backend("a");
        TestingUdpBackend b = backend("b");
        TestingProxy proxy = closing(TestingProxy.start(udp(a, b)));
        int flows = 200;
        int datagrams = 10;
        List<TestingUdpClient> clients = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            clients.add(closing(TestingUdpClient.to(proxy.port("dns"))));
        }
        Map<Integer, String> backendOf = new HashMap<>();
        int answered = 0;
        int lost = 0;
        int moved = 0;
        // Round by round, so every flow is open at once from the first round on.
        for (int round = 0; round < datagrams; round++) {
            for (int i = 0; i < flows; i++) {
                String sent = "flow " + i + " datagram " + round;
                String answer = clients.get(i).exchange(sent, ANSWER);
                if (answer == null) {
                    lost++;
                    continue;
                }
                answered++;
                String by = answeredBy(answer, sent);
                if (!by.equals(backendOf.computeIfAbsent(i, k -> by))) {
                    moved++;
                }
            }
        }
        assertThat(lost).as("datagrams lost").isZero();
        assertThat(answered).isEqualTo(flows * datagrams);
        assertThat(moved)
                .as("datagrams answered by another backend than their flow's first")
                .isZero();
        assertThat(new HashSet<>(backendOf.values())).containsExactlyInAnyOrder("a", "b");
        assertThat(a.received() + b.received()).isEqualTo(flows * datagrams);
        assertThat(proxy.server().limits().open())
                .as("flows count as connections")
                .isEqualTo(flows);
        TestingMetrics metrics = TestingMetrics.scrape(proxy);
        assertThat(metrics.value("slb_udp_flows_total", "listener", "dns")).isEqualTo(flows);
        assertThat(metrics.value("slb_udp_flows_open", "listener", "dns")).isEqualTo(flows);
        assertThat(metrics.value("slb_udp_datagrams_total", "listener", "dns", "direction", "received"))
                .isEqualTo(flows * datagrams);
        assertThat(metrics.value("slb_udp_datagrams_total", "listener", "dns", "direction", "sent"))
                .isEqualTo(flows * datagrams);
    }

    @Test
    void aDatagramOfSixtyThousandBytesPassesWholeBothWays() throws Exception {
        TestingUdpBackend a = backend("a");
        TestingProxy proxy = closing(TestingProxy.start(udp(a)));
        String big = "x".repeat(60_000);
        try (TestingUdpClient client = TestingUdpClient.to(proxy.port("dns"))) {
            assertThat(client.exchange(big, ANSWER)).isEqualTo("a|" + big);
        }
    }

    @Test
    void aFlowWithNoDatagramForTheIdleTimeoutEndsAndABusyOneStays() throws Exception {
        TestingUdpBackend a = backend("a");
        Listener l = udp(a).toBuilder().idleTimeout(Duration.ofSeconds(1)).build();
        TestingProxy proxy = closing(TestingProxy.start(l));
        TestingUdpClient quiet = closing(TestingUdpClient.to(proxy.port("dns")));
        TestingUdpClient busy = closing(TestingUdpClient.to(proxy.port("dns")));
        assertThat(quiet.exchange("one", ANSWER)).isEqualTo("a|one");
        assertThat(proxy.server().limits().open()).isEqualTo(1);
        // The busy client talks every 100 ms for over twice the idle timeout: the quiet flow ends meanwhile.
        for (int i = 0; i < 25; i++) {
            assertThat(busy.exchange("busy " + i, ANSWER)).isEqualTo("a|busy " + i);
            Thread.sleep(100);
        }
        assertThat(proxy.server().limits().open()).as("the busy flow alone").isEqualTo(1);
        assertThat(TestingMetrics.scrape(proxy).value("slb_udp_flows_total", "listener", "dns"))
                .as("the busy client kept its one flow all along")
                .isEqualTo(2);
        await(() -> proxy.server().limits().open() == 0, "the busy flow to end once it is quiet too");
        assertThat(quiet.exchange("two", ANSWER)).as("a new flow").isEqualTo("a|two");
        assertThat(TestingMetrics.scrape(proxy).value("slb_udp_flows_total", "listener", "dns"))
                .as("quiet, busy, quiet again")
                .isEqualTo(3);
    }

    @Test
    void aFlowOverMaxConnectionsIsRefusedAndCounted() throws Exception {
        TestingUdpBackend a = backend("a");
        TestingProxy proxy =
                closing(TestingProxy.start(TestingProxy.config("v1", udp(a)).withLimits(new Limits(2L, null, null))));
        TestingUdpClient first = closing(TestingUdpClient.to(proxy.port("dns")));
        TestingUdpClient second = closing(TestingUdpClient.to(proxy.port("dns")));
        TestingUdpClient third = closing(TestingUdpClient.to(proxy.port("dns")));
        assertThat(first.exchange("1", ANSWER)).isEqualTo("a|1");
        assertThat(second.exchange("2", ANSWER)).isEqualTo("a|2");
        assertThat(third.exchange("3", SILENCE)).as("over the limit: dropped").isNull();
        assertThat(first.exchange("1 again", ANSWER))
                .as("the flows open carry on")
                .isEqualTo("a|1 again");
        assertThat(a.received()).isEqualTo(3);
        assertThat(proxy.server().limits().refused(ReplicaLimits.Refusal.MAX_CONNECTIONS))
                .isEqualTo(1);
        assertThat(TestingMetrics.scrape(proxy)
                        .value("slb_udp_flows_refused_total", "listener", "dns", "reason", "maxConnections"))
                .isEqualTo(1);
    }

    @Test
    void aReloadKeepsFlowsWhoseBackendStaysAndEndsTheOthersAfterTheDrain() throws Exception {
        TestingUdpBackend a = backend("a");
        TestingUdpBackend b = backend("b");
        TestingUdpBackend c = backend("c");
        Listener before =
                udp(a, b).toBuilder().connectionDrain(Duration.ofSeconds(2)).build();
        TestingProxy proxy = closing(TestingProxy.start(before));
        List<TestingUdpClient> clients = new ArrayList<>();
        Map<Integer, String> backendOf = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            clients.add(closing(TestingUdpClient.to(proxy.port("dns"))));
            backendOf.put(i, answeredBy(clients.get(i).exchange("hello " + i, ANSWER), "hello " + i));
        }
        long onA = backendOf.values().stream().filter("a"::equals).count();
        assertThat(onA).isBetween(1L, 19L);

        proxy.apply(TestingProxy.config("v2", before.withBackends(List.of(a.backend(), c.backend()))));
        int lost = 0;
        for (int i = 0; i < clients.size(); i++) {
            String sent = "after the reload " + i;
            String answer = clients.get(i).exchange(sent, ANSWER);
            if (answer == null) {
                lost++;
            } else {
                // Every flow keeps its backend; b's until its drain is over.
                assertThat(answeredBy(answer, sent)).isEqualTo(backendOf.get(i));
            }
        }
        assertThat(lost).as("datagrams lost right after the reload").isZero();

        await(() -> proxy.server().limits().open() == onA, "b's flows to end after the drain");
        for (int i = 0; i < clients.size(); i++) {
            String sent = "after the drain " + i;
            String answer = clients.get(i).exchange(sent, ANSWER);
            assertThat(answer).as("client %d answered after the drain", i).isNotNull();
            String by = answeredBy(answer, sent);
            if (backendOf.get(i).equals("a")) {
                assertThat(by).as("a kept flow").isEqualTo("a");
            } else {
                assertThat(by).as("a new flow, on a backend of the new config").isIn("a", "c");
            }
        }
    }

    @Test
    void twoReplicasFedTheSameConfigSendEachClientAddressToTheSameBackend() throws Exception {
        TestingUdpBackend a = backend("a");
        TestingUdpBackend b = backend("b");
        TestingUdpBackend c = backend("c");
        Listener l = udp(a, b, c).toBuilder()
                .persistence(Persistence.sourceIp(Duration.ofSeconds(300)))
                .build();
        TestingProxy one = closing(TestingProxy.start(l));
        TestingProxy two = closing(
                TestingProxy.start(l.toBuilder().port(TestingPorts.freeUdp()).build()));
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            InetAddress source = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)});
            String first;
            try (TestingUdpClient c1 = TestingUdpClient.from(source, one.port("dns"));
                    TestingUdpClient c2 = TestingUdpClient.from(source, one.port("dns"));
                    TestingUdpClient c3 = TestingUdpClient.from(source, two.port("dns"))) {
                first = answeredBy(c1.exchange("x", ANSWER), "x");
                assertThat(answeredBy(c2.exchange("y", ANSWER), "y"))
                        .as("%s from another port, same replica", source)
                        .isEqualTo(first);
                assertThat(answeredBy(c3.exchange("z", ANSWER), "z"))
                        .as("%s on the other replica", source)
                        .isEqualTo(first);
            }
            used.add(first);
        }
        assertThat(used).as("the clients are spread, not all on one backend").hasSizeGreaterThan(1);
    }

    @Test
    void everyDatagramToTheBackendStartsWithAV2HeaderNamingTheClient() throws Exception {
        TestingUdpBackend backend = closing(TestingUdpBackend.expectingProxyHeaders("v2"));
        Listener l = udp(backend).toBuilder()
                .backendProxyProtocol(ProxyProtocolVersion.V2)
                .build();
        TestingProxy proxy = closing(TestingProxy.start(l));
        List<InetSocketAddress> sources = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (TestingUdpClient client = TestingUdpClient.to(proxy.port("dns"))) {
                sources.add(client.localAddress());
                for (int j = 0; j < 5; j++) {
                    String sent = "datagram " + i + "." + j;
                    assertThat(client.exchange(sent, ANSWER)).isEqualTo("v2|" + sent);
                }
            }
        }
        assertThat(backend.withoutHeader()).isZero();
        assertThat(backend.headers()).hasSize(15);
        for (int i = 0; i < 15; i++) {
            TestingUdpBackend.Header h = backend.headers().get(i);
            InetSocketAddress source = sources.get(i / 5);
            assertThat(h.protocol()).isEqualTo("UDP4");
            assertThat(h.sourceAddress()).isEqualTo(source.getAddress().getHostAddress());
            assertThat(h.sourcePort()).isEqualTo(source.getPort());
            assertThat(h.destinationAddress()).isEqualTo(TestingPorts.LOOPBACK);
        }
    }

    @Test
    void aUdpCheckTakesOutABackendWhoseHostAnswersPortUnreachableAndKeepsALiveOne() throws Exception {
        TestingUdpBackend live = backend("live");
        // Nothing listens there: the host answers each datagram with an ICMP port unreachable.
        int dead = TestingPorts.freeUdp();
        Listener l = TestingListener.udp("dns")
                .backends(live.backend(), new Backend(TestingPorts.LOOPBACK, dead))
                .healthCheck(HealthCheck.defaults().withTimings(Duration.ofMillis(100), Duration.ofMillis(500), 2, 2))
                .build();
        assertThat(l.healthCheck().protocol()).isEqualTo(HealthCheck.Kind.UDP);
        TestingProxy proxy = closing(TestingProxy.start(l));
        await(
                () -> proxy.server().backendHealth().stream()
                        .anyMatch(r -> r.port() == dead
                                && !r.healthy()
                                && "refused (ICMP port unreachable)".equals(r.lastFailure())),
                "the dead backend to be out");
        // Several probes later the live one is still in: silence or an answer passes.
        Thread.sleep(500);
        assertThat(proxy.server().backendHealth())
                .filteredOn(r -> r.port() == live.port())
                .singleElement()
                .satisfies(r -> assertThat(r.healthy()).isTrue());
        assertThat(live.received()).as("the probes reached the live backend").isPositive();
        for (int i = 0; i < 10; i++) {
            try (TestingUdpClient client = TestingUdpClient.to(proxy.port("dns"))) {
                assertThat(client.exchange("q" + i, ANSWER)).isEqualTo("live|q" + i);
            }
        }
    }

    @Test
    void aUdpListenerOnATcpListenersPortIsAddedAndRemovedByReloadWithNothingDropped() throws Exception {
        DemoBackend echo = closing(DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo"));
        TestingTcpBackend tcpBackend = closing(TestingTcpBackend.start("t"));
        TestingUdpBackend udpBackend = backend("u");
        int port = TestingPorts.freeUdp();
        Listener web = TestingListener.http("web")
                .backends(new Backend(TestingPorts.LOOPBACK, echo.address().getPort()))
                .build();
        Listener tcp = TestingListener.tcp("dns-tcp")
                .port(port)
                .backends(tcpBackend.backend())
                .build();
        Listener udp = udp(udpBackend).toBuilder().port(port).build();
        TestingProxy proxy = closing(TestingProxy.start(web, tcp));
        try (TestingWebSockets sockets = TestingWebSockets.open(proxy.port("web"), 4);
                Socket held = new Socket()) {
            held.setSoTimeout(10_000);
            held.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), 5_000);
            sockets.exchange("before");
            proxy.apply(TestingProxy.config("v2", web, tcp, udp));
            sockets.exchange("after adding a UDP listener");
            assertThat(proxy.port("dns")).isEqualTo(port);
            try (TestingUdpClient client = TestingUdpClient.to(port)) {
                assertThat(client.exchange("over udp", ANSWER)).isEqualTo("u|over udp");
            }
            byte[] line = "over tcp\n".getBytes(StandardCharsets.UTF_8);
            held.getOutputStream().write(line);
            assertThat(held.getInputStream().readNBytes(line.length))
                    .as("the TCP connection on the same number carries on")
                    .isEqualTo(line);
            proxy.apply(TestingProxy.config("v3", web, tcp));
            sockets.exchange("after removing it");
            held.getOutputStream().write(line);
            assertThat(held.getInputStream().readNBytes(line.length)).isEqualTo(line);
            assertThat(sockets.dropped()).as("held WebSockets dropped").isZero();
            assertThat(sockets.lost()).as("WebSocket messages lost").isZero();
        }
    }
}
