package dev.slb.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.slb.model.BackendHealthReport;
import dev.slb.model.ProxyContract;
import dev.slb.model.ReloadReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HttpProxyVersions against real HTTP servers on 127.0.0.1 standing in for proxy pods' admin ports. */
@Timeout(30)
class HttpProxyVersionsTest {
    private static final ResourceID LB = new ResourceID("demo", "default");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** Short timings, so the test sees several asks in moments. */
    private static final HttpProxyVersions.Timing FAST = new HttpProxyVersions.Timing(
            Duration.ofMillis(20), Duration.ofMillis(200), 1.5, Duration.ofSeconds(2), Duration.ofSeconds(1));

    private final List<HttpServer> servers = new ArrayList<>();
    private final BlockingQueue<ResourceID> changes = new LinkedBlockingQueue<>();
    private HttpProxyVersions versions;

    @AfterEach
    void stop() {
        if (versions != null) {
            versions.close();
        }
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void nothingIsKnownAtFirstAndEveryAnswerThatChangesItIsAnnounced() throws Exception {
        Pod a = pod("demo-proxy-a", answering(() -> "v1", new AtomicInteger()));
        Pod b = pod("demo-proxy-b", answering(() -> "v1", new AtomicInteger()));
        versions = start();

        Map<String, String> first = versions.observe(LB, "v1", targets(a, b));

        assertThat(first).containsOnlyKeys("demo-proxy-a", "demo-proxy-b").containsValues((String) null);
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(versions.observe(LB, "v1", targets(a, b)))
                .containsEntry("demo-proxy-a", "v1")
                .containsEntry("demo-proxy-b", "v1");
    }

    @Test
    void aReplicaBehindIsAskedAgainSoonAndOneOnTheVersionSeldom() throws Exception {
        AtomicReference<String> serving = new AtomicReference<>("v1");
        AtomicInteger asked = new AtomicInteger();
        Pod a = pod("demo-proxy-a", answering(serving::get, asked));
        versions = start();
        versions.observe(LB, "v2", targets(a));
        assertThat(changes.poll(5, TimeUnit.SECONDS)).as("v1 reported").isEqualTo(LB);

        // Behind: asked again and again while it stays on v1.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (asked.get() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(asked.get()).as("asks while behind").isGreaterThanOrEqualTo(4);

        serving.set("v2");
        assertThat(changes.poll(5, TimeUnit.SECONDS)).as("v2 reported").isEqualTo(LB);
        assertThat(versions.observe(LB, "v2", targets(a))).containsEntry("demo-proxy-a", "v2");
        int onceCurrent = asked.get();
        // On the version: the next ask waits the verification period (2 s here), so none comes in the next second.
        Thread.sleep(1000);
        assertThat(asked.get()).as("asks in the second after it reported v2").isEqualTo(onceCurrent);
    }

    @Test
    void aNewConfigMakesTheReplicasBeAskedAgainAtOnce() throws Exception {
        AtomicReference<String> serving = new AtomicReference<>("v1");
        Pod a = pod("demo-proxy-a", answering(serving::get, new AtomicInteger()));
        versions = start();
        versions.observe(LB, "v1", targets(a));
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);

        serving.set("v2");
        versions.observe(LB, "v2", targets(a));

        assertThat(changes.poll(5, TimeUnit.SECONDS))
                .as("asked again well before the 2 s verification period")
                .isEqualTo(LB);
        assertThat(versions.observe(LB, "v2", targets(a))).containsEntry("demo-proxy-a", "v2");
    }

    @Test
    void aReplicaThatDoesNotAnswerIsUnknownAndOthersAreNotHeldUp() throws Exception {
        Pod a = pod("demo-proxy-a", answering(() -> "v1", new AtomicInteger()));
        Pod silent = new PodBuilder(podAt("demo-proxy-b", "127.0.0.1:1")).build();
        versions = start();

        versions.observe(LB, "v1", targets(a, silent));

        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(versions.observe(LB, "v1", targets(a, silent)))
                .containsEntry("demo-proxy-a", "v1")
                .containsEntry("demo-proxy-b", null);
    }

    @Test
    void anAnswerWithoutTheVersionHeaderIsUnknown() throws Exception {
        AtomicReference<String> serving = new AtomicReference<>("v1");
        Pod a = pod("demo-proxy-a", answering(serving::get, new AtomicInteger()));
        versions = start();
        versions.observe(LB, "v1", targets(a));
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);

