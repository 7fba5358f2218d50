package dev.slb.proxy;

import static dev.slb.proxy.testing.TestingH2Connection.GOAWAY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingH2Connection;
import dev.slb.proxy.testing.TestingH2Connection.Frame;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingWebSockets;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the proxy ends an HTTP/2 connection without dropping a stream, over real TLS with raw
 * frames: GOAWAY (NO_ERROR, naming the last stream it took) when no stream has been open for the
 * listener's keep-alive timeout, when the replica drains, and when a reload removes the listener;
 * after a GOAWAY the streams in flight finish, a new stream is refused (REFUSED_STREAM, which
 * tells the client it may retry it elsewhere) and never reaches a backend, and then the
 * connection closes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2GoAwayTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int NO_ERROR = 0x0;
    private static final int REFUSED_STREAM = 0x7;

    private TestingBackend backend;
    private DemoBackend demo;
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
        if (demo != null) {
            demo.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private Listener secure(String name, List<Backend> backends) {
        return Listener.of(name, Protocol.HTTPS, 0, backends)
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(new Tls(Http2ProxyTest.path("tls.crt"), Http2ProxyTest.path("tls.key"), null));
    }

    private TestingH2Connection connect(String listener) throws Exception {
        TestingH2Connection c = TestingH2Connection.open(proxy.port(listener), Http2ProxyTest.CERTS.resolve("tls.crt"));
        clients.add(c);
        return c;
    }

    /**
     * The keep-alive timeout applies as on HTTP/1.1, and a reload that changes it reaches open
     * connections. (The test starts with a long one and shortens it once its stream is open: a
     * short one from the start could, on a loaded machine, end the connection before the proxy
     * reads its first stream, which is right but not what this test looks at.)
     */
    @Test
    void noStreamOpenForTheKeepAliveTimeoutIsGoAwayAndClose() throws Exception {
        backend = TestingBackend.start("b");
        Listener secure = secure("secure", List.of(backend.backend())).toBuilder()
                .httpKeepaliveTimeout(Duration.ofSeconds(60))
                .build();
        proxy = TestingProxy.start(secure);
        TestingH2Connection c = connect("secure");
        c.get(1, "/slow?delayMs=1500");
        assertThat(backend.awaitInFlight(1, WAIT)).isTrue();

        Duration keepAlive = Duration.ofSeconds(1);
        proxy.apply(proxy.config()
                .withVersion("v2")
                .withListeners(List.of(secure.toBuilder()
                        .httpKeepaliveTimeout(keepAlive)
                        // The WebSocket/TCP idle timeout is not the one that applies.
                        .idleTimeout(Duration.ofSeconds(60))
                        .build())));

        // The stream, open longer than the keep-alive timeout, keeps the connection.
        Frame answer = c.answer(1);
        assertThat(answer).isNotNull();
        assertThat(answer.status()).isEqualTo("200");
        assertThat(c.awaitEnd(1, WAIT)).isTrue();
        long ended = System.nanoTime();
        assertThat(c.frames()).noneMatch(f -> f.type() == GOAWAY);

        Frame goAway = c.awaitGoAway(WAIT);
        long quiet = System.nanoTime() - ended;
        assertThat(goAway).as("GOAWAY after %s with no stream open", keepAlive).isNotNull();
        assertThat(goAway.errorCode()).isEqualTo(NO_ERROR);
        assertThat(goAway.lastStreamId()).isEqualTo(1);
        assertThat(Duration.ofNanos(quiet))
                .as("not before the timeout")
                .isGreaterThanOrEqualTo(keepAlive.minusMillis(100));
        assertThat(c.awaitClosed(WAIT)).isTrue();
    }

    @Test
    void aDrainSendsGoAwayFinishesTheStreamInFlightAndRefusesNewOnes() throws Exception {
        backend = TestingBackend.start("b");
        proxy = TestingProxy.start(secure("secure", List.of(backend.backend())));
        TestingH2Connection c = connect("secure");
        c.get(1, "/slow?delayMs=700");
        assertThat(backend.awaitInFlight(1, WAIT)).isTrue();

        CompletableFuture<Void> drained = CompletableFuture.runAsync(proxy.server()::drainAndStop);
        afterGoAwayNewStreamsAreRefusedAndTheOneInFlightFinishes(c);
        drained.get(30, TimeUnit.SECONDS);
    }

    /**
     * "No change that needs no new pod may drop a connection": removing one HTTPS listener by a
     * reload sends GOAWAY on its HTTP/2 connections only (their stream in flight finishes); an
     * HTTP/2 connection on the listener that stays, and WebSockets held on another, go on untouched.
     */
    @Test
    void removingTheListenerByAReloadSendsGoAwayOnItsConnectionsAlone() throws Exception {
        backend = TestingBackend.start("b");
        demo = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        List<Backend> echo =
                List.of(new Backend(TestingPorts.LOOPBACK, demo.address().getPort()));
        Listener web =
                Listener.of("web", Protocol.HTTP, 0, echo).withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free());
        Listener kept = secure("kept", List.of(backend.backend()));
        Listener gone = secure("gone", List.of(backend.backend()));
        proxy = TestingProxy.start(web, kept, gone);
        TestingH2Connection stays = connect("kept");
        stays.get(1, "/before");
        assertThat(stays.answer(1).status()).isEqualTo("200");
        TestingH2Connection goes = connect("gone");

        try (TestingWebSockets ws = TestingWebSockets.open(proxy.port("web"), 4)) {
            ws.exchange("before");
            goes.get(1, "/slow?delayMs=700");
            assertThat(backend.awaitInFlight(1, WAIT)).isTrue();

            proxy.apply(proxy.config().withVersion("v2").withListeners(List.of(web, kept)));
            afterGoAwayNewStreamsAreRefusedAndTheOneInFlightFinishes(goes);

            ws.exchange("after");
            assertThat(ws.dropped()).as("held WebSockets dropped").isZero();
            assertThat(ws.lost()).as("messages lost").isZero();
        }
        stays.get(3, "/after");
        assertThat(stays.answer(3).status()).isEqualTo("200");
        assertThat(stays.frames()).noneMatch(f -> f.type() == GOAWAY);
        assertThat(stays.isOpen()).isTrue();
    }

    /** Stream 1 is in flight at the backend; the proxy is about to send GOAWAY. */
    private void afterGoAwayNewStreamsAreRefusedAndTheOneInFlightFinishes(TestingH2Connection c) throws Exception {
        int before = backend.requestCount();
        Frame goAway = c.awaitGoAway(WAIT);
        assertThat(goAway).isNotNull();
        assertThat(goAway.errorCode()).isEqualTo(NO_ERROR);
        assertThat(goAway.lastStreamId())
                .as("the stream in flight is one the proxy will finish")
                .isEqualTo(1);

        c.get(3, "/too-late");
        Frame refused = c.answer(3);
        assertThat(refused).as("stream 3 after GOAWAY").isNotNull();
        assertThat(refused.outcome()).isEqualTo("reset " + REFUSED_STREAM);

        assertThat(c.answer(1).status()).isEqualTo("200");
        assertThat(c.awaitEnd(1, WAIT)).as("the stream in flight finishes").isTrue();
        assertThat(c.awaitClosed(WAIT)).as("then the connection closes").isTrue();
        assertThat(backend.requestCount())
                .as("the refused stream never reached a backend")
                .isEqualTo(before);
    }
}
