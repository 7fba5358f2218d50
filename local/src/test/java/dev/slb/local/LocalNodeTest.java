package dev.slb.local;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.slb.local.apiserver.LocalApiServer;
import dev.slb.local.kube.AddressPool;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The local kubelet against a real API server, with real proxy processes, a real backend and
 * clients on real sockets: what a user sees of Deployments, Pods and LoadBalancer Services.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalNodeTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final String NS = "default";
    /** The port on 127.B.2.254 where a run of this class listens to claim block B while it runs. */
    private static final int CLAIM_PORT = 9999;

    private static final int WEB_PORT = 10080;
    private static final int SERVICE_PORT = 8080;
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The address block (127.B.x.y) this run claimed, away from a local/bin/up beside the tests
     * (block 0) and from other runs of this class, in other checkouts or CI on the same machine;
     * within it, subnets LocalCluster leaves alone (it takes 127.B.0.x and 127.B.1.x), so that
     * LocalClusterStoryTest may share the block.
     */
    private static ServerSocket claim;

    private static String serviceSubnet;
    private static String podSubnet;
    private static String backendAddress;
    private static Path work;
    private static LocalApiServer apiServer;
    private static KubernetesClient client;
    private static EventLoopGroup network;
    private static LocalNode kubelet;
    private static HttpServer backend;
    private static ExecutorService backendThreads;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /**
     * Every proxy process seen, by PID, as first seen: a handle knows its process's start time, so
     * it neither reports nor kills another process that reuses the PID. None outlives the class.
     */
    private static final Map<Long, ProcessHandle> processes = new ConcurrentHashMap<>();

    private final List<String> apps = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    static void start() throws Exception {
        Path jar = REPO.resolve("proxy/target/slb-proxy.jar");
        assertThat(jar)
                .as("build the proxy first: mvn -q -B -DskipTests install")
                .isRegularFile();
        int block = claimBlock();
        serviceSubnet = "127." + block + ".2.";
        podSubnet = "127." + block + ".3.";
        backendAddress = "127." + block + ".4.1";
        work = Files.createTempDirectory("slb-kubelet");
        backendThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-backend");
            t.setDaemon(true);
            return t;
        });
        backend = HttpServer.create(new InetSocketAddress(backendAddress, 0), 64);
        backend.createContext("/", exchange -> {
            byte[] body = ("backend saw " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n")
                    .getBytes(UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        backend.setExecutor(backendThreads);
        backend.start();

        apiServer = new LocalApiServer().start(0);
        Path kubeconfig = apiServer.writeKubeconfig(work.resolve("kubeconfig"));
        client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(apiServer.url())
                        .withNamespace(NS)
                        .withRequestTimeout(20_000)
                        .build())
                .build();
        network = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        kubelet = new LocalNode(
                client,
                new LocalNode.Settings(
                        work.resolve("pods"),
                        List.of(REPO.resolve("proxy/bin/slb-proxy").toString()),
                        Map.of("KUBECONFIG", kubeconfig.toString(), "SLB_PROXY_JAR", jar.toString()),
                        new AddressPool(block, 3, 1, 50),
                        new AddressPool(block, 2, 1, 20),
                        network,
                        Clock.systemUTC()));
        kubelet.start();
    }

    /**
     * Claims a block by listening on 127.B.2.254 (outside the Service pool): a second listener
     * cannot bind it, and the claim ends with this JVM however it ends. The PID picks where to start
     * looking, which a concurrent run may share; the claim is what keeps two runs apart.
     */
    private static int claimBlock() throws IOException {
        int start = (int) (ProcessHandle.current().pid() % 150);
        for (int i = 0; i < 150; i++) {
            int block = 100 + (start + i) % 150;
            ServerSocket socket = new ServerSocket();
            try {
                socket.bind(new InetSocketAddress("127." + block + ".2.254", CLAIM_PORT));
                claim = socket;
                return block;
            } catch (IOException taken) {
                socket.close();
            }
        }
        throw new IOException("every address block 127.100-249.x.y is claimed by another run of this test");
    }

    @AfterEach
    void deleteWhatTheTestCreated() {
        for (String app : apps) {
            client.apps().deployments().inNamespace(NS).withName(app).delete();
            client.services().inNamespace(NS).withName(app).delete();
            client.configMaps().inNamespace(NS).withName(app + "-config").delete();
        }
        eventually(Duration.ofSeconds(20), () -> {
            assertThat(kubelet.podNames()).as("pods the kubelet still runs").isEmpty();
            assertThat(client.pods().inNamespace(NS).list().getItems())
                    .as("Pod objects")
                    .isEmpty();
            assertThat(processes.keySet()).as("proxy processes still alive").noneMatch(LocalNodeTest::alive);
        });
    }

    @AfterAll
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    static void stop() throws IOException {
        if (kubelet != null) {
            kubelet.close();
        }
        processes.values().forEach(ProcessHandle::destroyForcibly);
        if (client != null) {
            client.close();
        }
        if (network != null) {
            network.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (apiServer != null) {
            apiServer.close();
        }
        if (backend != null) {
            backend.stop(0);
            backendThreads.shutdownNow();
        }
        if (work != null) {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (claim != null) {
            claim.close();
        }
    }

    // --- the tests ---

    @Test
    void eachReplicaRunsAsAProcessOnItsOwnAddressAndTheServiceSpreadsConnectionsOverThem() throws Exception {
        String app = create("spread", 2);

        List<Pod> pods = awaitReadyPods(app, 2, null);
        for (Pod pod : pods) {
            assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
            assertThat(pod.getStatus().getPodIP()).startsWith(podSubnet);
            assertThat(hostPart(pod.getStatus().getPodIP())).isBetween(1, 50);
            assertThat(pod.getStatus().getContainerStatuses().get(0).getContainerID())
                    .matches("local://\\d+");
            assertThat(alive(pid(pod)))
                    .as("process of %s", pod.getMetadata().getName())
                    .isTrue();
            assertThat(pod.getMetadata().getOwnerReferences())
                    .singleElement()
                    .satisfies(o -> assertThat(o.getName()).isEqualTo(app));
        }
        assertThat(pods).extracting(p -> p.getStatus().getPodIP()).doesNotHaveDuplicates();
        awaitDeploymentStatus(app, 2, 2, 2);

        String ip = awaitServiceAddress(app);
        assertThat(ip).startsWith(serviceSubnet);
        assertThat(getThroughService(ip, "/hello").body()).isEqualTo("backend saw GET /hello\n");

        // Connections held open through the Service show up on the pods' admin ports, one pod each way.
        List<Http1> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Http1 c = new Http1(ip, SERVICE_PORT);
                held.add(c);
                assertThat(c.get("/held/" + i).status()).isEqualTo(200);
            }
            eventually(Duration.ofSeconds(5), () -> {
                Map<String, Integer> perPod = new HashMap<>();
                for (Pod pod : pods) {
                    JsonNode config = admin(pod.getStatus().getPodIP(), "/config");
                    perPod.put(
                            pod.getMetadata().getName(),
                            config.get("connections").asInt());
                }
                assertThat(perPod.values())
                        .as("client connections per pod: %s", perPod)
                        .allMatch(n -> n > 0);
                assertThat(perPod.values().stream().mapToInt(Integer::intValue).sum())
                        .isEqualTo(held.size());
            });
        } finally {
            for (Http1 c : held) {
                c.close();
            }
        }
    }

    @Test
    void aPodTemplateChangeRollsThePodsSurgeFirstWithoutAFailedRequest() throws Exception {
        String app = create("roll", 2);
        List<Pod> before = awaitReadyPods(app, 2, null);
        String oldHash = hash(before.get(0));
        List<Long> oldPids = before.stream().map(LocalNodeTest::pid).toList();
        String ip = awaitServiceAddress(app);

        List<Event> events = Collections.synchronizedList(new ArrayList<>());
        try (Watch watch = client.pods().inNamespace(NS).withLabel("app", app).watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                        events.add(new Event(action, pod.getMetadata().getName(), hash(pod), ready(pod)));
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                });
                Traffic traffic = new Traffic(ip, SERVICE_PORT)) {
            traffic.awaitRequests(20);
            client.apps().deployments().inNamespace(NS).withName(app).edit(d -> {
                d.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("slb.dev/restartedAt", "now"));
                return d;
            });

            List<Pod> after = awaitReadyPods(app, 2, oldHash);
            eventually(
                    SETTLE, () -> assertThat(oldPids).as("old proxy processes").noneMatch(LocalNodeTest::alive));
            traffic.awaitRequests(traffic.requests() + 20);
            traffic.close();

            assertThat(traffic.failures())
                    .as("failed requests out of %d", traffic.requests())
                    .isEmpty();
            String newHash = hash(after.get(0));
            assertThat(newHash).isNotEqualTo(oldHash);
            assertThat(after).extracting(LocalNodeTest::hash).containsOnly(newHash);
            assertThat(after).extracting(LocalNodeTest::pid).doesNotContainAnyElementsOf(oldPids);
            awaitDeploymentStatus(app, 2, 2, 2);
            assertThat(client.apps()
                            .deployments()
                            .inNamespace(NS)
                            .withName(app)
                            .get()
                            .getMetadata()
                            .getGeneration())
                    .as("generation after one spec change")
                    .isEqualTo(2L);

            List<Event> seen = List.copyOf(events);
            int firstNewPod = indexOf(seen, e -> e.hash().equals(newHash));
            int firstOldStopping = indexOf(
                    seen, e -> e.hash().equals(oldHash) && (!e.ready() || e.action() == Watcher.Action.DELETED));
            assertThat(firstNewPod).as("a new pod in %s", seen).isNotNegative();
            assertThat(firstOldStopping).as("an old pod stopping in %s", seen).isNotNegative();
            assertThat(firstNewPod)
                    .as("the new pod appears before an old one stops: %s", seen)
                    .isLessThan(firstOldStopping);
            for (Pod old : before) {
                assertThat(Files.readString(podDir(old).resolve("proxy.log")))
                        .as("log of %s: SIGTERM drains", old.getMetadata().getName())
                        .contains("draining: /readyz reports not ready")
                        .contains("drained and stopped");
            }
            assertThat(client.pods()
                            .inNamespace(NS)
                            .withLabel("app", app)
                            .list()
                            .getItems())
                    .extracting(p -> p.getMetadata().getName())
                    .doesNotContainAnyElementsOf(
                            before.stream().map(p -> p.getMetadata().getName()).toList());
        }
    }

    @Test
    void scalingDownTerminatesAPodAndTheStatusFollows() throws Exception {
        String app = create("scale", 2);
        List<Pod> before = awaitReadyPods(app, 2, null);
        awaitDeploymentStatus(app, 2, 2, 2);

        client.apps().deployments().inNamespace(NS).withName(app).edit(d -> {
            d.getSpec().setReplicas(1);
            return d;
        });

        List<Pod> after = awaitReadyPods(app, 1, null);
        assertThat(before)
                .extracting(p -> p.getMetadata().getName())
                .contains(after.get(0).getMetadata().getName());
        eventually(
                SETTLE,
                () -> assertThat(before.stream().map(LocalNodeTest::pid).filter(LocalNodeTest::alive))
                        .as("proxy processes left")
                        .containsExactly(pid(after.get(0))));
        awaitDeploymentStatus(app, 1, 1, 1);
        getThroughService(awaitServiceAddress(app), "/after-scale");
    }

    @Test
    void aProcessThatDiesIsRestartedAndCounted() throws Exception {
        String app = create("restart", 1);
        Pod pod = awaitReadyPods(app, 1, null).get(0);
        long first = pid(pod);
        assertThat(pod.getStatus().getContainerStatuses().get(0).getRestartCount())
                .isZero();

        assertThat(tracked(first).destroyForcibly()).isTrue();

        eventually(SETTLE, () -> {
            Pod now = client.pods()
                    .inNamespace(NS)
                    .withName(pod.getMetadata().getName())
                    .get();
            assertThat(now).as("the Pod object, kept across the restart").isNotNull();
            assertThat(now.getStatus().getContainerStatuses().get(0).getRestartCount())
                    .isEqualTo(1);
            assertThat(ready(now)).isTrue();
            long second = pid(now);
            assertThat(second).isNotEqualTo(first);
            assertThat(alive(second)).isTrue();
        });
        assertThat(alive(first)).isFalse();
        getThroughService(awaitServiceAddress(app), "/after-restart");
    }

    @Test
    void deletingTheDeploymentStopsItsPodsAndDeletingTheServiceFreesItsAddress() throws Exception {
        String app = create("delete", 2);
        List<Pod> pods = awaitReadyPods(app, 2, null);
        String ip = awaitServiceAddress(app);
        getThroughService(ip, "/before-delete");

        client.apps().deployments().inNamespace(NS).withName(app).delete();
        eventually(SETTLE, () -> {
            assertThat(pods).extracting(LocalNodeTest::pid).noneMatch(LocalNodeTest::alive);
            assertThat(client.pods()
                            .inNamespace(NS)
                            .withLabel("app", app)
                            .list()
                            .getItems())
                    .isEmpty();
            assertThat(kubelet.podNames()).isEmpty();
        });

        client.services().inNamespace(NS).withName(app).delete();
        eventually(
                Duration.ofSeconds(10),
                () -> assertThatThrownBy(() -> {
                            try (Socket s = new Socket()) {
                                s.connect(new InetSocketAddress(ip, SERVICE_PORT), 1000);
                            }
                        })
                        .isInstanceOf(ConnectException.class));
    }

    /**
     * A Service port added and then removed (a listener added and removed by reload) touches no
     * other port: a keep-alive connection through the first carries requests throughout, as in a
     * cluster, where kube-proxy changes one port's rules.
     */
    @Test
    void aServicePortAddedOrRemovedLeavesTheOtherPortsAndTheirConnectionsAlone() throws Exception {
        String app = create("ports", 1);
        List<Pod> pods = awaitReadyPods(app, 1, null);
        String ip = awaitServiceAddress(app);
        client.configMaps().inNamespace(NS).withName(app + "-config").edit(cm -> {
            cm.setData(Map.of("config.yaml", proxyConfig(app, "2", WEB_PORT + 1)));
            return cm;
        });
        eventually(
                Duration.ofSeconds(15),
                () -> assertThat(admin(pods.get(0).getStatus().getPodIP(), "/config")
                                .get("version")
                                .asText())
                        .isEqualTo("2"));

        try (Http1 held = new Http1(ip, SERVICE_PORT)) {
            assertThat(held.get("/before").status()).isEqualTo(200);

            setServicePorts(app, SERVICE_PORT, SERVICE_PORT + 1);
            eventually(Duration.ofSeconds(10), () -> {
                try (Http1 added = new Http1(ip, SERVICE_PORT + 1)) {
                    assertThat(added.get("/extra").body()).isEqualTo("backend saw GET /extra\n");
                }
            });
            assertThat(held.get("/after-adding").status())
                    .as("the connection held through port 1")
                    .isEqualTo(200);

            setServicePorts(app, SERVICE_PORT);
            eventually(
                    Duration.ofSeconds(10),
                    () -> assertThatThrownBy(() -> new Http1(ip, SERVICE_PORT + 1).close())
                            .isInstanceOf(ConnectException.class));
            assertThat(held.get("/after-removing").status()).isEqualTo(200);
        }
        assertThat(awaitServiceAddress(app)).as("the same address throughout").isEqualTo(ip);
    }

    /** The Service's ports: each service port to the pod port of the same offset from WEB_PORT. */
    private static void setServicePorts(String app, int... ports) {
        client.services().inNamespace(NS).withName(app).edit(s -> {
            List<io.fabric8.kubernetes.api.model.ServicePort> list = new ArrayList<>();
            for (int port : ports) {
                list.add(new io.fabric8.kubernetes.api.model.ServicePortBuilder()
                        .withName("p" + port)
                        .withProtocol("TCP")
                        .withPort(port)
                        .withTargetPort(new IntOrString(WEB_PORT + (port - SERVICE_PORT)))
                        .build());
            }
            s.getSpec().setPorts(list);
            return s;
        });
    }

    @Test
    void aChangedConfigMapReachesTheRunningPodsAndTheProxyServesIt() throws Exception {
        String app = create("reload", 2);
        List<Pod> pods = awaitReadyPods(app, 2, null);
        List<Long> before = pods.stream().map(LocalNodeTest::pid).toList();

        client.configMaps().inNamespace(NS).withName(app + "-config").edit(cm -> {
            cm.setData(Map.of("config.yaml", proxyConfig(app, "2", WEB_PORT + 1)));
            return cm;
        });

        for (Pod pod : pods) {
            String ip = pod.getStatus().getPodIP();
            eventually(Duration.ofSeconds(15), () -> {
                assertThat(Files.readString(podDir(pod).resolve("etc/slb/config/config.yaml")))
                        .contains("extra");
                assertThat(admin(ip, "/config").get("version").asText()).isEqualTo("2");
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://" + ip + ":" + (WEB_PORT + 1) + "/extra"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("backend saw GET /extra\n");
            });
        }
        List<Pod> after = awaitReadyPods(app, 2, null);
        assertThat(after).extracting(LocalNodeTest::pid).containsExactlyInAnyOrderElementsOf(before);
        assertThat(after)
                .allSatisfy(p -> assertThat(
                                p.getStatus().getContainerStatuses().get(0).getRestartCount())
                        .isZero());
    }

    // --- what a user creates ---

    /** A ConfigMap with the proxy config, a Deployment of the proxy reading it, and a LoadBalancer Service. */
    private String create(String app, int replicas) {
        apps.add(app);
        client.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName(app + "-config")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToData("config.yaml", proxyConfig(app, "1", null))
                        .build())
                .create();
        client.resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName(app)
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .withReplicas(replicas)
                        .withNewSelector()
                        .addToMatchLabels("app", app)
                        .endSelector()
                        .withNewStrategy()
                        .withType("RollingUpdate")
                        .withNewRollingUpdate()
                        .withMaxSurge(new IntOrString(1))
                        .withMaxUnavailable(new IntOrString(0))
                        .endRollingUpdate()
                        .endStrategy()
                        .withNewTemplate()
                        .withNewMetadata()
                        .addToLabels("app", app)
                        .endMetadata()
                        .withNewSpec()
                        .withTerminationGracePeriodSeconds(10L)
                        .addNewContainer()
                        .withName("proxy")
                        .withImage("slb-proxy:local")
                        .withArgs("--config", "/etc/slb/config/config.yaml")
                        .addNewPort()
                        .withName("http")
                        .withContainerPort(WEB_PORT)
                        .endPort()
                        .addNewPort()
                        .withName("admin")
                        .withContainerPort(9901)
                        .endPort()
                        .withNewReadinessProbe()
                        .withNewHttpGet()
                        .withPath("/readyz")
                        .withPort(new IntOrString("admin"))
                        .endHttpGet()
                        .withPeriodSeconds(1)
                        .endReadinessProbe()
                        .withNewResources()
                        .addToLimits("memory", new Quantity("512Mi"))
                        .endResources()
                        .addNewVolumeMount()
                        .withName("config")
                        .withMountPath("/etc/slb/config")
                        .withReadOnly(true)
                        .endVolumeMount()
                        .endContainer()
                        .addNewVolume()
                        .withName("config")
                        .withNewConfigMap()
                        .withName(app + "-config")
                        .endConfigMap()
                        .endVolume()
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
        client.resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName(app)
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .withType("LoadBalancer")
                        .addToSelector("app", app)
                        .addNewPort()
                        .withName("http")
                        .withProtocol("TCP")
                        .withPort(SERVICE_PORT)
                        .withTargetPort(new IntOrString(WEB_PORT))
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        return app;
    }

    private static String proxyConfig(String app, String version, Integer extraPort) {
        String backendPort = String.valueOf(backend.getAddress().getPort());
        String listener = """
        - name: %s
          protocol: HTTP
          port: %d
          backends:
          - {address: %s, port: %s}
        """;
        return """
        version: "%s"
        instance: %s
        admin: {port: 9901}
        drain: {readinessGracePeriod: 1s, timeout: 5s}
        listeners:
        """.formatted(version, app)
                + listener.formatted("web", WEB_PORT, backendAddress, backendPort)
                + (extraPort == null ? "" : listener.formatted("extra", extraPort, backendAddress, backendPort));
    }

    // --- what a user looks at ---

    /** Exactly {@code count} Pods of the app, all Ready, none with {@code notHash} as template hash. */
    private List<Pod> awaitReadyPods(String app, int count, String notHash) {
        List<List<Pod>> found = new ArrayList<>(1);
        eventually(SETTLE, () -> {
            List<Pod> pods =
                    client.pods().inNamespace(NS).withLabel("app", app).list().getItems();
            assertThat(pods)
                    .as("Pods of %s", app)
                    .hasSize(count)
                    .allMatch(LocalNodeTest::ready, "Ready")
                    .noneMatch(p -> hash(p).equals(notHash));
            pods.forEach(p -> tracked(pid(p)));
            found.add(pods);
        });
        return found.get(found.size() - 1);
    }

    private void awaitDeploymentStatus(String app, int replicas, int ready, int updated) {
        eventually(SETTLE, () -> {
            Deployment d =
                    client.apps().deployments().inNamespace(NS).withName(app).get();
            DeploymentStatus s = d.getStatus();
            assertThat(s).as("status of deployment %s", app).isNotNull();
            assertThat(s.getReplicas()).as("replicas").isEqualTo(replicas);
            assertThat(s.getReadyReplicas()).as("readyReplicas").isEqualTo(ready);
            assertThat(s.getAvailableReplicas()).as("availableReplicas").isEqualTo(ready);
            assertThat(s.getUpdatedReplicas()).as("updatedReplicas").isEqualTo(updated);
            assertThat(s.getObservedGeneration())
                    .as("observedGeneration")
                    .isEqualTo(d.getMetadata().getGeneration());
        });
    }

    private String awaitServiceAddress(String app) {
        List<String> ip = new ArrayList<>(1);
        eventually(SETTLE, () -> {
            Service s = client.services().inNamespace(NS).withName(app).get();
            assertThat(s.getStatus().getLoadBalancer().getIngress())
                    .as("ingress of service %s", app)
                    .hasSize(1);
            ip.add(s.getStatus().getLoadBalancer().getIngress().get(0).getIp());
        });
        return ip.get(ip.size() - 1);
    }

    /**
     * A request on a new connection through the Service, answered by the backend. Tried until it
     * is: the Service's endpoints follow a pod's readiness a moment after its Pod says Ready, as
     * they do in a cluster.
     */
    private static Response getThroughService(String ip, String path) {
        List<Response> answer = new ArrayList<>(1);
        eventually(Duration.ofSeconds(10), () -> {
            try (Http1 connection = new Http1(ip, SERVICE_PORT)) {
                Response r = connection.get(path);
                assertThat(r.status())
                        .as("GET %s through %s: %s", path, ip, r.body())
                        .isEqualTo(200);
                answer.add(r);
            }
        });
        return answer.get(answer.size() - 1);
    }

    private static JsonNode admin(String podIp, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + podIp + ":9901" + path))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("admin %s on %s", path, podIp).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static Path podDir(Pod pod) {
        return work.resolve("pods").resolve(NS).resolve(pod.getMetadata().getName());
    }

    private static boolean ready(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        return pod.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && "True".equals(c.getStatus()));
    }

    private static String hash(Pod pod) {
        return pod.getMetadata().getLabels().get("pod-template-hash");
    }

    private static long pid(Pod pod) {
        String id = pod.getStatus().getContainerStatuses().get(0).getContainerID();
        return Long.parseLong(id.substring("local://".length()));
    }

    /** Whether the process first seen with this PID still runs. */
    private static boolean alive(long pid) {
        ProcessHandle handle = tracked(pid);
        return handle != null && handle.isAlive();
    }

    /** The process first seen with this PID (tracked from now on), or null when none runs. */
    private static ProcessHandle tracked(long pid) {
        ProcessHandle handle = processes.get(pid);
        if (handle != null) {
            return handle;
        }
        handle = ProcessHandle.of(pid).orElse(null);
        if (handle == null) {
            return null;
        }
        ProcessHandle first = processes.putIfAbsent(pid, handle);
        return first == null ? handle : first;
    }

    private static int hostPart(String ip) {
        return Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1));
    }

    private static int indexOf(List<Event> events, Predicate<Event> which) {
        for (int i = 0; i < events.size(); i++) {
            if (which.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** A Pod as one watch event showed it. */
    private record Event(Watcher.Action action, String pod, String hash, boolean ready) {
        @Override
        public String toString() {
            return action + " " + pod + (ready ? " Ready" : " NotReady");
        }
    }

    /** Checks that must hold sooner or later, tried again until then; the last failure tells why not. */
    private interface Check {
        void run() throws Exception;
    }

    private static void eventually(Duration limit, Check check) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e instanceof AssertionError a ? a : new AssertionError(e);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    // --- clients on real sockets ---

    private record Response(int status, String body) {}

    /** One HTTP/1.1 client connection, kept alive until either side closes it. */
    private static final class Http1 implements Closeable {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;
        private boolean serverCloses;

        Http1(String host, int port) throws IOException {
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(5000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        Response get(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(US_ASCII));
            out.flush();
            String status = line();
            if (status == null) {
                throw new EOFException("closed before the response");
            }
            Map<String, String> headers = new HashMap<>();
            for (String h = line(); h != null && !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                headers.put(
                        h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).trim());
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = chunked();
            } else if (headers.containsKey("content-length")) {
                int length = Integer.parseInt(headers.get("content-length"));
                body = in.readNBytes(length);
                if (body.length < length) {
                    throw new EOFException("body cut short after " + body.length + " of " + length + " bytes");
                }
            } else {
                body = in.readAllBytes();
                serverCloses = true;
            }
            serverCloses |= "close".equalsIgnoreCase(headers.get("connection"));
            return new Response(Integer.parseInt(status.split(" ")[1]), new String(body, UTF_8));
        }

        boolean reusable() {
            return !serverCloses;
        }

        private byte[] chunked() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                if (size == null) {
                    throw new EOFException("closed inside a chunked body");
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                        // trailers carry nothing this test needs
                    }
                    return body.toByteArray();
                }
                byte[] chunk = in.readNBytes(n);
                if (chunk.length < n) {
                    throw new EOFException("closed inside a chunk");
                }
                body.write(chunk);
                line();
            }
        }

        /** A line without its CRLF; null at the end of the stream before any byte of it. */
        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    if (b.size() == 0) {
                        return null;
                    }
                    throw new EOFException("closed inside a line");
                }
                b.write(c);
            }
            String s = b.toString(US_ASCII);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Requests in a loop through one address, as two clients send them: one keeps its connection
     * alive and, when a reused connection fails (the server may close an idle one at any moment),
     * sends the request again on a new one, as HTTP clients do; the other opens a new connection
     * for every request. A failure is a request that fails on a new connection.
     */
    private static final class Traffic implements AutoCloseable {
        private static final Duration LIMIT = Duration.ofSeconds(60);

        private final String host;
        private final int port;
        private final AtomicInteger requests = new AtomicInteger();
        private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final List<Thread> threads = new ArrayList<>();
        private final long deadline = System.nanoTime() + LIMIT.toNanos();
        private volatile boolean stopped;

        Traffic(String host, int port) {
            this.host = host;
            this.port = port;
            threads.add(new Thread(this::keepAlive, "traffic-keep-alive"));
            threads.add(new Thread(this::newConnections, "traffic-new-connections"));
            for (Thread t : threads) {
                t.setDaemon(true);
                t.start();
            }
        }

        private boolean going() {
            return !stopped && System.nanoTime() < deadline;
        }

        private void keepAlive() {
            Http1 connection = null;
            for (int i = 0; going(); i++) {
                String path = "/keep-alive/" + i;
                try {
                    Response r = null;
                    if (connection != null && connection.reusable()) {
                        try {
                            r = connection.get(path);
                        } catch (IOException closedMeanwhile) {
                            connection.close();
                            connection = null;
                        }
                    }
                    if (r == null) {
                        if (connection != null) {
                            connection.close();
                        }
                        connection = new Http1(host, port);
                        r = connection.get(path);
                    }
                    check(path, r);
                } catch (IOException e) {
                    failures.add(path + ": " + e);
                    connection = null;
                }
                pause();
            }
            if (connection != null) {
                try {
                    connection.close();
                } catch (IOException ignored) {
                    // closing a socket the test is done with
                }
            }
        }

        private void newConnections() {
            for (int i = 0; going(); i++) {
                String path = "/new/" + i;
                try (Http1 connection = new Http1(host, port)) {
                    check(path, connection.get(path));
                } catch (IOException e) {
                    failures.add(path + ": " + e);
                }
                pause();
            }
        }

        private void check(String path, Response r) {
            if (r.status() == 200 && r.body().equals("backend saw GET " + path + "\n")) {
                requests.incrementAndGet();
            } else {
                failures.add(path + ": " + r.status() + " " + r.body().strip());
            }
        }

        private static void pause() {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        int requests() {
            return requests.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        void awaitRequests(int atLeast) {
            eventually(Duration.ofSeconds(10), () -> assertThat(requests()).isGreaterThanOrEqualTo(atLeast));
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }
}