        serving.set(null);
        versions.observe(LB, "v2", targets(a));

        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(versions.observe(LB, "v2", targets(a))).containsEntry("demo-proxy-a", null);
    }

    @Test
    void replicasNoLongerReadyAreForgotten() throws Exception {
        Pod a = pod("demo-proxy-a", answering(() -> "v1", new AtomicInteger()));
        Pod b = pod("demo-proxy-b", answering(() -> "v1", new AtomicInteger()));
        versions = start();
        versions.observe(LB, "v1", targets(a, b));
        assertThat(versions.followed()).isEqualTo(2);

        assertThat(versions.observe(LB, "v1", targets(b))).containsOnlyKeys("demo-proxy-b");
        assertThat(versions.followed()).isEqualTo(1);
        versions.observe(new ResourceID("other", "default"), "v1", targets(a));
        assertThat(versions.followed())
                .as("another instance's replicas are its own")
                .isEqualTo(2);
    }

    @Test
    void theAdminUriIsThePodIpOnTheAdminPort() {
        assertThat(HttpProxyVersions.adminConfigUri(podWithIp("10.0.0.7")))
                .isEqualTo(URI.create("http://10.0.0.7:9901/config"));
        assertThat(HttpProxyVersions.adminConfigUri(podWithIp("fd00::7")))
                .isEqualTo(URI.create("http://[fd00::7]:9901/config"));
        assertThat(HttpProxyVersions.adminConfigUri(podWithIp(null))).isNull();
    }

    private HttpProxyVersions start() {
        HttpProxyVersions v = new HttpProxyVersions(FAST);
        v.onChange(changes::add);
        return v;
    }

    @Test
    void backendHealthIsReadOnTheSameVisitAndAChangeIsAnnounced() throws Exception {
        AtomicReference<String> health = new AtomicReference<>("web\t10.0.0.7\t8080\tunhealthy\tstatus 404\n");
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.createContext("/config", exchange -> {
            exchange.getResponseHeaders().add(HttpProxyVersions.VERSION_HEADER, "v1");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext(ProxyContract.BACKENDS_PATH, exchange -> {
            byte[] body = health.get().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        servers.add(server);
        Pod a = pod("demo-proxy-a", server.getAddress().getPort());
        versions = start();

        versions.observe(LB, "v1", targets(a));
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(versions.health(LB).get("demo-proxy-a").backends())
                .containsExactly(new BackendHealthReport.Entry("web", "10.0.0.7", 8080, false, "status 404"));

        health.set("web\t10.0.0.7\t8080\thealthy\t\n");
        versions.observe(LB, "v1", targets(a));
        // The next visit comes within the verification period (2 s here) and announces the change.
        assertThat(changes.poll(10, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(versions.health(LB).get("demo-proxy-a").backends())
                .containsExactly(new BackendHealthReport.Entry("web", "10.0.0.7", 8080, true, null));
    }

    @Test
    void reloadsAreReadOncePerVersionAndAskedAgainSoonWhileTheVersionIsMissing() throws Exception {
        AtomicReference<String> reloads = new AtomicReference<>("{\"reloads\":[]}");
        AtomicInteger configAsked = new AtomicInteger();
        AtomicInteger reloadsAsked = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.createContext("/config", exchange -> {
            configAsked.incrementAndGet();
            exchange.getResponseHeaders().add(HttpProxyVersions.VERSION_HEADER, "v1");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext(ProxyContract.RELOADS_PATH, exchange -> {
            reloadsAsked.incrementAndGet();
            byte[] body = reloads.get().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        servers.add(server);
        Pod a = pod("demo-proxy-a", server.getAddress().getPort());
        versions = start();

        versions.observe(LB, "v1", targets(a));
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(versions.reloads(LB))
                .as("its answer lacks v1: not known yet")
                .isEmpty();

        // The proxy records v1 a moment late: the next visits (soon, not in 2 s) read /reloads again.
        reloads.set(new ReloadReport(
                        true, List.of(new ReloadReport.Reload("v1", Instant.EPOCH, Duration.ofMillis(1), 5, 0, 0)))
                .write());
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);
        assertThat(versions.reloads(LB).get("demo-proxy-a").applied("v1"))
                .hasValueSatisfying(r -> assertThat(r.kept()).isEqualTo(5));

        // Known now: a later visit (within 2.4 s here) asks /config and not /reloads.
        int reloadsThen = reloadsAsked.get();
        int configThen = configAsked.get();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (configAsked.get() < configThen + 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(configAsked.get()).as("a later visit").isGreaterThan(configThen);
        assertThat(reloadsAsked.get()).isEqualTo(reloadsThen);
    }

    @Test
    void aReplicaWithoutReloadsIsSaidToReportNone() throws Exception {
        Pod a = pod("demo-proxy-a", answering(() -> "v1", new AtomicInteger()));
        versions = start();

        versions.observe(LB, "v1", targets(a));
        assertThat(changes.poll(5, TimeUnit.SECONDS)).isEqualTo(LB);

        assertThat(versions.reloads(LB)).containsEntry("demo-proxy-a", ReloadReport.UNAVAILABLE);
    }

    private static List<ProxyVersions.Target> targets(Pod... pods) {
        List<ProxyVersions.Target> targets = new ArrayList<>();
        for (Pod p : pods) {
            targets.add(new ProxyVersions.Target(
                    p.getMetadata().getName(),
                    URI.create("http://" + p.getStatus().getPodIP() + "/config")));
        }
        return targets;
    }

    /** A server answering GET /config with the version header (none while the version is null); its port. */
    private int answering(Supplier<String> version, AtomicInteger asked) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.createContext("/config", exchange -> {
            asked.incrementAndGet();
            String v = version.get();
            if (v != null) {
                exchange.getResponseHeaders().add(HttpProxyVersions.VERSION_HEADER, v);
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    /** The test's stand-in: the pod "IP" carries the server's port, as the URI the reconciler would build. */
    private static Pod pod(String name, int port) {
        return podAt(name, "127.0.0.1:" + port);
    }

    private static Pod podAt(String name, String hostAndPort) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewStatus()
                .withPodIP(hostAndPort)
                .endStatus()
                .build();
    }

    private static Pod podWithIp(String ip) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("p")
                .endMetadata()
                .withNewStatus()
                .withPodIP(ip)
                .endStatus()
                .build();
    }
}
