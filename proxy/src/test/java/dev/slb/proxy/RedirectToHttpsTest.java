package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Redirect;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingRawClient;
import dev.slb.proxy.testing.TestingRawClient.Answer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An HTTP listener that redirects to HTTPS, on real sockets: status, Location, WebSocket upgrades, no backend touched. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedirectToHttpsTest {
    private TestingBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestingBackend.start("web");
        Listener web = Listener.builder("web", Protocol.HTTP, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .backends(List.of(backend.backend()))
                .redirect(new Redirect(8443))
                .build();
        proxy = TestingProxy.start(web);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    @Test
    void getAndHeadAre301AndOtherMethods308WithHostPathAndQueryKept() throws Exception {
        try (TestingRawClient c = TestingRawClient.open(proxy.port("web"), false)) {
            Answer get = c.request("GET", "/cart/items?id=7&x", "shop.example.com:80");
            assertThat(get.status()).isEqualTo(301);
            assertThat(get.header("Location")).isEqualTo("https://shop.example.com:8443/cart/items?id=7&x");

            Answer head = c.request("HEAD", "/", "shop.example.com");
            assertThat(head.status()).isEqualTo(301);
            assertThat(head.header("Location")).isEqualTo("https://shop.example.com:8443/");

            Answer post = c.request("POST", "/checkout", "shop.example.com", "Content-Length: 0");
            assertThat(post.status()).isEqualTo(308);
            assertThat(post.header("Location")).isEqualTo("https://shop.example.com:8443/checkout");
        }
        assertThat(backend.requestCount()).as("nothing is forwarded").isZero();
    }

    @Test
    void aWebSocketUpgradeIsRedirectedToo() throws Exception {
        try (TestingRawClient c = TestingRawClient.open(proxy.port("web"), false)) {
            Answer a = c.upgrade("/ws?room=1", "chat.example.com");
            assertThat(a.status()).isEqualTo(301);
            assertThat(a.header("Location")).isEqualTo("https://chat.example.com:8443/ws?room=1");
        }
        assertThat(backend.requestCount()).isZero();
    }
}
