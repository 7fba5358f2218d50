package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.proxy.proxyprotocol.ProxyProtocolHeaders;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingProxyProtocolBackend;
import dev.slb.proxy.testing.TestingProxyProtocolBackend.Header;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * backendProxyProtocol on real sockets: a backend that parses the header with Netty's decoder sees
 * the client's address and port and the address it connected to, v1 and v2, IPv4 and IPv6, ahead
 * of every client byte; the address an inbound PROXY header named when the listener reads one; and
 * health checks that start with a header naming no client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendProxyProtocolTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private TestingProxyProtocolBackend backend;
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

    private Listener tcp(ProxyProtocolVersion version) {
        return TestingListener.tcp("tcp").backends(backend.backend()).build().toBuilder()
                .backendProxyProtocol(version)
                .build();
    }

    /** Connects from {@code host}, sends a line, reads its echo; the client's own address. */
    private static InetSocketAddress echoThrough(String host, int port, byte[] preamble) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress(host, port), 5_000);
            OutputStream out = s.getOutputStream();
            byte[] line = "hello through the proxy\n".getBytes(StandardCharsets.UTF_8);
            // One write with the first bytes: the header must still come first at the backend.
            byte[] first = new byte[preamble.length + line.length];
            System.arraycopy(preamble, 0, first, 0, preamble.length);
            System.arraycopy(line, 0, first, preamble.length, line.length);
            out.write(first);
            out.flush();
            assertThat(new String(s.getInputStream().readNBytes(line.length), StandardCharsets.UTF_8))
                    .isEqualTo("hello through the proxy\n");
            return (InetSocketAddress) s.getLocalSocketAddress();
        }
    }

    @ParameterizedTest
    @EnumSource(ProxyProtocolVersion.class)
    void anIpv4ClientIsNamedToTheBackendAheadOfItsBytes(ProxyProtocolVersion version) throws Exception {
        backend = TestingProxyProtocolBackend.start(TestingPorts.LOOPBACK);
        proxy = TestingProxy.start(tcp(version));
        InetSocketAddress client = echoThrough(TestingPorts.LOOPBACK, proxy.port("tcp"), new byte[0]);
        Header h = backend.await(x -> x.command() == HAProxyCommand.PROXY, WAIT);
        assertThat(h)
                .isEqualTo(new Header(
                        version == ProxyProtocolVersion.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                        HAProxyCommand.PROXY,
                        HAProxyProxiedProtocol.TCP4,
                        "127.0.0.1",
                        client.getPort(),
                        "127.0.0.1",
                        proxy.port("tcp")));
        assertThat(backend.refused()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ProxyProtocolVersion.class)
    void anIpv6ClientIsNamedToTheBackend(ProxyProtocolVersion version) throws Exception {
        backend = TestingProxyProtocolBackend.start("::1");
        int port = TestingPorts.free();
        proxy = TestingProxy.start(
                tcp(version).toBuilder().bindAddress("::1").port(port).build());
        InetSocketAddress client = echoThrough("::1", port, new byte[0]);
        Header h = backend.await(x -> x.command() == HAProxyCommand.PROXY, WAIT);
        assertThat(h.protocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
        assertThat(h.sourceAddress()).isIn("::1", "0:0:0:0:0:0:0:1");
        assertThat(h.sourcePort()).isEqualTo(client.getPort());
        assertThat(h.destinationAddress()).isIn("::1", "0:0:0:0:0:0:0:1");
        assertThat(h.destinationPort()).isEqualTo(port);
        assertThat(backend.refused()).isEmpty();
    }

    @Test
    void theClientAnInboundProxyHeaderNamedIsTheOneTheBackendIsTold() throws Exception {
        backend = TestingProxyProtocolBackend.start(TestingPorts.LOOPBACK);
        proxy = TestingProxy.start(
                tcp(ProxyProtocolVersion.V2).toBuilder().proxyProtocol(true).build());
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(ProxyProtocolHeaders.of(
                1, new InetSocketAddress("203.0.113.7", 40_000), new InetSocketAddress("198.51.100.1", 5432)));
        ByteBuf encoded = encoder.readOutbound();
        byte[] inbound = new byte[encoded.readableBytes()];
        encoded.readBytes(inbound);
        encoded.release();
        org.junit.jupiter.api.Assertions.assertFalse(encoder.finishAndReleaseAll());

        echoThrough(TestingPorts.LOOPBACK, proxy.port("tcp"), inbound);
        Header h = backend.await(x -> x.command() == HAProxyCommand.PROXY, WAIT);
        assertThat(h.version()).isEqualTo(HAProxyProtocolVersion.V2);
        assertThat(h.sourceAddress()).isEqualTo("203.0.113.7");
        assertThat(h.sourcePort()).isEqualTo(40_000);
        assertThat(h.destinationAddress()).isEqualTo("198.51.100.1");
        assertThat(h.destinationPort()).isEqualTo(5432);
    }

    @ParameterizedTest
    @EnumSource(ProxyProtocolVersion.class)
    void healthChecksStartWithAHeaderThatNamesNoClient(ProxyProtocolVersion version) throws Exception {
        backend = TestingProxyProtocolBackend.start(TestingPorts.LOOPBACK);
        HealthCheck check = HealthCheck.defaults()
                .withDefaultProtocol(HealthCheck.Kind.TCP)
                .withTimings(Duration.ofMillis(100), Duration.ofMillis(500), 2, 2);
        checkedWithAHeader(version, check);
    }

    @Test
    void anHttpHealthCheckSendsItsRequestAfterTheHeader() throws Exception {
        backend = TestingProxyProtocolBackend.start(TestingPorts.LOOPBACK);
        // The test backend echoes: the probe's request comes back as an answer that is not HTTP, so the
        // probe fails; what counts here is that the header went first and the backend parsed it.
        HealthCheck check = HealthCheck.defaults()
                .withDefaultProtocol(HealthCheck.Kind.HTTP)
                .withTimings(Duration.ofMillis(100), Duration.ofMillis(500), 2, 2);
        proxy = TestingProxy.start(
                tcp(ProxyProtocolVersion.V2).toBuilder().healthCheck(check).build());
        assertThat(backend.await(x -> x.command() == HAProxyCommand.LOCAL, WAIT))
                .isNotNull();
        assertThat(backend.refused()).isEmpty();
    }

    @Test
    void aHealthCheckOnAnotherPortGetsNoHeader() throws Exception {
        backend = TestingProxyProtocolBackend.start(TestingPorts.LOOPBACK);
        // A management port that knows nothing of the PROXY protocol: it records what a probe sends.
        try (ServerSocket management = new ServerSocket(0, 50, InetAddress.getByName(TestingPorts.LOOPBACK))) {
            management.setSoTimeout((int) WAIT.toMillis());
            HealthCheck c = HealthCheck.defaults().withTimings(Duration.ofMillis(100), Duration.ofMillis(500), 2, 2);
            HealthCheck check = new HealthCheck(
                    HealthCheck.Kind.TCP,
                    null,
                    null,
                    null,
                    management.getLocalPort(),
                    c.interval(),
                    c.timeout(),
                    c.healthyThreshold(),
                    c.unhealthyThreshold(),
                    null);
            proxy = TestingProxy.start(
                    tcp(ProxyProtocolVersion.V1).toBuilder().healthCheck(check).build());
            try (Socket probe = management.accept()) {
                probe.setSoTimeout((int) WAIT.toMillis());
                assertThat(probe.getInputStream().readAllBytes())
                        .as("what a TCP probe sent to the management port")
                        .isEmpty();
            }
        }
    }

    private void checkedWithAHeader(ProxyProtocolVersion version, HealthCheck check) throws Exception {
        proxy = TestingProxy.start(tcp(version).toBuilder().healthCheck(check).build());
        Header h = backend.await(x -> true, WAIT);
        assertThat(h).as("a probe's header").isNotNull();
        if (version == ProxyProtocolVersion.V2) {
            assertThat(h.command()).isEqualTo(HAProxyCommand.LOCAL);
        } else {
            assertThat(h.protocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
        }
        // Probes keep the backend healthy: clients still get through.
        Thread.sleep(500);
        echoThrough(TestingPorts.LOOPBACK, proxy.port("tcp"), new byte[0]);
        assertThat(backend.refused()).isEmpty();
    }
}
