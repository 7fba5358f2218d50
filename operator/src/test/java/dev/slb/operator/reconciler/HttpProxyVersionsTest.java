package dev.slb.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.Names;
import dev.slb.operator.reconciler.ProxyVersions.Replica;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HttpProxyVersions against the fabric8 CRUD mock for the pods and real HTTP servers on 127.0.0.1 standing in
 * for the pods' admin ports (the test maps each pod to its server's port).
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(20)
class HttpProxyVersionsTest {
    private static final String NS = "default";
    private static final String LB = "demo";
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    KubernetesClient client;

    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<ServerSocket> silent = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        servers.forEach(s -> s.stop(0));
        for (ServerSocket s : silent) {
            s.close();
        }
    }

    @Test
    void everyReadyPodServingTheCurrentVersion() throws IOException {
        for (String pod : List.of("demo-proxy-c", "demo-proxy-a", "demo-proxy-b")) {
            answering(pod, "v2");
            pod(pod, true);
        }

        assertThat(probe().versions(lb()))
                .containsExactly(
                        new Replica("demo-proxy-a", "v2"),
                        new Replica("demo-proxy-b", "v2"),
                        new Replica("demo-proxy-c", "v2"));
    }

    @Test
    void aStalePodReportsItsOwnVersion() throws IOException {
        answering("demo-proxy-a", "v2");
        answering("demo-proxy-b", "v1");
        pod("demo-proxy-a", true);
        pod("demo-proxy-b", true);

        List<Replica> replicas = probe().versions(lb());

        assertThat(replicas).containsExactly(new Replica("demo-proxy-a", "v2"), new Replica("demo-proxy-b", "v1"));
        assertThat(replicas.get(1).serves("v2")).isFalse();
    }

    @Test
    void podsThatDoNotAnswerAreUnknownAndAreAskedInParallel() throws IOException {
        answering("demo-proxy-a", "v2");
        pod("demo-proxy-a", true);
        List<String> hanging = List.of("demo-proxy-b", "demo-proxy-c", "demo-proxy-d", "demo-proxy-e");
        for (String pod : hanging) {
            notAnswering(pod);
            pod(pod, true);
        }
        HttpProxyVersions versions = probe();

        long start = System.nanoTime();
        List<Replica> replicas = versions.versions(lb());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(replicas).hasSize(5).first().isEqualTo(new Replica("demo-proxy-a", "v2"));
        assertThat(replicas.subList(1, 5)).extracting(Replica::pod).containsExactlyElementsOf(hanging);
        assertThat(replicas.subList(1, 5)).extracting(Replica::version).containsOnlyNulls();
        // Each silent pod times out after 2 s on its own; asked one after another they would take 8 s.
        assertThat(took).isLessThan(HttpProxyVersions.DEADLINE.plusMillis(500));
    }

    @Test
    void theOverallDeadlineEndsTheProbeEvenWhenASinglePodWouldWaitLonger() throws IOException {
        answering("demo-proxy-a", "v2");
        pod("demo-proxy-a", true);
        notAnswering("demo-proxy-b");
        pod("demo-proxy-b", true);
        HttpProxyVersions versions =
                new HttpProxyVersions(client, this::uri, Duration.ofSeconds(30), Duration.ofMillis(500));

        long start = System.nanoTime();
        List<Replica> replicas = versions.versions(lb());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(replicas).containsExactly(new Replica("demo-proxy-a", "v2"), new Replica("demo-proxy-b", null));
        assertThat(took).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void podsThatAreNotReadyOrHaveNoIpOrBelongElsewhereAreNeitherAskedNorListed() throws IOException {
        answering("demo-proxy-a", "v2");
        pod("demo-proxy-a", true);
        answering("demo-proxy-starting", "v1");
        pod("demo-proxy-starting", false);
        answering("demo-proxy-pending", "v1");
        client.pods()
                .inNamespace(NS)
                .resource(new PodBuilder(podNamed("demo-proxy-pending", true))
                        .editStatus()
                        .withPodIP(null)
                        .endStatus()
                        .build())
                .create();
        answering("other-proxy-a", "v1");
        client.pods()
                .inNamespace(NS)
                .resource(new PodBuilder(podNamed("other-proxy-a", true))
                        .editMetadata()
                        .withLabels(Names.selector("other"))
                        .endMetadata()
                        .build())
                .create();

        assertThat(probe().versions(lb())).containsExactly(new Replica("demo-proxy-a", "v2"));
        assertThat(hits.get("demo-proxy-a")).hasValue(1);
        assertThat(hits.get("demo-proxy-starting")).hasValue(0);
        assertThat(hits.get("demo-proxy-pending")).hasValue(0);
        assertThat(hits.get("other-proxy-a")).hasValue(0);
    }

    @Test
    void noReadyPodGivesAnEmptyList() throws IOException {
        answering("demo-proxy-a", "v2");
        pod("demo-proxy-a", false);

        assertThat(probe().versions(lb())).isEmpty();
    }

    @Test
    void anAnswerWithoutTheVersionHeaderIsUnknown() throws IOException {
        answering("demo-proxy-a", null);
        pod("demo-proxy-a", true);

        assertThat(probe().versions(lb())).containsExactly(new Replica("demo-proxy-a", null));
    }

    @Test
    void theAdminUriIsThePodIpOnTheAdminPort() {
        assertThat(HttpProxyVersions.adminConfigUri(podNamed("p", true)))
                .isEqualTo(URI.create("http://10.0.0.7:9901/config"));
        Pod v6 = new PodBuilder(podNamed("p", true))
                .editStatus()
                .withPodIP("fd00::7")
                .endStatus()
                .build();
        assertThat(HttpProxyVersions.adminConfigUri(v6)).isEqualTo(URI.create("http://[fd00::7]:9901/config"));
    }

    private HttpProxyVersions probe() {
        return new HttpProxyVersions(client, this::uri, HttpProxyVersions.REQUEST_TIMEOUT, HttpProxyVersions.DEADLINE);
    }

    private URI uri(Pod pod) {
        return URI.create("http://127.0.0.1:" + ports.get(pod.getMetadata().getName()) + "/config");
    }

    /** A server for the pod that answers GET /config with the version header (none when version is null). */
    private void answering(String pod, String version) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        AtomicInteger count = new AtomicInteger();
        server.createContext("/config", exchange -> {
            count.incrementAndGet();
            if (version != null) {
                exchange.getResponseHeaders().add(HttpProxyVersions.VERSION_HEADER, version);
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        servers.add(server);
        ports.put(pod, server.getAddress().getPort());
        hits.put(pod, count);
    }

    /** A socket that takes connections (in its backlog) but never answers. */
    private void notAnswering(String pod) throws IOException {
        ServerSocket socket = new ServerSocket(0, 50, LOOPBACK);
        silent.add(socket);
        ports.put(pod, socket.getLocalPort());
    }

    private void pod(String name, boolean ready) {
        client.pods().inNamespace(NS).resource(podNamed(name, ready)).create();
    }

    private static Pod podNamed(String name, boolean ready) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(Names.selector(LB))
                .endMetadata()
                .withNewStatus()
                .withPodIP("10.0.0.7")
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .endCondition()
                .endStatus()
                .build();
    }

    private static LoadBalancer lb() {
        LoadBalancer lb = new LoadBalancer();
        lb.setMetadata(new ObjectMetaBuilder().withName(LB).withNamespace(NS).build());
        return lb;
    }
}
