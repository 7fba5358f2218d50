package dev.slb.proxy;

import static dev.slb.proxy.testing.TestingBodies.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingBodies;
import dev.slb.proxy.testing.TestingBodies.Digest;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ProxyServer#apply}: new requests follow the new config, what is in flight is untouched, and a config that cannot be applied changes nothing. */
@Timeout(60)
class ReloadTest {
    private TestingBackend a;
    private TestingBackend b;
    private TestingBackend c;
    private TestingProxy proxy;
    private Listener web;
    private ProxyConfig v1;

    @BeforeEach
    void start() throws Exception {
        a = TestingBackend.start("a");
        b = TestingBackend.start("b");
        c = TestingBackend.start("c");
        web = TestingListener.http("web").backends(a.backend()).build();
        v1 = TestingProxy.config("v1", web);
        proxy = TestingProxy.start(v1);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        a.close();
        b.close();
        c.close();
    }

    private String answeredBy(HttpClient client, String path) throws Exception {
        HttpResponse<String> r = TestingClients.getText(client, proxy.uri("web", path));
        assertThat(r.statusCode()).isEqualTo(200);
        return r.headers().firstValue("X-Backend").orElseThrow();
    }

    @Test
    void swappedBackendsTakeNewRequestsWhileASlowDownloadCompletesIntact() throws Exception {
        HttpClient client = TestingClients.http11();
        assertThat(answeredBy(client, "/before")).isEqualTo("a");

        // About 2 s of download from a: 64 pieces of 64 KiB, 30 ms apart.
        long size = 4 * MIB;
        // Which backend the download's response head came from: it is under way once this is known.
        CompletableFuture<String> downloadFrom = new CompletableFuture<>();
        CompletableFuture<Digest> download = CompletableFuture.supplyAsync(() -> {
            try {
                HttpResponse<InputStream> r = TestingClients.http11()
                        .send(
                                TestingClients.get(
                                                proxy.uri("web", "/download?bytes=" + size + "&piece=65536&delayMs=30"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                downloadFrom.complete(r.headers().firstValue("X-Backend").orElse("none"));
                try (InputStream in = r.body()) {
                    return TestingBodies.digest(in);
                }
            } catch (Exception e) {
                downloadFrom.completeExceptionally(e);
                throw new RuntimeException(e);
            }
        });
        // A keep-alive connection opened before the reload, too.
        try (TestingConnection kept = TestingConnection.open(proxy.port("web"))) {
            kept.send("GET /kept-before HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(kept.readResponse().header("X-Backend")).isEqualTo("a");
            // Its response head, not a count of requests in flight at a: the kept-alive request's
            // answer may still be counted there when the download has not reached the proxy yet.
            assertThat(downloadFrom.get(10, TimeUnit.SECONDS))
                    .as("the download is under way at a")
                    .isEqualTo("a");

            proxy.apply(v1.withVersion("v2").withListeners(List.of(web.withBackends(List.of(b.backend())))));

            assertThat(proxy.config().version()).isEqualTo("v2");
            assertThat(download)
                    .as("the download is still running across the reload")
                    .isNotDone();
            for (int i = 0; i < 6; i++) {
                assertThat(answeredBy(TestingClients.http11(), "/after" + i))
                        .as("new connection %d", i)
                        .isEqualTo("b");
            }
            kept.send("GET /kept-after HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(kept.readResponse().header("X-Backend"))
                    .as("a request on a connection accepted before the reload")
                    .isEqualTo("b");
        }
        assertThat(download.get(30, TimeUnit.SECONDS))
                .as("the download that started before the reload")
                .isEqualTo(Digest.ofPattern(size));
    }

    @Test
    void aPortThatIsTakenFailsTheReloadAndTheOldConfigKeepsServing() throws Exception {
        ProxyConfig v2 = v1.withVersion("v2").withListeners(List.of(web.withBackends(List.of(b.backend()))));
        proxy.apply(v2);
        HttpClient client = TestingClients.http11();
        assertThat(answeredBy(client, "/v2")).isEqualTo("b");

        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getByName(TestingPorts.LOOPBACK))) {
            // v3 moves web to c and adds a listener on a port someone else holds: all or nothing.
            ProxyConfig v3 = v2.withVersion("v3")
                    .withListeners(List.of(
                            web.withBackends(List.of(c.backend())),
                            TestingListener.http("extra")
                                    .port(squatter.getLocalPort())
                                    .backends(c.backend())
                                    .build()));
            assertThatThrownBy(() -> proxy.apply(v3))
                    .as("binding a port that is taken")
                    .isInstanceOf(Exception.class);

            assertThat(proxy.config().version()).isEqualTo("v2");
            for (int i = 0; i < 4; i++) {
                assertThat(answeredBy(client, "/still-v2-" + i)).isEqualTo("b");
                assertThat(answeredBy(TestingClients.http11(), "/still-v2-fresh-" + i))
                        .isEqualTo("b");
            }
        }
        assertThat(c.requestCount())
                .as("nothing of the refused config took effect")
                .isZero();

        // And once the port is free, the same config applies.
        proxy.apply(v2.withVersion("v4").withListeners(List.of(web.withBackends(List.of(c.backend())))));
        assertThat(answeredBy(TestingClients.http11(), "/v4")).isEqualTo("c");
    }

    @Test
    void aListenerAddedByReloadServesAndARemovedOneStopsAccepting() throws Exception {
        int extraPort = TestingPorts.free();
        Listener extra = TestingListener.http("extra")
                .port(extraPort)
                .backends(b.backend())
                .build();
        proxy.apply(v1.withVersion("v2").withListeners(List.of(web, extra)));
        HttpResponse<String> r = TestingClients.getText(TestingClients.http11(), proxy.uri("extra", "/x"));
        assertThat(r.headers().firstValue("X-Backend")).hasValue("b");

        try (TestingConnection open = TestingConnection.open(extraPort)) {
            proxy.apply(v1.withVersion("v3"));
            // The server socket closes asynchronously; give it a moment.
            boolean refused = false;
            for (int i = 0; i < 100 && !refused; i++) {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress(TestingPorts.LOOPBACK, extraPort), 1_000);
                    Thread.sleep(20);
                } catch (IOException e) {
                    refused = true;
                }
            }
            assertThat(refused)
                    .as("the removed listener's port refuses new connections")
                    .isTrue();
            open.send("GET /accepted-before-removal HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response onOld = open.readResponse();
            assertThat(onOld.status())
                    .as("a connection accepted before the listener went away carries on")
                    .isEqualTo(200);
        }
        assertThat(answeredBy(TestingClients.http11(), "/web")).isEqualTo("a");
    }
}
