package dev.slb.proxy.http;

import static dev.slb.proxy.http.TestingHttpConnection.listener;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.WebSocket;
import dev.slb.proxy.http.TestingHttpConnection.Dial;
import dev.slb.proxy.http.TestingHttpConnection.Upstream;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP handler and its exchanges on {@link io.netty.channel.embedded.EmbeddedChannel}s, on
 * hand-driven time: what goes to the backend, what the client gets, when the client is read, and
 * that nothing is left unreleased or counted in a backend's load when the connection ends.
 */
@Timeout(10)
class HttpProxyHandlerTest {
    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    private static final String FORWARDED_GET = "GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 127.0.0.7\r\n"
            + "x-forwarded-proto: http\r\nx-forwarded-port: 8080\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void aRequestGoesToABackendItsAnswerComesBackAndTheBackendConnectionServesTheNextOne() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient(GET);
        assertThat(c.toBackend(0)).isEqualTo(FORWARDED_GET);
        assertThat(c.load(1)).as("in use").isEqualTo(1);
        c.fromBackend(0, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        assertThat(c.load(1)).as("back in the pool").isZero();

        c.fromClient("GET /two HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(c.dialed).as("the pooled connection is reused").hasSize(1);
        assertThat(c.toBackend(0)).startsWith("GET /two HTTP/1.1\r\n");
        c.fromBackend(0, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        assertThat(c.client.isActive()).isTrue();
        c.finish();
    }

    @Test
    void aBackendConnectionItsBackendWillCloseIsNotPooled() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient(GET).fromBackend(0, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        assertThat(c.toClient())
                .as("hop-by-hop: the backend's close is its own")
                .isEqualTo(OK);
        assertThat(c.upstream(0).isOpen()).isFalse();
        c.fromClient(GET);
        assertThat(c.dialed).hasSize(2);
        c.fromBackend(1, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        c.toBackend(0);
        c.toBackend(1);
        c.finish();
    }

    @Test
    void pipelinedRequestsWaitTheirTurnAndTheClientIsReadOnlyWhenTheExchangeCanTakeMore() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1)).dial(1, Dial.HOLD);
        int reads = c.reads();
        c.fromClient(GET + "GET /two HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(c.reads())
                .as("nothing more is read while the backend connection is made")
                .isEqualTo(reads);

        c.dialed.get(0).connect().setSuccess();
        c.client.runPendingTasks();
        assertThat(c.toBackend(0)).as("only the first request").isEqualTo(FORWARDED_GET);
        assertThat(c.reads()).as("the second request waits unread-on").isEqualTo(reads);

        c.fromBackend(0, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        assertThat(c.toBackend(0))
                .as("the second request, once the first is answered")
                .startsWith("GET /two ");
        c.fromBackend(0, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        assertThat(c.reads()).as("read again once nothing waits").isEqualTo(reads + 1);
        c.finish();
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(
                        "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
                        "405 Method Not Allowed",
                        "MethodNotAllowed",
                        "CONNECT is not served: this is a reverse proxy, not a forward proxy"),
                Arguments.of(
                        "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
                        "505 HTTP Version Not Supported",
                        "UnsupportedVersion",
                        "this load balancer speaks HTTP/1.0 and HTTP/1.1"),
                Arguments.of(
                        "GET / HTTP/1.1\r\n\r\n",
                        "400 Bad Request",
                        "MalformedRequest",
                        "an HTTP/1.1 request needs exactly one Host header"),
                Arguments.of(
                        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                        "400 Bad Request",
                        "MalformedRequest",
                        "an HTTP/1.1 request needs exactly one Host header"),
                Arguments.of(
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: five\r\n\r\n",
                        "400 Bad Request",
                        "MalformedRequest",
                        "the request is not valid HTTP/1.1 ("),
                Arguments.of(
                        "GET /" + "x".repeat(100) + " HTTP/1.1\r\nHost: a\r\n\r\n",
                        "414 Request-URI Too Long",
                        "MalformedRequest",
                        "the request line is longer than this listener accepts"),
                Arguments.of(
                        "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(300) + "\r\n\r\n",
                        "431 Request Header Fields Too Large",
                        "MalformedRequest",
                        "the request headers are larger than this listener accepts"));
    }

    @ParameterizedTest(name = "{1}: {3}")
    @MethodSource("refused")
    void aRefusedRequestIsAnsweredByTheProxyAndTheConnectionClosed(
            String request, String status, String reason, String text) {
        Listener small = Listener.builder("web", Protocol.HTTP, 8080)
                .maxRequestLineBytes(64)
                .maxHeaderBytes(256)
                .backends(listener(1).backends())
                .build();
        TestingHttpConnection c = new TestingHttpConnection(small);
        c.fromClient(request);
        String answer = c.toClient();
        assertThat(answer).startsWith("HTTP/1.1 " + status + "\r\n");
        assertThat(answer).contains("\r\nx-slb-error: " + reason + "\r\n", "\r\nconnection: close\r\n");
        assertThat(answer).contains("\r\n\r\n" + status + ": " + text);
        assertThat(c.client.isActive()).isFalse();
        assertThat(c.dialed).as("nothing reaches a backend").isEmpty();
        c.finish();
    }

    @Test
    void theProxysOwnAnswerKeepsTheConnectionWhenTheClientAsksAnHttp10OneIncluded() {
        TestingHttpConnection c = new TestingHttpConnection(listener(0));
        c.fromClient("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        String answer = c.toClient();
        assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(answer).contains("\r\nx-slb-error: NoBackend\r\n", "\r\nconnection: keep-alive\r\n");
        assertThat(answer).endsWith("503 Service Unavailable: listener 'web' has no backends\n");
        c.fromClient(GET);
        assertThat(c.toClient()).startsWith("HTTP/1.1 503 ").doesNotContain("connection:");
        assertThat(c.client.isActive()).isTrue();
        c.finish();
    }

    @Test
    void anUpgradeWhereWebSocketIsOffGets403AndNeverReachesABackend() {
        TestingHttpConnection c = new TestingHttpConnection(
                listener(1).withWebsocket(WebSocket.disabled("RequiresGuaranteedPerformance", "raise the tier")));
        c.fromClient("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        String answer = c.toClient();
        assertThat(answer).startsWith("HTTP/1.1 403 Forbidden\r\n");
        assertThat(answer).contains("\r\nx-slb-websocket: disabled; reason=RequiresGuaranteedPerformance\r\n");
        assertThat(c.dialed).isEmpty();
        assertThat(c.client.isActive()).isTrue();
        c.finish();
    }

    @Test
    void aReusedConnectionTheBackendClosedBeforeAnsweringIsRetriedOnceOnANewOne() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient(GET).fromBackend(0, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        c.toBackend(0);

        c.fromClient(GET);
        assertThat(c.toBackend(0)).isEqualTo(FORWARDED_GET);
        c.upstream(0).close();
        c.client.runPendingTasks();
        assertThat(c.dialed).hasSize(2);
        assertThat(c.toBackend(1)).as("the same request again").isEqualTo(FORWARDED_GET);
        c.fromBackend(1, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        c.finish();
    }

    @Test
    void aNewConnectionTheBackendClosedBeforeAnsweringSendsTheRequestToAnotherBackendOnce() {
        TestingHttpConnection c = new TestingHttpConnection(listener(2));
        c.fromClient(GET);
        assertThat(c.toBackend(0)).isEqualTo(FORWARDED_GET);
        c.upstream(0).close();
        c.client.runPendingTasks();
        assertThat(c.dialed).hasSize(2);
        assertThat(c.dialed.get(1).address())
                .as("another backend")
                .isNotEqualTo(c.dialed.get(0).address());
        assertThat(c.toBackend(1)).as("the same request again").isEqualTo(FORWARDED_GET);
        c.upstream(1).close();
        c.client.runPendingTasks();
        assertThat(c.toClient())
                .as("only once")
                .startsWith("HTTP/1.1 502 Bad Gateway\r\n")
                .contains("\r\nx-slb-error: BackendClosed\r\n");
        assertThat(c.dialed).hasSize(2);
        c.finish();
    }

    @Test
    void aDyingBackendThatLosesThePooledConnectionAndTheNewOneSendsTheRequestToAnotherBackend() {
        TestingHttpConnection c = new TestingHttpConnection(listener(2));
        // One request to each backend, in rotation: each leaves a pooled connection.
        for (int i = 0; i < 2; i++) {
            c.fromClient(GET).fromBackend(i, OK);
            assertThat(c.toClient()).isEqualTo(OK);
            c.toBackend(i);
        }
        int dying = c.dialed.get(0).address().getPort();

        // The third goes to the first backend again, on its pooled connection, and that backend
        // dies: the pooled connection ends unanswered, then the new one made to retry on it.
        c.fromClient(GET);
        assertThat(c.toBackend(0)).isEqualTo(FORWARDED_GET);
        c.upstream(0).close();
        c.client.runPendingTasks();
        assertThat(c.dialed).hasSize(3);
        assertThat(c.dialed.get(2).address().getPort())
                .as("a new connection, same backend")
                .isEqualTo(dying);
        assertThat(c.toBackend(2)).isEqualTo(FORWARDED_GET);
        c.upstream(2).close();
        c.client.runPendingTasks();

        assertThat(c.toBackend(1))
                .as("the same request, on the other backend's pooled connection")
                .isEqualTo(FORWARDED_GET);
        c.fromBackend(1, OK);
        assertThat(c.toClient()).isEqualTo(OK);
        c.finish();
    }

    @Test
    void aNewConnectionTheBackendClosedBeforeAnsweringIs502AndTheClientKeepsItsConnection() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient(GET);
        c.toBackend(0);
        c.upstream(0).close();
        c.client.runPendingTasks();
        String answer = c.toClient();
        assertThat(answer).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("\r\nx-slb-error: BackendClosed\r\n");
        assertThat(answer).doesNotContain("connection:");
        assertThat(c.dialed).as("no other backend to try").hasSize(1);
        assertThat(c.client.isActive()).isTrue();
        c.finish();
    }

    @Test
    void refusedConnectsGetASecondRoundThenTheClientGets502() {
        TestingHttpConnection c =
                new TestingHttpConnection(listener(2)).dial(1, Dial.REFUSE).dial(2, Dial.REFUSE);
        c.fromClient(GET);
        assertThat(c.toClient())
                .startsWith("HTTP/1.1 502 Bad Gateway\r\n")
                .contains("\r\nx-slb-error: NoBackendReachable\r\n", "\r\nconnection: close\r\n");
        assertThat(ports(c.dialed)).containsExactlyInAnyOrder(1, 1, 2, 2);
        assertThat(c.client.isActive()).isFalse();
        c.finish();
    }

    @Test
    void aBackendThatTimedOutIsNotWaitedForAgainAndTheNextOneServes() {
        TestingHttpConnection c =
                new TestingHttpConnection(listener(2)).dial(1, Dial.TIME_OUT).dial(2, Dial.REFUSE);
        c.fromClient(GET);
        assertThat(c.toClient()).contains("\r\nx-slb-error: NoBackendReachable\r\n");
        assertThat(ports(c.dialed)).containsExactlyInAnyOrder(1, 2, 2);
        c.finish();

        TestingHttpConnection d = new TestingHttpConnection(listener(2)).dial(1, Dial.REFUSE);
        d.fromClient(GET);
        assertThat(d.dialed.get(d.dialed.size() - 1).address().getPort()).isEqualTo(2);
        d.fromBackend(d.dialed.size() - 1, OK);
        assertThat(d.toClient()).isEqualTo(OK);
        d.toBackend(d.dialed.size() - 1);
        d.finish();
    }

    @Test
    void aBackendSilentForTheRequestTimeoutGets504AndAConnectThatEndsLaterIsClosed() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1)).dial(1, Dial.HOLD);
        c.fromClient(GET);
        c.advance(Duration.ofSeconds(59));
        assertThat(c.toClient()).isEmpty();
        c.advance(Duration.ofSeconds(1));
        assertThat(c.toClient())
                .startsWith("HTTP/1.1 504 Gateway Timeout\r\n")
                .contains("\r\nx-slb-error: BackendTimeout\r\n");
        Upstream late = c.dialed.get(0);
        late.connect().setSuccess();
        assertThat(late.channel().isOpen())
                .as("a connection made for an answered request")
                .isFalse();
        c.finish();
    }

    @Test
    void aConnectThatEndsAfterTheClientLeftIsClosed() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1)).dial(1, Dial.HOLD);
        c.fromClient(GET);
        c.client.close();
        Upstream late = c.dialed.get(0);
        late.connect().setSuccess();
        assertThat(late.channel().isOpen()).isFalse();
        assertThat(c.toBackend(0)).isEmpty();
        c.finish();
    }

    @Test
    void aClientThatHalfClosesAfterAWholeRequestGetsItsAnswerThenTheConnectionCloses() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1)).dial(1, Dial.HOLD);
        c.fromClient(GET);
        c.client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        c.client.runPendingTasks();
        assertThat(c.client.isActive())
                .as("the request is whole; its end waits its turn")
                .isTrue();
        c.dialed.get(0).connect().setSuccess();
        c.client.runPendingTasks();
        assertThat(c.toBackend(0)).isEqualTo(FORWARDED_GET);
        c.fromBackend(0, OK);
        assertThat(c.toClient()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: close\r\n\r\nok");
        assertThat(c.client.isActive()).isFalse();
        c.finish();
    }

    @Test
    void aResponseBodyThatStallsForTheRequestTimeoutClosesBothConnections() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient(GET).fromBackend(0, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
        assertThat(c.toClient()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
        c.advance(Duration.ofSeconds(30));
        c.fromBackend(0, "more");
        assertThat(c.toClient()).as("progress restarts the clock").isEqualTo("more");
        c.advance(Duration.ofSeconds(59));
        assertThat(c.client.isActive()).isTrue();
        c.advance(Duration.ofSeconds(1));
        assertThat(c.client.isActive()).isFalse();
        assertThat(c.upstream(0).isOpen()).isFalse();
        c.toBackend(0);
        c.finish();
    }

    @Test
    void anIdleConnectionIsClosedAfterTheKeepAliveTimeoutCountedFromItsLastAnswer() {
        // The default keep-alive timeout (15 s), not the listener's idle timeout (60 s), which is WebSocket's.
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.advance(Duration.ofSeconds(10));
        c.fromClient(GET).fromBackend(0, OK);
        c.toClient();
        c.toBackend(0);
        c.advance(Duration.ofSeconds(14));
        assertThat(c.client.isActive()).as("14 s after the answer").isTrue();
        c.advance(Duration.ofSeconds(1));
        assertThat(c.client.isActive()).isFalse();
        c.finish();
    }

    @Test
    void anHttp10ClientGetsAChunkedBodyWithoutChunksAndTheConnectionEndsIt() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertThat(c.toBackend(0))
                .as("HTTP/1.1 with a Host for the backend")
                .startsWith("GET / HTTP/1.1\r\nhost: 127.0.0.1:1\r\n");
        c.fromBackend(0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        assertThat(c.toClient()).isEqualTo("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nok");
        assertThat(c.client.isActive()).isFalse();
        assertThat(c.upstream(0).isOpen())
                .as("the backend's connection is clean and pooled")
                .isTrue();
        c.finish();
    }

    @Test
    void aBodyTheBackendEndsByClosingIsChunkedForAnHttp11Client() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient(GET).fromBackend(0, "HTTP/1.0 200 OK\r\n\r\nall of it");
        c.upstream(0).close();
        c.client.runPendingTasks();
        assertThat(c.toClient())
                .isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n9\r\nall of it\r\n0\r\n\r\n");
        assertThat(c.client.isActive()).isTrue();
        c.toBackend(0);
        c.finish();
    }

    @Test
    void aClientThatStopsSendingMidUploadLetsTheBackendGoAtOnce() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345");
        assertThat(c.toBackend(0)).startsWith("POST /up HTTP/1.1\r\n").endsWith("\r\n\r\n12345");
        c.client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        c.client.runPendingTasks();
        assertThat(c.upstream(0).isOpen()).isFalse();
        assertThat(c.client.isActive()).isFalse();
        c.toClient();
        c.finish();
    }

    @Test
    void aDrainClosesAnIdleConnectionAtOnceAndABusyOneAfterItsAnswer() {
        TestingHttpConnection idle = new TestingHttpConnection(listener(1));
        idle.connections.startDrain();
        idle.client.runPendingTasks();
        assertThat(idle.client.isActive()).isFalse();
        idle.finish();

        TestingHttpConnection busy = new TestingHttpConnection(listener(1));
        busy.fromClient(GET);
        busy.connections.startDrain();
        busy.client.runPendingTasks();
        assertThat(busy.client.isActive()).isTrue();
        busy.fromBackend(0, OK);
        assertThat(busy.toClient()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: close\r\n\r\nok");
        assertThat(busy.client.isActive()).isFalse();
        busy.toBackend(0);
        busy.finish();
    }

    @Test
    void anAcceptedUpgradeHandsTheConnectionToAFrameRelay() {
        TestingHttpConnection c = new TestingHttpConnection(listener(1));
        c.fromClient("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        assertThat(c.toBackend(0))
                .contains("\r\nconnection: upgrade\r\n", "\r\nupgrade: websocket\r\n")
                .contains("\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        String switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        c.fromBackend(0, switching);
        assertThat(c.toClient()).isEqualTo(switching);
        assertThat(c.client.pipeline().get(HttpProxyHandler.class)).isNull();
        assertThat(c.client.pipeline().get(HttpListenerInitializer.CODEC)).isNull();
        assertThat(c.connections.size()).as("the drain holds the relay now").isOne();

        // A masked text frame (mask 0) one way, an unmasked one the other, passed on as they are.
        String fromClient = "\u0081\u0082\0\0\0\0hi";
        c.fromClient(fromClient);
        assertThat(c.toBackend(0)).isEqualTo(fromClient);
        c.fromBackend(0, "\u0081\u0002yo");
        assertThat(c.toClient()).isEqualTo("\u0081\u0002yo");
        assertThat(c.load(1)).as("the relay counts in the backend's load").isOne();
        c.finish();
        assertThat(c.connections.size()).isZero();
    }

    private static List<Integer> ports(List<Upstream> dialed) {
        return dialed.stream().map(u -> u.address().getPort()).toList();
    }
}
