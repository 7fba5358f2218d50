package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.AccessControl;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingWebSockets;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener's access control on real sockets: a client from a denied block is reset before any
 * TLS handshake (and counted on /metrics), one from an allowed block is served, and a reload that
 * changes the lists keeps the WebSockets already open while new connections meet the new lists.
 * Clients take their address from 127.0.0.0/8, which Linux routes to loopback whole.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessControlTest {
    private static final Path CERTS = Path.of("examples/certs");
    private static final String ALLOWED = "127.0.0.1";
    private static final String DENIED = "127.0.0.2";

    private TestingBackend backend;
    private DemoBackend echo;
    private TestingProxy proxy;

    @AfterEach
    void stop() {
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
    void aDeniedClientIsResetBeforeTheTlsHandshakeAndAnAllowedOneIsServed() throws Exception {
        backend = TestingBackend.start("b");
        Tls tls = new Tls(
                CERTS.resolve("tls.crt").toAbsolutePath().toString(),
                CERTS.resolve("tls.key").toAbsolutePath().toString(),
                TlsPolicy.TLS_CIPHER_POLICY_1_2);
        Listener secure = Listener.builder("secure", Protocol.HTTPS, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .tls(tls)
                .accessControl(new AccessControl(AccessControl.Type.DENY, List.of(DENIED + "/32", "2001:db8::/32")))
                .backends(List.of(backend.backend()))
                .build();
        proxy = TestingProxy.start(secure);
        int port = proxy.port("secure");

        // The client sends nothing, so the server has nothing to answer: only a reset or an end of
        // stream can arrive, and it arrives before any handshake could have begun.
        assertThat(resetAtOnce(DENIED, port, null))
                .as("reset or closed without a byte")
                .isTrue();
        assertThatThrownBy(() -> {
                    try (SSLSocket s = tlsFrom(DENIED, port)) {
                        s.startHandshake();
                    }
                })
                .as("the TLS handshake of a denied client")
                .isInstanceOf(IOException.class);

        try (SSLSocket s = tlsFrom(ALLOWED, port)) {
            OutputStream out = s.getOutputStream();
            out.write("GET /allowed HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200");
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::target).containsExactly("/allowed");
        assertThat(metric("slb_connections_denied_total{listener=\"secure\"}")).isEqualTo(2);
        assertThat(metric("slb_connections_accepted_total"))
                .as("denied connections never reach the replica's limits")
                .isEqualTo(1);
    }

    /**
     * An allow list changed by reload to leave out the clients already connected: their WebSockets
     * carry on (access control applies to new connections, as a cloud load balancer applies it),
     * with nothing lost; their next connection is reset. An empty allow list then serves everyone.
     */
    @Test
    void aReloadThatDeniesOpenClientsKeepsTheirWebSocketsAndResetsTheirNewConnections() throws Exception {
        echo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        TestingListener web = TestingListener.http("web")
                .accessControl(new AccessControl(AccessControl.Type.ALLOW, List.of("127.0.0.0/30")))
                .backends(new dev.slb.model.Backend(
                        TestingPorts.LOOPBACK, echo.address().getPort()));
        Listener before = web.build();
        proxy = TestingProxy.start(before);
        int port = proxy.port("web");
        try (TestingWebSockets sockets = TestingWebSockets.open(port, 4)) {
            sockets.exchange("before");
            proxy.apply(TestingProxy.config(
                    "v2",
                    before.toBuilder()
                            .accessControl(new AccessControl(AccessControl.Type.ALLOW, List.of("127.0.0.2")))
                            .build()));
            sockets.exchange("after the allow list left them out");
            assertThat(sockets.dropped()).as("open WebSockets dropped").isZero();
            assertThat(sockets.lost()).as("messages lost").isZero();
            assertThat(resetAtOnce(ALLOWED, port, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
                    .as("a new connection is reset")
                    .isTrue();

            proxy.apply(TestingProxy.config(
                    "v3",
                    before.toBuilder()
                            .accessControl(new AccessControl(AccessControl.Type.ALLOW, List.of()))
                            .build()));
            assertThat(TestingClients.getText(TestingClients.http11(), proxy.uri("web", "/"))
                            .statusCode())
                    .as("an empty allow list serves everyone")
                    .isEqualTo(200);
            sockets.exchange("after");
            assertThat(sockets.dropped()).isZero();
            assertThat(sockets.lost()).isZero();
        }
    }

    private static Socket connectFrom(String source, int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), 10_000);
        return s;
    }

    private static SSLSocket tlsFrom(String source, int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        // The test's own certificate: trusted without checking, since only who is served is under test.
        ctx.init(null, new TrustManager[] {new TrustingEveryone()}, null);
        Socket plain = connectFrom(source, port);
        return (SSLSocket) ctx.getSocketFactory().createSocket(plain, TestingPorts.LOOPBACK, port, true);
    }

    /**
     * True when a connection from {@code source} is reset or closed with no byte sent back, whether
     * that shows at the connect (the reset can arrive before it returns), at the write or at the read.
     */
    private static boolean resetAtOnce(String source, int port, String send) {
        try (Socket s = connectFrom(source, port)) {
            if (send != null) {
                s.getOutputStream().write(send.getBytes(StandardCharsets.US_ASCII));
            }
            return s.getInputStream().read() < 0;
        } catch (IOException e) {
            return e.getMessage() != null
                    && (e.getMessage().contains("reset") || e.getMessage().contains("Broken pipe"));
        }
    }

    private long metric(String series) throws Exception {
        String body = TestingClients.getText(TestingClients.http11(), proxy.adminUri("/metrics"))
                .body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)(?:\\.0)?$")
                .matcher(body);
        assertThat(m.find()).as("%s in /metrics:%n%s", series, body).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static final class TrustingEveryone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
