package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.slb.model.WebSocket;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener with WebSocket off (a shared-tier instance) answers an upgrade at once with 403 and
 * the reason, never passes it to the backend, and serves plain HTTP as before.
 */
@Timeout(30)
class WebSocketGateTest {
    private static final String REASON = "RequiresGuaranteedPerformance";
    private static final String MESSAGE = "raise spec.tier";

    private TestingBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("a");
        proxy = TestingProxy.start(TestingListener.http("web")
                .websocket(WebSocket.disabled(REASON, MESSAGE))
                .backends(backend.backend())
                .build());
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    @Test
    void jdkWebSocketClientGetsA403() throws Exception {
        URI ws = URI.create("ws://127.0.0.1:" + proxy.port("web") + "/chat");
        Throwable failure = catchThrowable(() -> HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(ws, new java.net.http.WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS));
        assertThat(failure).isInstanceOf(ExecutionException.class);
        assertThat(failure.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        WebSocketHandshakeException handshake = (WebSocketHandshakeException) failure.getCause();
        assertThat(handshake.getResponse().statusCode()).isEqualTo(403);
        assertThat(backend.requests())
                .as("the upgrade never reaches the backend")
                .isEmpty();
    }

    @Test
    void rawUpgradeGetsTheReasonAndThePlainRequestAfterItIsServed() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            TestingConnection.Response gate = c.readResponse();
            assertThat(gate.status()).isEqualTo(403);
            assertThat(gate.header("X-SLB-WebSocket")).startsWith("disabled");
            assertThat(gate.header("X-SLB-WebSocket")).contains(REASON);
            assertThat(gate.header("Upgrade"))
                    .as("not a 426: nothing to switch to")
                    .isNull();
            assertThat(gate.bodyText()).contains(MESSAGE).contains(REASON);

            c.send("GET /plain HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response plain = c.readResponse();
            assertThat(plain.status()).isEqualTo(200);
            assertThat(plain.bodyText()).contains("request: GET /plain ");
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::path).containsExactly("/plain");
    }

    @Test
    void upgradeTokenIsMatchedInListsAndAnyCase() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, UPGRADE\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(403);
        }
        assertThat(backend.requests()).isEmpty();
    }

    @Test
    void plainHttpOnTheGatedListenerWorks() throws Exception {
        var r = TestingClients.getText(TestingClients.http11(), proxy.uri("web", "/plain"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Backend")).hasValue("a");
    }

    @Test
    void aRequestPipelinedBehindARefusedUpgradeIsServed() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                    + "GET /behind HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(403);
            TestingConnection.Response behind = c.readResponse();
            assertThat(behind.status()).isEqualTo(200);
            assertThat(behind.bodyText()).contains("request: GET /behind ");
        }
        assertThat(backend.requests()).extracting(TestingBackend.Seen::path).containsExactly("/behind");
    }
}
