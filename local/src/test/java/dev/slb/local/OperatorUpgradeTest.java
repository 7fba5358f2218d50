package dev.slb.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.local.apiserver.TestingKubectl;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operator upgrade that brought TLS Secrets read through the API, under a live instance: the
 * objects operator 0.1.0 rendered (pods mounting their Secret, a Role on the ConfigMap only) serve
 * traffic with the operator stopped; then the current operator starts over them. It rewrites the
 * config (Secrets by name), grants the Secret in the Role, and rolls the pods once (their template
 * lost the Secret volume), one at a time and drained; requests on new connections keep being
 * answered throughout, and a WebSocket held on an old pod ends with a close frame (1001), never cut.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OperatorUpgradeTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path FIXTURE = Path.of("src/test/resources/upgrade/from-0.1.0");
    /** Another block than the story's (the same PID picks both), so the two never share an address. */
    private static final int BLOCK = 100 + (int) ((ProcessHandle.current().pid() + 75) % 150);

    private static LocalCluster cluster;
    private static TestingKubectl kubectl;
    private static Path work;

    @BeforeAll
    static void start() throws Exception {
        TestingKubectl.requireKubectl();
        work = Files.createTempDirectory("slb-upgrade");
        cluster = LocalCluster.start(new LocalCluster.Options(
                REPO,
                work.resolve("run"),
                0,
                BLOCK,
                // Short drains, so the roll takes seconds; the mechanism is the one a cluster runs.
                Map.of("SLB_PROXY_READINESS_GRACE_PERIOD", "1s", "SLB_PROXY_DRAIN_TIMEOUT", "3s")));
        kubectl = TestingKubectl.forKubeconfig(cluster.kubeconfig(), work);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anInstanceRenderedByTheOldOperatorKeepsServingThroughTheUpgrade() throws Exception {
        // The instance as operator 0.1.0 left it: applied by the user, rendered by the old operator.
        cluster.stopOperator();
        String backend = "127." + BLOCK + ".0.2";
        Path lb = Files.writeString(
                work.resolve("legacy.yaml"),
                Files.readString(FIXTURE.resolve("legacy.yaml")).replace("${BACKEND}", backend));
        run("apply", "-f", lb.toString());
        String uid = run("get", "slb", "legacy", "-o", "jsonpath={.metadata.uid}");
        Path rendered = Files.writeString(
                work.resolve("rendered.yaml"),
                Files.readString(FIXTURE.resolve("rendered.yaml"))
                        .replace("${BACKEND}", backend)
                        .replace("${UID}", uid));
        run("apply", "-f", rendered.toString());
        String address = awaitOutput(
                () -> run("get", "svc", "legacy-proxy", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"),
                ip -> !ip.isBlank(),
                "the Service's address");
        List<String> oldPods =
                awaitOutput(() -> readyPods("legacy"), pods -> pods.size() == 2, "the two old pods ready");
        assertThat(get("http://" + address + "/before").statusCode()).isEqualTo(200);
        assertThat(get("https://" + address + "/before").statusCode()).isEqualTo(200);
        assertThat(run(
                        "get",
                        "deploy",
                        "legacy-proxy",
                        "-o",
                        "jsonpath={.spec.template.spec.volumes[*].secret.secretName}"))
                .as("the old pods mount their Secret")
                .isEqualTo("demo-tls");

        // Traffic throughout: a request on a new connection every 50 ms, and WebSockets held open.
        Traffic traffic = new Traffic(address);
        List<HeldWebSocket> held = new ArrayList<>();
        HttpClient ws =
                HttpClient.newBuilder().sslContext(TestingTls.trustAll()).build();
        try {
            for (int i = 0; i < 2; i++) {
                held.add(HeldWebSocket.open(ws, URI.create("ws://" + address + "/ws")));
                held.add(HeldWebSocket.open(ws, URI.create("wss://" + address + "/ws")));
            }
            traffic.awaitRequests(20);

            cluster.startOperator();

            String generation = run("get", "slb", "legacy", "-o", "jsonpath={.metadata.generation}");
            awaitOutput(
                    () -> run(
                            "get",
                            "slb",
                            "legacy",
                            "-o",
                            "jsonpath={.status.conditions[?(@.type==\"Programmed\")].status}"
                                    + "/{.status.conditions[?(@.type==\"Programmed\")].observedGeneration}"),
                    s -> s.equals("True/" + generation),
                    "Programmed for generation " + generation);
            List<String> newPods = awaitOutput(
                    () -> readyPods("legacy"),
                    pods -> pods.size() == 2 && pods.stream().noneMatch(oldPods::contains),
                    "two new pods ready and the old ones gone");
            assertThat(newPods).doesNotContainAnyElementsOf(oldPods);
            traffic.awaitRequests(traffic.requests() + 20);
        } finally {
            traffic.close();
            held.forEach(HeldWebSocket::stopSending);
        }

        assertThat(traffic.failures())
                .as("requests that failed out of %d sent during the upgrade", traffic.requests())
                .isEmpty();
        for (HeldWebSocket h : held) {
            // Every held WebSocket was on an old pod: it ends as a drain ends it, with a close frame.
            assertThat(h.awaitEnd(Duration.ofSeconds(30))).as("%s", h).startsWith("closed by the other side with 1001");
        }
        assertThat(get("http://" + address + "/after").statusCode()).isEqualTo(200);
        assertThat(get("https://" + address + "/after").statusCode()).isEqualTo(200);
        HeldWebSocket after = HeldWebSocket.open(ws, URI.create("wss://" + address + "/ws"));
        after.stopSending();
        after.close();

        // What the new operator made of it: Secrets read through the API, granted by name, one roll announced.
        assertThat(run("get", "cm", "legacy-proxy-config", "-o", "jsonpath={.data.config\\.yaml}"))
                .contains("secretName: demo-tls")
                .doesNotContain("certificateFile");
        assertThat(run(
                        "get",
                        "deploy",
                        "legacy-proxy",
                        "-o",
                        "jsonpath={.spec.template.spec.volumes[*].secret.secretName}"))
                .isEmpty();
        assertThat(run("get", "role", "legacy-proxy", "-o", "jsonpath={.rules[*].resourceNames}"))
                .contains("legacy-proxy-config")
                .contains("demo-tls");
        assertThat(run(
                        "get",
                        "events",
                        "--field-selector",
                        "involvedObject.name=legacy",
                        "-o",
                        "jsonpath={.items[*].reason}"))
                .contains("PodsRolling");
        System.out.printf(
                "upgrade: %d requests on new connections during the roll, 0 failed; %d WebSockets closed with 1001%n",
                traffic.requests(), held.size());
    }

    // ---- helpers

    private static String run(String... args) throws Exception {
        TestingKubectl.Result r = kubectl.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out().strip();
    }

    private static List<String> readyPods(String instance) throws Exception {
        String out = run(
                "get",
                "pods",
                "-l",
                "app.kubernetes.io/instance=" + instance,
                "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type==\"Ready\")].status}"
                        + " {.metadata.deletionTimestamp}{\"\\n\"}{end}");
        return out.lines()
                .map(String::strip)
                .filter(l -> l.endsWith(" True"))
                .map(l -> l.substring(0, l.indexOf(' ')))
                .sorted()
                .toList();
    }

    private interface Probe<T> {
        T get() throws Exception;
    }

    private static <T> T awaitOutput(Probe<T> probe, java.util.function.Predicate<T> ok, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        T last = null;
        while (System.nanoTime() < deadline) {
            last = probe.get();
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("waited 90 s for " + what + "; last seen: " + last + "\n" + operatorLog());
    }

    private static String operatorLog() {
        try {
            List<String> lines = Files.readAllLines(work.resolve("run/operator.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no operator log: " + e + ")";
        }
    }

    private static HttpResponse<String> get(String uri) throws Exception {
        return HttpClient.newBuilder()
                .sslContext(TestingTls.trustAll())
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create(uri))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** A request on a new connection every 50 ms, HTTP and HTTPS in turn, each failure kept with why. */
    private static final class Traffic implements AutoCloseable {
        private final AtomicLong requests = new AtomicLong();
        private final List<String> failures = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Traffic(String address) {
            thread = new Thread(
                    () -> {
                        long n = 0;
                        while (!stop.get()) {
                            String uri = (n++ % 2 == 0 ? "http://" : "https://") + address + "/traffic/" + n;
                            try {
                                // A new client each time: a new connection, as a fresh visitor makes.
                                HttpResponse<String> r = get(uri);
                                if (r.statusCode() != 200) {
                                    failures.add(uri + ": HTTP " + r.statusCode() + " " + r.body());
                                }
                            } catch (Exception e) {
                                failures.add(uri + ": " + e);
                            }
                            requests.incrementAndGet();
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "upgrade-traffic");
            thread.setDaemon(true);
            thread.start();
        }

        long requests() {
            return requests.get();
        }

        List<String> failures() {
            return failures;
        }

        void awaitRequests(long atLeast) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (requests.get() < atLeast && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(15_000);
        }
    }
}
