package dev.slb.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.local.apiserver.TestingKubectl;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The user's story, end to end, as the README walks it: local/ started, the real kubectl, the
 * operator as a child process, proxy pods as child processes, real HTTP and WebSocket clients
 * through the load balancer's own loopback address. The steps build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalClusterStoryTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SAMPLE = REPO.resolve("crds/samples/shared.yaml");
    private static final long DOWNLOAD_BYTES = 64L * 1024 * 1024;
    /**
     * The address block (127.B.x.y), away from a local/bin/up someone runs beside the tests (block
     * 0) and, by this JVM's PID, from test runs of other checkouts on the same machine.
     */
    private static final int BLOCK = 100 + (int) (ProcessHandle.current().pid() % 150);

    private static LocalCluster cluster;
    private static TestingKubectl kubectl;
    private static Path work;
    private static String address;
    private static KeptAliveConnection keepAlive;
    private static CompletableFuture<Long> download;
    private static final AtomicLong downloaded = new AtomicLong();
    private static final List<Long> proxyPids = new ArrayList<>();
    private static final List<HeldWebSocket> held = new ArrayList<>();
    private static List<String> podsBefore;
    private static HttpClient websocketClient;
    private static volatile boolean anyFailed;

    /**
     * On a failed step, the proxy pods' logs go to the test's output (a CI run keeps only that),
     * and the run's directory is kept; when every step passed it is deleted.
     */
    @RegisterExtension
    static final TestWatcher PROXY_LOGS_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            anyFailed = true;
            System.out.println(proxyLogTails(40));
        }
    };

    @BeforeAll
    static void start() throws Exception {
        TestingKubectl.requireKubectl();
        work = Files.createTempDirectory("slb-story");
        cluster = LocalCluster.start(new LocalCluster.Options(REPO, work.resolve("run"), 0, BLOCK));
        kubectl = TestingKubectl.forKubeconfig(cluster.kubeconfig(), work);
    }

    @AfterAll
    static void stop() throws Exception {
        for (HeldWebSocket ws : held) {
            ws.close();
        }
        if (keepAlive != null) {
            keepAlive.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        // What Ctrl-C promises: nothing it started is left running, the operator and backend included.
        try (var pidFiles = Files.walk(work.resolve("run"))) {
            for (Path file : pidFiles.filter(f -> f.toString().endsWith(".pid")).toList()) {
                long pid = Long.parseLong(Files.readString(file).strip().split(" ", 2)[0]);
                assertThat(alive(pid))
                        .as("%s (pid %d) still running after local/ stopped", file.getFileName(), pid)
                        .isFalse();
            }
        }
        for (long pid : proxyPids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("proxy pid %d still running after local/ stopped", pid)
                    .isFalse();
        }
        if (anyFailed) {
            System.out.println("the story's files are kept in " + work);
        } else {
            try (var files = Files.walk(work)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** The last {@code lines} lines of every proxy pod's log that local/ ran in this story. */
    private static String proxyLogTails(int lines) {
        StringBuilder out = new StringBuilder();
        try (var files = Files.walk(work.resolve("run"))) {
            for (Path log : files.filter(f -> f.getFileName().toString().equals("proxy.log"))
                    .sorted()
                    .toList()) {
                List<String> all = Files.readAllLines(log);
                out.append("---- ")
                        .append(work.relativize(log))
                        .append(" (last ")
                        .append(lines)
                        .append(" lines)\n");
                all.subList(Math.max(0, all.size() - lines), all.size())
                        .forEach(l -> out.append(l).append('\n'));
            }
        } catch (IOException e) {
            out.append("proxy logs unreadable: ").append(e);
        }
        return out.toString();
    }

    @Test
    @Order(1)
    void theCrdsApplyAndTheSharedInstanceBecomesReady() throws Exception {
        TestingKubectl.Result crds =
                kubectl.run("apply", "-f", REPO.resolve("crds").toString());
        assertThat(crds.code()).as(crds.toString()).isZero();
        TestingKubectl.Result apply = kubectl.run("apply", "-f", SAMPLE.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("loadbalancer.slb.dev/demo created");

        TestingKubectl.Result wait = kubectl.run("wait", "--for=condition=Ready", "slb/demo", "--timeout=90s");
        assertThat(wait.code()).as(wait + "\n" + logs()).isZero();
        address = kubectl.run("get", "slb", "demo", "-o", "jsonpath={.status.addresses[0]}")
                .out();
        assertThat(address).startsWith("127." + BLOCK + ".1.");
    }

    @Test
    @Order(2)
    void httpAndHttpsReachTheBackendThroughTheProxy() throws Exception {
        HttpResponse<String> http = get("http://" + address + "/hello");
        assertThat(http.statusCode()).isEqualTo(200);
        assertThat(http.body()).contains("saw GET /hello");
        HttpResponse<String> https = HttpClient.newBuilder()
                .sslContext(demoTrust())
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("https://" + address + "/hello"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(https.statusCode()).isEqualTo(200);
        assertThat(https.body()).contains("saw GET /hello").containsIgnoringCase("X-Forwarded-Proto: https");
    }

    @Test
    @Order(3)
    void aWebSocketUpgradeIsRefusedWithTheReasonAndKubectlSaysWhatToDo() throws Exception {
        String answer = rawUpgrade();
        assertThat(answer)
                .startsWith("HTTP/1.1 403")
                .containsIgnoringCase("X-SLB-WebSocket: disabled; reason=RequiresGuaranteedPerformance")
                .contains("spec.tier");

        TestingKubectl.Result get = kubectl.run("get", "slb", "demo");
        assertThat(get.out())
                .containsPattern(
                        "(?m)^NAME\\s+AGE\\s+ADDRESS\\s+BACKENDS\\s+PROGRAMMED\\s+READY\\s+REFS\\s+REPLICAS\\s+TIER$")
                .containsPattern("(?m)^demo\\s+\\S+\\s+" + address.replace(".", "\\.")
                        + "\\s+2/2\\s+True\\s+True\\s+True\\s+1/1\\s+shared$");
        TestingKubectl.Result describe = kubectl.run("describe", "slb", "demo");
        assertThat(describe.out()).contains("RequiresGuaranteedPerformance").contains("slb.s1.small or larger");
    }

    @Test
    @Order(4)
    void raisingTheTierWithApplyTurnsWebSocketOnWithoutCuttingOpenConnections() throws Exception {
        openKeepAliveAndDownload();
        Path edited = work.resolve("demo-s1.yaml");
        Files.writeString(edited, Files.readString(SAMPLE).replace("tier: shared", "tier: slb.s1.small"));
        TestingKubectl.Result apply = kubectl.run("apply", "-f", edited.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("loadbalancer.slb.dev/demo configured");
        awaitProgrammed();

        assertThat(echo("ws://" + address + "/ws", "hello over ws")).isEqualTo("hello over ws");
        assertThat(echo("wss://" + address + "/ws", "hello over wss")).isEqualTo("hello over wss");
        assertKeepAliveStillServes();

        // From here on WebSockets are held open, a message each way every 100 ms, across every change
        // below that needs no new pod; none may be dropped and no message lost.
        for (int i = 0; i < 3; i++) {
            held.add(HeldWebSocket.open(websockets(), URI.create("ws://" + address + "/ws")));
            held.add(HeldWebSocket.open(websockets(), URI.create("wss://" + address + "/ws")));
        }
        podsBefore = pods();
        assertThat(podsBefore).as("guaranteed tiers run two replicas").hasSize(2);
    }

    @Test
    @Order(5)
    void raisingItAgainWithAMergePatchWorksTooAndTheDownloadCompletes() throws Exception {
        TestingKubectl.Result patch =
                kubectl.run("patch", "slb", "demo", "--type", "merge", "-p", "{\"spec\":{\"tier\":\"slb.s2.small\"}}");
        assertThat(patch.code()).as(patch.toString()).isZero();
        awaitProgrammed();
        assertThat(kubectl.run("get", "slb", "demo", "-o", "jsonpath={.status.tier}")
                        .out())
                .isEqualTo("slb.s2.small");
        assertThat(echo("ws://" + address + "/ws", "still here")).isEqualTo("still here");
        assertKeepAliveStillServes();
        // Its work is done: it would only add requests to the pod-failure steps' counts.
        keepAlive.close();
        keepAlive = null;
        assertThat(download.get(60, TimeUnit.SECONDS)).isEqualTo(DOWNLOAD_BYTES);
    }

    /**
     * Every change the proxies apply by reload, one after the other, with the WebSockets of step 4
     * held open through all of them (and through the tier raise of step 5): listeners added, moved
     * to another port and removed, backends, timeouts, a renewed certificate, a new TLS Secret on a
     * new listener and its removal. No pod is replaced or restarted, no WebSocket dropped, no
     * message lost, and each change is served. The timeouts change, made while held WebSockets run
     * through each replica, is reported as users read it: status.lastConfigChange and one
     * ConfigApplied event for that version, every replica reporting, 0 closed.
     */
    @Test
    @Order(6)
    void changesThatNeedNoNewPodKeepEveryWebSocketAndEveryMessage() throws Exception {
        String web = "{\"name\":\"web\",\"protocol\":\"HTTP\",\"port\":80}";
        String secure =
                "{\"name\":\"secure\",\"protocol\":\"HTTPS\",\"port\":443," + "\"tls\":{\"secretName\":\"demo-tls\"}}";

        // A listener added: its port answers, on the instance's address.
        patchListeners(web, secure, "{\"name\":\"extra\",\"protocol\":\"HTTP\",\"port\":8081}");
        awaitAnswers("http://" + address + ":8081/added");
        // ... moved to another port ...
        patchListeners(web, secure, "{\"name\":\"extra\",\"protocol\":\"HTTP\",\"port\":8082}");
        awaitAnswers("http://" + address + ":8082/moved");
        awaitRefused(8081);
        // ... and removed.
        patchListeners(web, secure);
        awaitRefused(8082);

        // Backends and their weights.
        patch("{\"spec\":{\"backends\":[{\"service\":{\"name\":\"demo-backend\",\"port\":8080}},"
                + "{\"address\":\"127." + BLOCK + ".0.2\",\"port\":8080,\"weight\":50}]}}");
        // Timeouts, with held WebSockets on each replica: the operator reports what the reload did to
        // the connections, once, in the status and in a ConfigApplied event, and it closed none.
        assertThat(ProxyReplicas.of(kubectl, "demo").websocketsOpen())
                .as("held WebSockets open on each replica")
                .hasSize(2)
                .allSatisfy(open -> assertThat(open).isPositive());
        patchListeners(
                "{\"name\":\"web\",\"protocol\":\"HTTP\",\"port\":80,\"idleTimeoutSeconds\":120,"
                        + "\"requestTimeoutSeconds\":30}",
                secure);
        assertReportedWithNoneClosed(held.size());

        // A renewed certificate: the Secret's content changes, new handshakes get it.
        Path renewed = work.resolve("renewed-tls");
        DemoCertificate.write(renewed, demoCertificateAddresses());
        X509Certificate next = certificate(renewed.resolve("tls.crt"));
        applySecret("demo-tls", renewed);
        awaitServedCertificate(443, next);

        // A new TLS Secret on a new listener, then gone again.
        applySecret("demo-tls-2", renewed);
        patchListeners(
                web,
                secure,
                "{\"name\":\"secure2\",\"protocol\":\"HTTPS\",\"port\":8443,"
                        + "\"tls\":{\"secretName\":\"demo-tls-2\"}}");
        awaitServedCertificate(8443, next);
        patchListeners(web, secure);
        awaitRefused(8443);

        // What was held throughout: every WebSocket open, every message echoed, the same pods.
        for (HeldWebSocket ws : held) {
            ws.stopSending();
        }
        for (HeldWebSocket ws : held) {
            ws.awaitEchoes(Duration.ofSeconds(10));
        }
        long sent = held.stream().mapToLong(HeldWebSocket::sent).sum();
        assertThat(held).allSatisfy(ws -> {
            assertThat(ws.dropped()).as("%s dropped", ws).isNull();
            assertThat(ws.lost()).as("%s messages lost", ws).isZero();
        });
        assertThat(sent).as("messages sent over the held WebSockets").isGreaterThan(held.size() * 20L);
        assertThat(pods()).as("pods (name, container id, restarts)").isEqualTo(podsBefore);
        for (HeldWebSocket ws : held) {
            ws.close();
        }
        System.out.printf(
                "held %d WebSockets (%d ws, %d wss) across the changes: %d messages each way, 0 dropped, 0 lost%n",
                held.size(),
                held.stream().filter(w -> w.uri().getScheme().equals("ws")).count(),
                held.stream().filter(w -> w.uri().getScheme().equals("wss")).count(),
                sent);
    }

    /**
     * The report of the config version the instance serves now: status.lastConfigChange says it reached every replica,
     * each reporting, and closed no connection while it kept at least {@code held}; its ConfigApplied event says the
     * same, through kubectl as a user reads it.
     */
    private static void assertReportedWithNoneClosed(int held) throws Exception {
        String version = kubectl.run("get", "slb", "demo", "-o", "jsonpath={.status.configVersion}")
                .out();
        TestingKubectl.Result reported = kubectl.run(
                "wait", "slb/demo", "--timeout=30s", "--for=jsonpath={.status.lastConfigChange.version}=" + version);
        assertThat(reported.code())
                .as(reported + "\n"
                        + kubectl.run("get", "slb", "demo", "-o", "yaml").out() + logs())
                .isZero();
        String[] change = kubectl.run(
                        "get",
                        "slb",
                        "demo",
                        "-o",
                        "jsonpath={.status.lastConfigChange.replicas} {.status.lastConfigChange.replicasReporting}"
                                + " {.status.lastConfigChange.connectionsKept}"
                                + " {.status.lastConfigChange.connectionsClosed} {.status.replicas}")
                .out()
                .split(" ");
        assertThat(change)
                .as("replicas, reporting, kept, closed, status.replicas")
                .hasSize(5);
        assertThat(change[0]).as("replicas").isEqualTo(change[4]).isEqualTo("2");
        assertThat(change[1]).as("replicasReporting").isEqualTo(change[0]);
        assertThat(Long.parseLong(change[2])).as("connectionsKept").isGreaterThanOrEqualTo(held);
        assertThat(change[3]).as("connectionsClosed").isEqualTo("0");

        String said = "config version " + version + " applied on 2/2 replicas: "
                + String.format(java.util.Locale.ROOT, "%,d", Long.parseLong(change[2]))
                + " connections kept, 0 closed, 0 draining.";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> events = List.of();
        while (System.nanoTime() < deadline) {
            events = kubectl.run(
                            "get",
                            "events",
                            "--field-selector",
                            "involvedObject.name=demo,involvedObject.kind=LoadBalancer",
                            "-o",
                            "jsonpath={range .items[?(@.reason==\"ConfigApplied\")]}{.message}{\"\\n\"}{end}")
                    .out()
                    .lines()
                    .filter(l -> l.startsWith("config version " + version + " "))
                    .toList();
            if (!events.isEmpty()) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(events)
                .as("ConfigApplied events of version %s", version)
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .isEqualTo(said);
        System.out.println("kubectl get events: " + events.get(0));
    }

    @Test
    @Order(7)
    void aDowngradeIsRefusedWithAMessage() throws Exception {
        TestingKubectl.Result patch =
                kubectl.run("patch", "slb", "demo", "--type", "merge", "-p", "{\"spec\":{\"tier\":\"shared\"}}");
        assertThat(patch.code()).as(patch.toString()).isNotZero();
        assertThat(patch.err()).contains("shared");
        assertThat(kubectl.run("get", "slb", "demo", "-o", "jsonpath={.spec.tier}")
                        .out())
                .isEqualTo("slb.s2.small");
    }

    @Test
    @Order(8)
    void aBackendAddressThatIsNoAddressIsRefusedByTheApiServer() throws Exception {
        TestingKubectl.Result patch = kubectl.run(
                "patch",
                "slb",
                "demo",
                "--type",
                "merge",
                "-p",
                "{\"spec\":{\"backends\":[{\"address\":\"http://x:1/\",\"port\":8080}]}}");
        assertThat(patch.code()).as(patch.toString()).isNotZero();
        assertThat(patch.err()).contains("spec.backends[0].address");
    }

    /**
     * A listener behind a load balancer that sends the PROXY protocol: the operator names its port
     * in the Service's slb.dev/proxy-protocol-ports annotation, local/'s Service load balancer then
     * starts each connection to that port with a v2 header, and the backend sees the client's own
     * address in X-Forwarded-For, where a listener without the header sees the relay's. Shares its
     * order with the refused backend address: neither changes what the other sees.
     */
    @Test
    @Order(8)
    void aProxyProtocolListenerShowsTheBackendTheClientsOwnAddress() throws Exception {
        String web = "{\"name\":\"web\",\"protocol\":\"HTTP\",\"port\":80}";
        String secure =
                "{\"name\":\"secure\",\"protocol\":\"HTTPS\",\"port\":443," + "\"tls\":{\"secretName\":\"demo-tls\"}}";
        // SLB-IP on, on the listener without the header: it names the instance's address (its Service's), not
        // the pod's own that the relay connects to.
        String webWithSlbIp =
                "{\"name\":\"web\",\"protocol\":\"HTTP\",\"port\":80,\"forwardedHeaders\":{\"slbIp\":true}}";
        // The relay reaches the proxy pods from 127.0.0.1, the address Linux gives loopback connections.
        patchListeners(
                webWithSlbIp,
                secure,
                "{\"name\":\"behind\",\"protocol\":\"HTTP\",\"port\":8083,\"proxyProtocol\":true,"
                        + "\"proxyProtocolTrustedCidrs\":[\"127.0.0.1\"]}");
        assertThat(proxyProtocolPorts()).isEqualTo("behind");
        assertThat(kubectl.run(
                                "get",
                                "slb",
                                "demo",
                                "-o",
                                "jsonpath={.status.listeners[?(@.name==\"behind\")].conditions[?(@.type"
                                        + "==\"ProxyProtocolPeersRestricted\")].status}")
                        .out())
                .isEqualTo("True");

        String client = "127." + BLOCK + ".9.9";
        assertThat(awaitAnswerFrom(client, 8083, "/behind")).containsIgnoringCase("X-Forwarded-For: " + client + "\n");
        assertThat(awaitAnswerFrom(client, 80, "/direct"))
                .as("a listener without the header sees the relay")
                .containsIgnoringCase("X-Forwarded-For: 127.0.0.1\n")
                .as("SLB-IP: the instance's address, as its Service has it")
                .containsIgnoringCase("SLB-IP: " + address + "\n");

        patchListeners(web, secure);
        awaitRefused(8083);
        assertThat(proxyProtocolPorts()).isEmpty();
    }

    /** What the instance's Service asks of the load balancer in front: the ports that get a PROXY header. */
    private static String proxyProtocolPorts() throws Exception {
        return kubectl.run(
                        "get",
                        "service",
                        "demo-proxy",
                        "-o",
                        "jsonpath={.metadata.annotations.slb\\.dev/proxy-protocol-ports}")
                .out();
    }

    /** The answer to a GET sent from {@code source} (a loopback address) to the instance's port, once it answers. */
    private static String awaitAnswerFrom(String source, int port, String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.bind(new InetSocketAddress(source, 0));
                s.connect(new InetSocketAddress(address, port), 2000);
                s.getOutputStream()
                        .write(("GET " + path + " HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                if (answer.startsWith("HTTP/1.1 200")) {
                    return answer;
                }
                last = new IOException("answered: " + answer.lines().findFirst().orElse("nothing"));
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(address + ":" + port + path + " never answered from " + source, last);
    }

    /**
     * The demo backend is a Deployment whose pods the local kubelet runs: scaling it, failing a
     * pod's readiness probe and deleting a pod move the Service's EndpointSlice (ready, serving,
     * terminating), and the load balancer follows; requests through it keep being answered.
     */
    @Test
    @Order(9)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void theDemoBackendsPodsMoveItsEndpointsAndTheLoadBalancerFollows() throws Exception {
        patch("{\"spec\":{\"backends\":[{\"service\":{\"name\":\"demo-backend\",\"port\":8080}}]}}");
        awaitProgrammed();
        try (BackendEndpoints endpoints = BackendEndpoints.watch(cluster.kubeconfig())) {
            List<String> two = endpoints.awaitReady(2);
            assertThat(answeringPods(20, true)).as("both pods answer").containsExactlyInAnyOrderElementsOf(two);

            run("scale", "deploy/demo-backend", "--replicas=3");
            List<String> three = endpoints.awaitReady(3);
            assertThat(three).containsAll(two);

            // A failing readiness probe: the pod is not ready (nor serving), and gets no requests.
            String failing = three.get(0);
            assertThat(post(failing, "/fail")).contains("failing");
            endpoints.await(failing, "ready=false serving=false terminating=false");
            awaitOnlyAnswering(three.subList(1, 3));
            assertThat(post(failing, "/recover")).contains("serving");
            endpoints.await(failing, "ready=true serving=true terminating=false");

            // A deleted pod is terminating (still serving) while it drains, then gone and replaced.
            String deleted = three.get(1);
            run("delete", "pod", deleted, "--wait=false");
            endpoints.await(deleted, "ready=false serving=true terminating=true");
            endpoints.awaitGone(deleted);
            List<String> replaced = endpoints.awaitReady(3);
            assertThat(replaced).doesNotContain(deleted);

            run("scale", "deploy/demo-backend", "--replicas=2");
            assertThat(endpoints.awaitReady(2)).hasSize(2);
        }
    }

    private static void run(String... args) throws Exception {
        TestingKubectl.Result r = kubectl.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
    }

    /**
     * The pods that answered {@code n} requests through the load balancer, each a new connection;
     * with {@code allOk}, every answer must be 200.
     */
    private static java.util.Set<String> answeringPods(int n, boolean allOk) throws Exception {
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = get("http://" + address + "/who");
            if (allOk) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            int end = r.body().indexOf(" saw ");
            seen.add(
                    end < 0
                            ? r.body().substring(0, r.body().indexOf(" is "))
                            : r.body().substring(0, end));
        }
        return seen;
    }

    /**
     * Waits until only these pods answer (the proxies' config follows the EndpointSlice within a
     * second or two; a request meanwhile may still reach the pod that left), then checks that
     * every answer is a 200 from them.
     */
    private static void awaitOnlyAnswering(List<String> pods) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!pods.containsAll(answeringPods(12, false)) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(pods).as("pods answering through the load balancer").containsAll(answeringPods(12, true));
    }

    /** POSTs to a demo backend pod's own address, as a user would with curl. */
    private static String post(String pod, String path) throws Exception {
        String ip =
                kubectl.run("get", "pod", pod, "-o", "jsonpath={.status.podIP}").out();
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + ip + ":8080" + path))
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** The kubectl plugin, as a user runs it, shows replicas, version, conditions, listeners and backend health. */
    @Test
    @Order(10)
    void kubectlSlbStatusShowsReplicasVersionConditionsListenersAndBackendHealth() throws Exception {
        // The plugin as a user runs it: kubectl finds kubectl-slb on the PATH, which reads the
        // proxies' admin ports through the API server's pod proxy with the user's kubeconfig.
        ProcessBuilder pb = new ProcessBuilder("kubectl", "slb", "status", "demo", "--interval", "500ms");
        pb.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
        pb.environment().put("PATH", REPO.resolve("operator/bin") + java.io.File.pathSeparator + System.getenv("PATH"));
        Path out = work.resolve("kubectl-slb.out");
        Path err = work.resolve("kubectl-slb.err");
        // One WebSocket open through the web listener while the plugin reads: its row counts it.
        int pluginExit;
        try (HeldWebSocket ws = HeldWebSocket.open(websockets(), URI.create("ws://" + address + "/ws"))) {
            Process plugin =
                    pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                assertThat(plugin.waitFor(60, TimeUnit.SECONDS))
                        .as("kubectl slb status finished")
                        .isTrue();
            } finally {
                plugin.destroyForcibly();
            }
            pluginExit = plugin.exitValue();
            assertThat(ws.dropped())
                    .as("the WebSocket open while the plugin read")
                    .isNull();
        }
        String screen = Files.readString(out);
        assertThat(pluginExit).as(screen + Files.readString(err)).isZero();
        String version = kubectl.run("get", "slb", "demo", "-o", "jsonpath={.status.configVersion}")
                .out();
        String[] pods = kubectl.run(
                        "get",
                        "pods",
                        "-l",
                        "app.kubernetes.io/instance=demo",
                        "-o",
                        "jsonpath={.items[*].metadata.name}")
                .out()
                .split(" ");
        assertThat(screen)
                .as(screen)
                .startsWith("LoadBalancer default/demo   tier slb.s")
                .contains("   address " + address + "   config version " + version + "\n")
                .containsPattern("(?m)^Programmed +True ")
                .containsPattern("(?m)^LISTENER +PROTOCOL +PORT +WEBSOCKET +CONNECTIONS +NEW CONN/S +REQUESTS/S +5XX"
                        + " +WEBSOCKETS +BACKENDS$")
                // web: connections open (the WebSocket's at least), rates, the 5xx share (or - with no request
                // in the interval), the one WebSocket, backends healthy/total; secure: no WebSocket.
                .containsPattern(
                        "(?m)^web +HTTP +\\d+ +Enabled +[1-9]\\d* +[0-9.]+ +[0-9.]+ +(-|[0-9.]+%) +1 +\\d+/\\d+$")
                .containsPattern(
                        "(?m)^secure +HTTPS +\\d+ +Enabled +\\d+ +[0-9.]+ +[0-9.]+ +(-|[0-9.]+%) +0 +\\d+/\\d+$")
                .containsPattern("(?m)^web +[0-9.]+:\\d+ +healthy");
        for (String pod : pods) {
            assertThat(screen)
                    .as(screen)
                    .containsPattern("(?m)^" + pod + " +yes +" + version + " +\\d+ +[0-9.]+ +\\d+ ");
        }
        System.out.println("kubectl slb status demo:\n" + screen);
    }

    /**
     * One of the demo backend's two pods fails while HTTP requests and WebSockets flow through the
     * instance: its health check fails (POST /fail), it is deleted, its process dies. Only what was
     * in flight on it may fail; once the proxies have taken it out no new request or WebSocket
     * reaches it; WebSockets on the other pod carry on untouched. The failed check's reason shows in
     * kubectl describe.
     */
    @Test
    @Order(11)
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aBackendPodThatFailsCostsOnlyWhatWasInFlightOnIt() throws Exception {
        String secure =
                "{\"name\":\"secure\",\"protocol\":\"HTTPS\",\"port\":443,\"tls\":{\"secretName\":\"demo-tls\"}}";
        // Checks every second, out after two failures: the proxies act within 3 s.
        patchListeners(
                "{\"name\":\"web\",\"protocol\":\"HTTP\",\"port\":80,\"healthCheck\":{\"intervalSeconds\":1,"
                        + "\"timeoutSeconds\":1,\"unhealthyThreshold\":2,\"healthyThreshold\":2}}",
                secure);
        try (BackendEndpoints endpoints = BackendEndpoints.watch(cluster.kubeconfig())) {
            List<String> two = endpoints.awaitReady(2);
            ProxyReplicas replicas = ProxyReplicas.of(kubectl, "demo");
            failingItsHealthCheck(replicas, two.get(0), two.get(1));
            patch("{\"spec\":{\"backends\":[{\"service\":{\"name\":\"demo-backend\",\"port\":8080}}]}}");

            two = endpoints.awaitReady(2);
            String kept = two.get(1);
            deleted(endpoints, replicas, two.get(0), kept);
            endpoints.awaitGone(two.get(0));

            // The victim is the new pod, whose endpoint has never been not ready. The proxies learn of
            // it by a reload after its endpoint is ready, seconds later on a loaded machine.
            two = endpoints.awaitReady(2);
            String victim =
                    two.stream().filter(p -> !p.equals(kept)).findFirst().orElseThrow();
            replicas.awaitHealthy(podIp(victim), 8080, Duration.ofSeconds(30));
            killed(endpoints, victim, kept);
            endpoints.awaitReady(2);
        }
    }

    /**
     * POST /fail: the pods as static backends, so that only the proxies' own check takes the
     * failing one out (its readiness probe moves the EndpointSlice alone). Until the check catches
     * it, it answers 500; established WebSockets on it stay.
     */
    private static void failingItsHealthCheck(ProxyReplicas replicas, String victim, String survivor) throws Exception {
        String victimIp = podIp(victim);
        patch("{\"spec\":{\"backends\":[{\"address\":\"" + victimIp + "\",\"port\":8080},{\"address\":\""
                + podIp(survivor) + "\",\"port\":8080}]}}");
        try (PodFailure failing = PodFailure.start(address, victim, survivor, websockets())) {
            assertThat(post(victim, "/fail")).contains("failing");
            List<String> reports = replicas.awaitUnhealthy(victimIp, 8080, Duration.ofSeconds(15));
            failing.takenOut();
            failing.stop();
            System.out.printf("%s failing its check: %s; the replicas: %s%n", victim, failing, reports);
            assertThat(failing.failed())
                    .as("failed requests")
                    .allSatisfy(a -> assertThat(a.pod()).isEqualTo(victim));
            assertThat(failing.answeredByVictimOnceOut())
                    .as("requests on %s once out", victim)
                    .isEmpty();
            assertThat(failing.openedOnceOut())
                    .allSatisfy(s -> assertThat(s.pod()).isEqualTo(survivor));
            PodFailure.assertUntouched(failing.onSurvivor());
            PodFailure.assertUntouched(failing.onVictim());
            PodFailure.assertUntouched(failing.openedOnceOut());
        }
        // The BackendsHealthy condition names it and why, and kubectl describe prints the condition.
        awaitDescribed("unhealthy: " + victimIp + ":8080 (status 500)");
        assertThat(post(victim, "/recover")).contains("serving");
        replicas.awaitHealthy(victimIp, 8080, Duration.ofSeconds(15));
    }

    /**
     * kubectl delete pod: its endpoint turns terminating and the proxies stop sending it work while
     * it still serves (2 s after SIGTERM), then it exits.
     */
    private static void deleted(BackendEndpoints endpoints, ProxyReplicas replicas, String victim, String survivor)
            throws Exception {
        String version = replicas.version();
        try (PodFailure deleted = PodFailure.start(address, victim, survivor, websockets())) {
            run("delete", "pod", victim, "--wait=false");
            endpoints.await(victim, "ready=false serving=true terminating=true");
            replicas.awaitVersionOtherThan(version, Duration.ofSeconds(30));
            deleted.takenOut();
            deleted.stop();
            System.out.printf("%s deleted: %s%n", victim, deleted);
            // It serves 2 s after SIGTERM, so nothing fails when the proxies learn of it sooner; on a
            // machine so loaded that they do not, what was in flight on it when it exited may.
            assertThat(deleted.failed()).as("failed requests").hasSizeLessThanOrEqualTo(PodFailure.CLIENTS);
            assertThat(deleted.failedOnceOut())
                    .as("failed requests sent once it was out")
                    .isEmpty();
            assertThat(deleted.answeredByVictimOnceOut())
                    .as("requests on %s once out", victim)
                    .isEmpty();
            assertThat(deleted.openedOnceOut())
                    .allSatisfy(s -> assertThat(s.pod()).isEqualTo(survivor));
            PodFailure.assertUntouched(deleted.onSurvivor());
            PodFailure.assertUntouched(deleted.openedOnceOut());
        }
    }

    /**
     * The pod's process dies: requests in flight on it may fail, at most one per client; its
     * WebSockets end; every new WebSocket opens; the other pod's WebSockets carry on.
     */
    private static void killed(BackendEndpoints endpoints, String victim, String survivor) throws Exception {
        try (PodFailure killed = PodFailure.start(address, victim, survivor, websockets())) {
            long pid = Long.parseLong(
                    kubectl.run("get", "pod", victim, "-o", "jsonpath={.status.containerStatuses[0].containerID}")
                            .out()
                            .replace("local://", ""));
            // Its endpoint was not ready once already, before its first probe passed: only a state
            // seen after the kill may say the proxies are told.
            endpoints.forget(victim);
            assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue();
            endpoints.await(victim, "ready=false serving=false terminating=false");
            killed.takenOut();
            killed.stop();
            System.out.printf("%s's process killed: %s%n", victim, killed);
            assertThat(killed.failed()).as("failed requests").hasSizeLessThanOrEqualTo(PodFailure.CLIENTS);
            assertThat(killed.failedOnceOut())
                    .as("failed requests sent once it was out")
                    .isEmpty();
            PodFailure.assertUntouched(killed.onSurvivor());
            assertThat(killed.onVictim())
                    .allSatisfy(s -> assertThat(s.dropped()).isNotNull());
        }
    }

    /** Waits (at most 30 s) until kubectl describe says {@code text}. */
    private static void awaitDescribed(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String out = "";
        while (System.nanoTime() < deadline) {
            out = kubectl.run("describe", "slb", "demo").out();
            if (out.contains(text)) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(out).as("kubectl describe slb demo").contains(text);
    }

    private static String podIp(String pod) throws Exception {
        return kubectl.run("get", "pod", pod, "-o", "jsonpath={.status.podIP}").out();
    }

    @Test
    @Order(12)
    void deletingTheInstanceStopsItsProxiesAndRemovesWhatItOwned() throws Exception {
        for (String pid : kubectl.run(
                        "get",
                        "pods",
                        "-l",
                        "app.kubernetes.io/instance=demo",
                        "-o",
                        "jsonpath={.items[*].status.containerStatuses[0].containerID}")
                .out()
                .split(" ")) {
            proxyPids.add(Long.parseLong(pid.replace("local://", "")));
        }
        assertThat(proxyPids).isNotEmpty();
        TestingKubectl.Result delete = kubectl.run("delete", "slb", "demo", "--timeout=60s");
        assertThat(delete.code()).as(delete.toString()).isZero();
        TestingKubectl.Result left = kubectl.run("get", "deployments,services,configmaps", "-o", "name");
        assertThat(left.out()).doesNotContain("demo-proxy");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && proxyPids.stream().anyMatch(LocalClusterStoryTest::alive)) {
            Thread.sleep(200);
        }
        assertThat(proxyPids).noneMatch(LocalClusterStoryTest::alive);
        // The Pods were Terminating while their proxies drained; the kubelet removes them once stopped.
        while (System.nanoTime() < deadline
                && !kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=demo", "-o", "name")
                        .out()
                        .isEmpty()) {
            Thread.sleep(200);
        }
        assertThat(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=demo", "-o", "name")
                        .out())
                .isEmpty();
    }

    /**
     * Two backend groups routed by path (local/samples/paths.yaml): through the instance's own
     * address, /api and a WebSocket on /ws reach the api group's pod, the rest the default group's,
     * and /api written otherwise (dot segments, case) is routed by the same rule.
     */
    @Test
    @Order(13)
    void aLoadBalancerWithTwoBackendGroupsRoutesRequestsAndWebSocketsByPath() throws Exception {
        Path sample = REPO.resolve("local/samples/paths.yaml");
        TestingKubectl.Result apply = kubectl.run("apply", "-f", sample.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("loadbalancer.slb.dev/paths created");
        try {
            TestingKubectl.Result wait = kubectl.run("wait", "--for=condition=Ready", "slb/paths", "--timeout=90s");
            assertThat(wait.code()).as(wait + "\n" + logs()).isZero();
            String at = kubectl.run("get", "slb", "paths", "-o", "jsonpath={.status.addresses[0]}")
                    .out();
            assertThat(at).startsWith("127." + BLOCK + ".1.");

            // Ready says the replicas serve; the api group's one pod may still be passing its probe.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            HttpResponse<String> api = get("http://" + at + "/api/orders");
            while (!api.body().startsWith("demo-api-") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                api = get("http://" + at + "/api/orders");
            }
            assertThat(api.body()).as("/api/orders").startsWith("demo-api-").contains("saw GET /api/orders");
            for (String path : List.of("/api", "/API/orders", "/api;v=1/orders", "//api/orders?x=1")) {
                assertThat(get("http://" + at + path).body()).as(path).startsWith("demo-api-");
            }
            // A dot segment that some backends resolve and others keep would change the rule: refused.
            HttpResponse<String> dotted = get("http://" + at + "/x/../api/orders");
            assertThat(dotted.statusCode()).as("/x/../api/orders").isEqualTo(400);
            assertThat(dotted.headers().firstValue("X-SLB-Error")).hasValue("AmbiguousPath");
            for (String path : List.of("/hello", "/apis", "/")) {
                assertThat(get("http://" + at + path).body()).as(path).startsWith("demo-backend-");
            }
            assertThat(echo("ws://" + at + "/ws", "who"))
                    .as("the WebSocket on /ws, routed to the api group")
                    .startsWith("demo-api-");
        } finally {
            TestingKubectl.Result delete = kubectl.run("delete", "-f", sample.toString(), "--timeout=60s");
            assertThat(delete.code()).as(delete.toString()).isZero();
        }
    }

    // --- steps ---

    private static void patch(String mergePatch) throws Exception {
        TestingKubectl.Result patch = kubectl.run("patch", "slb", "demo", "--type", "merge", "-p", mergePatch);
        assertThat(patch.code()).as(patch.toString()).isZero();
        awaitProgrammed();
    }

    private static void patchListeners(String... listeners) throws Exception {
        patch("{\"spec\":{\"listeners\":[" + String.join(",", listeners) + "]}}");
    }

    /** A kubernetes.io/tls Secret made or replaced the way a user does it: kubectl create --dry-run, then apply. */
    private static void applySecret(String name, Path dir) throws Exception {
        TestingKubectl.Result yaml = kubectl.run(
                "create",
                "secret",
                "tls",
                name,
                "--cert=" + dir.resolve("tls.crt"),
                "--key=" + dir.resolve("tls.key"),
                "--dry-run=client",
                "-o",
                "yaml");
        assertThat(yaml.code()).as(yaml.toString()).isZero();
        Path file = Files.writeString(dir.resolve(name + ".yaml"), yaml.out());
        TestingKubectl.Result apply = kubectl.run("apply", "-f", file.toString());
        assertThat(apply.code()).as(apply.toString()).isZero();
    }

    private static List<String> demoCertificateAddresses() {
        List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
        for (int i = 1; i <= DemoObjects.CERTIFICATE_ADDRESSES; i++) {
            ips.add("127." + BLOCK + ".1." + i);
        }
        return ips;
    }

    /** Waits (a few seconds at most) until a new connection to the port gets an HTTP answer. */
    private static void awaitAnswers(String uri) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = get(uri);
                assertThat(r.statusCode()).isEqualTo(200);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError(uri + " never answered", last);
    }

    /** Waits until nothing listens on the port of the instance's address any more. */
    private static void awaitRefused(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 1000);
            } catch (IOException refused) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("port " + port + " still accepts connections");
    }

    /** Waits until a new TLS connection to the port is shown this certificate. */
    private static void awaitServedCertificate(int port, X509Certificate expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        Object seen = null;
        while (System.nanoTime() < deadline) {
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(address, port), 2000);
                plain.setSoTimeout(5000);
                try (SSLSocket tls =
                        (SSLSocket) TestingTls.trustAll().getSocketFactory().createSocket(plain, address, port, true)) {
                    tls.startHandshake();
                    seen = tls.getSession().getPeerCertificates()[0];
                    if (expected.equals(seen)) {
                        return;
                    }
                }
            } catch (IOException e) {
                seen = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("port " + port + " never served the renewed certificate; last: " + seen);
    }

    /** Each proxy pod of the instance as name, container id (its process) and restart count. */
    private static List<String> pods() throws Exception {
        String out = kubectl.run(
                        "get",
                        "pods",
                        "-l",
                        "app.kubernetes.io/instance=demo",
                        "-o",
                        "jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].containerID} "
                                + "{.status.containerStatuses[0].restartCount}{\"\\n\"}{end}")
                .out();
        return out.lines().filter(l -> !l.isBlank()).sorted().toList();
    }

    /** Waits until the operator reports the current generation Programmed (every replica serves it). */
    private static void awaitProgrammed() throws Exception {
        String generation = kubectl.run("get", "slb", "demo", "-o", "jsonpath={.metadata.generation}")
                .out();
        TestingKubectl.Result wait = kubectl.run(
                "wait",
                "slb/demo",
                "--timeout=90s",
                "--for=jsonpath={.status.conditions[?(@.type==\"Programmed\")].observedGeneration}=" + generation);
        assertThat(wait.code()).as(wait + "\n" + logs()).isZero();
        TestingKubectl.Result programmed =
                kubectl.run("wait", "slb/demo", "--timeout=25s", "--for=condition=Programmed");
        assertThat(programmed.code())
                .as(programmed + "\n"
                        + kubectl.run("get", "slb", "demo", "-o", "yaml").out() + logs())
                .isZero();
    }

    private static void openKeepAliveAndDownload() throws Exception {
        keepAlive = KeptAliveConnection.open(address);
        download = CompletableFuture.supplyAsync(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, 80), 5000);
                s.setSoTimeout(30_000);
                s.getOutputStream()
                        .write(("GET /bytes/" + DOWNLOAD_BYTES + " HTTP/1.1\r\nHost: demo\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                String head = KeptAliveConnection.readHead(in);
                if (!head.startsWith("HTTP/1.1 200")) {
                    throw new IOException("download answered " + head);
                }
                byte[] buffer = new byte[16 * 1024];
                long offset = 0;
                while (offset < DOWNLOAD_BYTES) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        throw new IOException("download cut after " + offset + " bytes");
                    }
                    for (int i = 0; i < n; i++) {
                        if ((buffer[i] & 0xff) != (int) ((offset + i) % 251)) {
                            throw new IOException("download corrupt at byte " + (offset + i));
                        }
                    }
                    offset += n;
                    downloaded.set(offset);
                    Thread.sleep(2); // a slow client: the download spans the tier edits
                }
                return offset;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /** The connection opened before the edits, asked every second since: still served, never closed. */
    private static void assertKeepAliveStillServes() throws InterruptedException {
        keepAlive.assertStillServes();
    }

    private static String rawUpgrade() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, 80), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(("GET /ws HTTP/1.1\r\nHost: demo\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = KeptAliveConnection.readHead(in);
            int length = Integer.parseInt(head.replaceAll("(?is).*content-length:\\s*(\\d+).*", "$1"));
            return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }
    }

    /** One client for the held WebSockets, trusting the demo certificate and its renewal. */
    private static HttpClient websockets() throws Exception {
        if (websocketClient == null) {
            websocketClient =
                    HttpClient.newBuilder().sslContext(TestingTls.trustAll()).build();
        }
        return websocketClient;
    }

    private static String echo(String uri, String text) throws Exception {
        CompletableFuture<String> reply = new CompletableFuture<>();
        HttpClient client = HttpClient.newBuilder().sslContext(demoTrust()).build();
        WebSocket ws = client.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(uri), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        reply.complete(data.toString());
                        return null;
                    }
                })
                .get(10, TimeUnit.SECONDS);
        try {
            ws.sendText(text, true).get(5, TimeUnit.SECONDS);
            return reply.get(10, TimeUnit.SECONDS);
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    private static HttpResponse<String> get(String uri) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(uri))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static SSLContext demoTrust() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cluster.caCertificate())) {
            trust.setCertificateEntry(
                    "demo", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String logs() {
        try {
            return "operator log tail:\n" + tail(work.resolve("run/operator.log"));
        } catch (IOException | ExecutionException e) {
            return "(no operator log: " + e + ")";
        }
    }

    private static String tail(Path file) throws IOException, ExecutionException {
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
