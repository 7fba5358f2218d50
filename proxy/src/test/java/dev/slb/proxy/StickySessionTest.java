package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.BackendGroup;
import dev.slb.model.ForwardingRule;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.StickySession;
import dev.slb.model.Tls;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingRawClient;
import dev.slb.proxy.testing.TestingRawClient.Answer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sticky sessions across replicas, on real sockets: two proxies fed the same config (two replicas
 * of one LoadBalancer, sharing nothing) keep one client on one backend by the cookie either of them
 * set, and move it, with a new cookie, when that backend goes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StickySessionTest {
    private static final int REQUESTS = 1000;
    private final List<TestingBackend> backends = new ArrayList<>();
    private TestingProxy one;
    private TestingProxy two;

    @BeforeEach
    void start() {
        for (String name : List.of("a", "b", "c")) {
            backends.add(TestingBackend.start(name));
        }
    }

    @AfterEach
    void stop() {
        for (TestingProxy p : new TestingProxy[] {one, two}) {
            if (p != null) {
                p.close();
            }
        }
        backends.forEach(TestingBackend::close);
    }

    private Listener web(StickySession sticky, List<Backend> to) {
        return TestingListener.http("web").backends(to.toArray(Backend[]::new)).build().toBuilder()
                .stickySession(sticky)
                .build();
    }

    private List<Backend> all() {
        return backends.stream().map(TestingBackend::backend).toList();
    }

    /** Each replica binds its own port: the same config but for the listener's port and the admin port. */
    private static ProxyConfig replica(Listener web, String version) {
        return TestingProxy.config(version, web.withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free()));
    }

    @Test
    void insertKeepsOneClientOnOneBackendThroughTwoReplicasAndMovesItWhenItsBackendGoes() throws Exception {
        StickySession sticky = new StickySession(StickySession.Type.INSERT, null, Duration.ofSeconds(600), "uid-1");
        Listener web = web(sticky, all());
        one = TestingProxy.start(replica(web, "v1"));
        two = TestingProxy.start(replica(web, "v1"));

        String cookie;
        String backend;
        try (TestingRawClient c = TestingRawClient.open(one.port("web"), false)) {
            Answer first = c.request("GET", "/first", "shop.example.com");
            backend = first.header("X-Backend");
            cookie = first.header("Set-Cookie");
        }
        assertThat(cookie)
                .as("HttpOnly, SameSite=Lax by default, and not Secure on an HTTP listener")
                .matches("SERVERID=[0-9a-f]{16}; Max-Age=600; Expires=.*; Path=/; HTTPOnly; SameSite=Lax");
        assertThat(cookie).as("the tag never shows the address").doesNotContain("127.0.0.1");
        String value = cookie.substring(0, cookie.indexOf(';'));

        Set<String> servedBy = new HashSet<>();
        int setAgain = 0;
        try (TestingRawClient viaOne = TestingRawClient.open(one.port("web"), false);
                TestingRawClient viaTwo = TestingRawClient.open(two.port("web"), false)) {
            for (int i = 0; i < REQUESTS; i++) {
                Answer a =
                        (i % 2 == 0 ? viaOne : viaTwo).request("GET", "/r" + i, "shop.example.com", "Cookie: " + value);
                servedBy.add(a.header("X-Backend"));
                if (a.header("Set-Cookie") != null) {
                    setAgain++;
                }
            }
        }
        assertThat(servedBy)
                .as("the backends that answered %d requests over both replicas", REQUESTS)
                .containsExactly(backend);
        assertThat(setAgain)
                .as("a cookie naming a serving backend is not set again")
                .isZero();

        // That backend leaves the config of both replicas.
        List<Backend> rest = new ArrayList<>(all());
        rest.removeIf(b -> backends.stream().anyMatch(t -> t.name().equals(backend) && t.port() == b.port()));
        Listener without = web(sticky, rest);
        one.apply(one.config()
                .withVersion("v2")
                .withListeners(List.of(without.withBindAddress(TestingPorts.LOOPBACK, one.port("web")))));
        two.apply(two.config()
                .withVersion("v2")
                .withListeners(List.of(without.withBindAddress(TestingPorts.LOOPBACK, two.port("web")))));

        String moved;
        String newCookie;
        try (TestingRawClient c = TestingRawClient.open(two.port("web"), false)) {
            Answer a = c.request("GET", "/after", "shop.example.com", "Cookie: " + value);
            moved = a.header("X-Backend");
            newCookie = a.header("Set-Cookie");
        }
        assertThat(moved).isNotEqualTo(backend);
        assertThat(newCookie)
                .as("the cookie follows the move")
                .startsWith("SERVERID=")
                .doesNotStartWith(value + ";");
        String newValue = newCookie.substring(0, newCookie.indexOf(';'));
        try (TestingRawClient c = TestingRawClient.open(one.port("web"), false)) {
            for (int i = 0; i < 20; i++) {
                assertThat(c.request("GET", "/next" + i, "shop.example.com", "Cookie: " + newValue)
                                .header("X-Backend"))
                        .isEqualTo(moved);
            }
        }
    }

    @Test
    void anHttpsListenersCookieIsSecureWithTheSameSiteItIsGiven() throws Exception {
        StickySession sticky = new StickySession(
                StickySession.Type.INSERT, null, Duration.ofSeconds(600), "uid-1", StickySession.SameSite.NONE);
        Tls tls = new Tls(
                Path.of("examples/certs/tls.crt").toAbsolutePath().toString(),
                Path.of("examples/certs/tls.key").toAbsolutePath().toString(),
                null);
        Listener secure = Listener.builder("secure", Protocol.HTTPS, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .tls(tls)
                .backends(all())
                .stickySession(sticky)
                .build();
        one = TestingProxy.start(TestingProxy.config("v1", secure));

        try (TestingRawClient c = TestingRawClient.open(one.port("secure"), true)) {
            assertThat(c.request("GET", "/", "shop.example.com").header("Set-Cookie"))
                    .matches("SERVERID=[0-9a-f]{16}; Max-Age=600; Expires=.*; Path=/; Secure; HTTPOnly; SameSite=None");
        }
    }

    @Test
    void aClientWhoseRequestsGoToTwoGroupsKeepsABackendInEach() throws Exception {
        StickySession sticky = new StickySession(StickySession.Type.INSERT, null, Duration.ofSeconds(600), "uid-1");
        Listener web = web(sticky, all().subList(0, 2)).toBuilder()
                .backendGroups(List.of(new BackendGroup("assets", null, all().subList(2, 3))))
                .rules(List.of(new ForwardingRule(null, "/assets", "assets")))
                .build();
        one = TestingProxy.start(replica(web, "v1"));

        try (TestingRawClient c = TestingRawClient.open(one.port("web"), false)) {
            Answer page = c.request("GET", "/", "shop.example.com");
            String pageCookie = page.header("Set-Cookie");
            assertThat(pageCookie).startsWith("SERVERID=");
            Answer asset = c.request(
                    "GET",
                    "/assets/app.js",
                    "shop.example.com",
                    "Cookie: " + pageCookie.substring(0, pageCookie.indexOf(';')));
            assertThat(asset.header("X-Backend")).isEqualTo("c");
            String assetCookie = asset.header("Set-Cookie");
            assertThat(assetCookie)
                    .as("the group's own cookie, leaving the page's alone")
                    .startsWith("SERVERID-assets=");
            String both = pageCookie.substring(0, pageCookie.indexOf(';')) + "; "
                    + assetCookie.substring(0, assetCookie.indexOf(';'));
            for (int i = 0; i < 20; i++) {
                Answer again = c.request(
                        "GET", i % 2 == 0 ? "/p" + i : "/assets/a" + i, "shop.example.com", "Cookie: " + both);
                assertThat(again.header("X-Backend")).isEqualTo(i % 2 == 0 ? page.header("X-Backend") : "c");
                assertThat(again.header("Set-Cookie"))
                        .as("nothing to set again")
                        .isNull();
            }
        }
    }

    @Test
    void serverModeCarriesTheTagInTheBackendsOwnCookieAndTheBackendSeesItsOwnValue() throws Exception {
        StickySession sticky = new StickySession(StickySession.Type.SERVER, "JSESSIONID", null, "uid-1");
        Listener web = web(sticky, all());
        one = TestingProxy.start(replica(web, "v1"));
        two = TestingProxy.start(replica(web, "v1"));

        Answer first;
        try (TestingRawClient c = TestingRawClient.open(one.port("web"), false)) {
            first = c.request("GET", "/set-cookie", "h");
        }
        String backend = first.header("X-Backend");
        String setCookie = first.header("Set-Cookie");
        assertThat(setCookie).matches("JSESSIONID=[0-9a-f]{16}~" + backend + "-session; Path=/; HttpOnly");
        String value = setCookie.substring(0, setCookie.indexOf(';'));

        try (TestingRawClient c = TestingRawClient.open(two.port("web"), false)) {
            for (int i = 0; i < 30; i++) {
                Answer a = c.request("GET", "/set-cookie", "h", "Cookie: theme=dark; " + value);
                assertThat(a.header("X-Backend")).isEqualTo(backend);
                assertThat(a.body())
                        .as("the backend gets its own value back, the other cookies untouched")
                        .isEqualTo("cookie: theme=dark; JSESSIONID=" + backend + "-session\n");
            }
        }
    }
}
