package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.BackendGroup;
import dev.slb.model.ForwardingRule;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.SchedulerKind;
import dev.slb.model.Tls;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.testing.TestingRawClient;
import dev.slb.proxy.testing.TestingRawClient.Answer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Backend groups and forwarding rules on real sockets: one HTTPS listener sends requests and
 * WebSocket upgrades to its groups by host and by path, the rest to its default group, and a reload
 * that changes the rules keeps every WebSocket open with nothing lost.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendGroupRoutingTest {
    private static final Path CERTS = Path.of("examples/certs");
    private static final int HELD = 4;

    private TestingBackend web;
    private TestingBackend api;
    private DemoBackend chat;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        web = TestingBackend.start("web");
        api = TestingBackend.start("api");
        chat = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "chat");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        web.close();
        api.close();
        chat.close();
    }

    private Listener secure(List<ForwardingRule> rules) {
        Tls tls = new Tls(
                CERTS.resolve("tls.crt").toAbsolutePath().toString(),
                CERTS.resolve("tls.key").toAbsolutePath().toString(),
                null);
        return Listener.builder("secure", Protocol.HTTPS, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .tls(tls)
                .backends(List.of(web.backend()))
                .backendGroups(List.of(
                        new BackendGroup("api", SchedulerKind.RR, List.of(api.backend())),
                        new BackendGroup(
                                "chat",
                                null,
                                List.of(new Backend(
                                        TestingPorts.LOOPBACK, chat.address().getPort())))))
                .rules(rules)
                .build();
    }

    private static final List<ForwardingRule> RULES = List.of(
            new ForwardingRule("api.example.test", null, "api"),
            new ForwardingRule("*.example.test", "/ws", "chat"),
            new ForwardingRule(null, "/chat", "chat"));

    private String servedBy(String host, String target) throws Exception {
        try (TestingRawClient c = TestingRawClient.open(proxy.port("secure"), true)) {
            Answer a = c.request("GET", target, host);
            assertThat(a.status()).as("%s%s", host, target).isEqualTo(200);
            return a.header("X-Backend") != null
                    ? a.header("X-Backend")
                    : a.body().split(" ", 2)[0];
        }
    }

    @Test
    void requestsGoToTheGroupTheirHostAndPathPickAndTheRestToTheDefault() throws Exception {
        proxy = TestingProxy.start(TestingProxy.config("v1", secure(RULES)));

        assertThat(servedBy("api.example.test", "/anything")).isEqualTo("api");
        assertThat(servedBy("API.example.test:443", "/chat"))
                .as("the exact host wins")
                .isEqualTo("api");
        assertThat(servedBy("www.example.test", "/ws/room")).isEqualTo("chat");
        assertThat(servedBy("other.test", "/chat/lobby?x=1")).isEqualTo("chat");
        assertThat(servedBy("other.test", "/chatty")).as("not a whole segment").isEqualTo("web");
        assertThat(servedBy("www.example.test", "/")).isEqualTo("web");
    }

    @Test
    void webSocketUpgradesFollowTheSameRules() throws Exception {
        proxy = TestingProxy.start(TestingProxy.config("v1", secure(RULES)));

        try (TestingRawClient c = TestingRawClient.open(proxy.port("secure"), true)) {
            assertThat(c.upgrade("/ws", "www.example.test").status()).isEqualTo(101);
            assertThat(c.echo("hello")).isEqualTo("hello");
        }
        // The same upgrade for the api host goes to api's backend, which does not speak WebSocket.
        try (TestingRawClient c = TestingRawClient.open(proxy.port("secure"), true)) {
            Answer a = c.upgrade("/ws", "api.example.test");
            assertThat(a.status()).isNotEqualTo(101);
            assertThat(a.header("X-Backend")).isEqualTo("api");
        }
    }

    @Test
    void aListenerWithoutADefaultGroupAnswers404ToWhatNoRuleMatches() throws Exception {
        Listener rulesOnly = Listener.builder("web", Protocol.HTTP, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .backendGroups(List.of(new BackendGroup("api", null, List.of(api.backend()))))
                .rules(List.of(new ForwardingRule(null, "/api", "api")))
                .noDefaultGroup(true)
                .build();
        proxy = TestingProxy.start(TestingProxy.config("v1", rulesOnly));

        try (TestingRawClient c = TestingRawClient.open(proxy.port("web"), false)) {
            assertThat(c.request("GET", "/api/x", "h").header("X-Backend")).isEqualTo("api");
            Answer other = c.request("GET", "/other", "h");
            assertThat(other.status()).isEqualTo(404);
            assertThat(other.header("X-SLB-Error")).isEqualTo("NoRoute");
            assertThat(other.body()).contains("no forwarding rule of listener 'web' matches");
        }
        assertThat(web.requestCount()).isZero();
    }

    /** Ways to write a path a backend may read as /admin, or as the root's /admin after climbing out of /public. */
    private static final List<String> ADMIN_BYPASSES = List.of(
            "/x/../admin",
            "/x/%2e%2E/admin",
            "/public/../admin",
            "/public/..;/admin",
            "//admin",
            "/./admin",
            "/%61dmin",
            "/%41DMIN",
            "/ADMIN",
            "/Admin/users",
            "/admin;x",
            "/;x/admin",
            "/../admin",
            "/public/../../admin",
            "/public/..%2fadmin",
            "/public/..%5Cadmin",
            "/public/..\\admin",
            "/public/%252e%252e/admin",
            "/admin%00",
            "/public#/../admin",
            "http://h//admin");

    @Test
    void everyWayToWriteAProtectedPathGoesToItsRuleOrIsRefusedNeverToTheDefault() throws Exception {
        Listener web80 = Listener.builder("web", Protocol.HTTP, TestingPorts.free())
                .bindAddress(TestingPorts.LOOPBACK)
                .backends(List.of(web.backend()))
                .backendGroups(List.of(new BackendGroup("api", null, List.of(api.backend()))))
                .rules(List.of(new ForwardingRule(null, "/admin", "api")))
                .build();
        proxy = TestingProxy.start(TestingProxy.config("v1", web80));

        int refused = 0;
        for (String target : ADMIN_BYPASSES) {
            try (TestingRawClient c = TestingRawClient.open(proxy.port("web"), false)) {
                Answer a = c.request("GET", target, "h");
                if (a.status() == 400) {
                    refused++;
                    assertThat(a.header("X-SLB-Error")).as(target).isEqualTo("AmbiguousPath");
                } else {
                    assertThat(a.header("X-Backend")).as(target).isEqualTo("api");
                }
            }
        }
        assertThat(web.requestCount())
                .as("requests that reached the default group")
                .isZero();
        // The dot segments, the encoded separators, '..' above the root, NUL and '#'; the case, escape,
        // ';' and '//' spellings go to the rule.
        assertThat(refused).as("the ones backends read in different ways").isEqualTo(13);
        try (TestingRawClient c = TestingRawClient.open(proxy.port("web"), false)) {
            Answer a = c.request("GET", "/public/..%2fadmin", "h");
            assertThat(a.header("X-SLB-Error")).isEqualTo("AmbiguousPath");
            assertThat(a.body()).contains("could reach a backend as a different path", "%2F");
        }
        try (TestingRawClient c = TestingRawClient.open(proxy.port("web"), false)) {
            assertThat(c.request("GET", "/docs/a%2Fb", "h").header("X-Backend"))
                    .as("an encoded slash that changes no route is forwarded")
                    .isEqualTo("web");
        }
    }

    @Test
    void aReloadThatChangesTheRulesKeepsEveryWebSocketWithNothingLost() throws Exception {
        proxy = TestingProxy.start(TestingProxy.config("v1", secure(RULES)));
        List<TestingRawClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < HELD; i++) {
                TestingRawClient c = TestingRawClient.open(proxy.port("secure"), true);
                held.add(c);
                assertThat(c.upgrade("/ws", "www.example.test").status()).isEqualTo(101);
            }
            int lost = exchange(held, "before");

            // The chat rules go, api's host rule changes: chat's backend is still in its group.
            ProxyConfig next = proxy.config()
                    .withVersion("v2")
                    .withListeners(List.of(secure(List.of(new ForwardingRule("*.example.test", "/v2", "api")))));
            proxy.apply(next);
            lost += exchange(held, "after");

            assertThat(lost)
                    .as("messages lost (or connections dropped) across the reload")
                    .isZero();
            assertThat(servedBy("www.example.test", "/v2/x")).isEqualTo("api");
            assertThat(servedBy("api.example.test", "/x"))
                    .as("the old rule is gone")
                    .isEqualTo("web");
        } finally {
            for (TestingRawClient c : held) {
                c.close();
            }
        }
    }

    private static int exchange(List<TestingRawClient> held, String tag) {
        int lost = 0;
        for (int i = 0; i < held.size(); i++) {
            try {
                if (!held.get(i).echo(tag + i).equals(tag + i)) {
                    lost++;
                }
            } catch (Exception e) {
                lost++;
            }
        }
        return lost;
    }
}
