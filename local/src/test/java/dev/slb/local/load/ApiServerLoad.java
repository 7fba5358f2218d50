package dev.slb.local.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A bounded load of the local API server shaped like the operator's: N LoadBalancers, each with a
 * status write and the objects the operator owns for it (read from the operator's golden files),
 * created by a few clients while one watch per kind follows, then the LoadBalancers deleted and
 * their owned objects awaited gone. Reports times at the server, request latencies, watch events
 * and (for a server it starts) startup time and peak RSS. A measurement tool: it asserts nothing.
 *
 * <p>{@code local/bin/apiload [--jar JAR | --server URL] [--count N] [--clients N]}.
 */
public final class ApiServerLoad {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final int MAX_COUNT = 5000;
    static final int MAX_CLIENTS = 16;
    private static final String NS = "default";
    private static final String MANAGED = "app.kubernetes.io/managed-by=slb-operator";
    /** The owner uid the operator's golden files carry, replaced by each LoadBalancer's own. */
    private static final String TEMPLATE_UID = "00000000-0000-0000-0000-000000000001";

    /** What one run measured. */
    public record Report(
            int loadBalancers,
            int ownedObjects,
            Duration create,
            Duration delete,
            List<Long> createMicros,
            List<Long> deleteMicros,
            long watchEvents,
            int ownedLeft,
            Duration createCpu,
            Duration deleteCpu) {

        String text() {
            return String.format(
                    Locale.ROOT,
                    "create: %d LoadBalancers (each with a status write) and %d owned objects in %.2f s;"
                            + " per request p50 %.1f ms, p99 %.1f ms, max %.1f ms%n"
                            + "delete: %d LoadBalancers, all owned objects gone, in %.2f s;"
                            + " per request p50 %.1f ms, p99 %.1f ms, max %.1f ms%n"
                            + "watch: %d events over one watch per kind%n"
                            + "server CPU: %.2f s creating, %.2f s deleting%n",
                    loadBalancers,
                    ownedObjects,
                    create.toMillis() / 1000.0,
                    percentile(createMicros, 50),
                    percentile(createMicros, 99),
                    percentile(createMicros, 100),
                    loadBalancers,
                    delete.toMillis() / 1000.0,
                    percentile(deleteMicros, 50),
                    percentile(deleteMicros, 99),
                    percentile(deleteMicros, 100),
                    watchEvents,
                    createCpu.toMillis() / 1000.0,
                    deleteCpu.toMillis() / 1000.0);
        }
    }

    private final String server;
    private final Path repo;
    private final HttpClient http;
    private final Duration deadline;
    private final Supplier<Duration> serverCpu;

    /** {@code serverCpu} tells the CPU time the server has used so far (zero when it cannot be read). */
    ApiServerLoad(String server, Path repo, Duration deadline, Supplier<Duration> serverCpu) {
        URI uri = URI.create(server);
        if (!"http".equals(uri.getScheme()) || !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("the load goes to a loopback http:// server only, not " + server);
        }
        this.server = server;
        this.repo = repo;
        this.deadline = deadline;
        this.serverCpu = serverCpu;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Creates {@code count} LoadBalancers with their objects over {@code clients} connections, then deletes them. */
    Report run(int count, int clients) throws Exception {
        if (count < 1 || count > MAX_COUNT || clients < 1 || clients > MAX_CLIENTS) {
            throw new IllegalArgumentException("count must be 1.." + MAX_COUNT + " and clients 1.." + MAX_CLIENTS
                    + "; got " + count + ", " + clients);
        }
        long end = System.nanoTime() + deadline.toNanos();
        installCrd();
        String sample = yaml(Files.readString(repo.resolve("crds/samples/guaranteed.yaml")))
                .toString();
        List<String> owned = ownedTemplates();
        List<Watch> watches = new ArrayList<>();
        AtomicLong events = new AtomicLong();
        for (String path : kindPaths(owned)) {
            watches.add(watch(path, events));
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Long> createMicros = Collections.synchronizedList(new ArrayList<>());
            AtomicLong ownedCount = new AtomicLong();
            long start = System.nanoTime();
            Duration cpu = serverCpu.get();
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = "load-" + i;
                boolean pdb = i % 2 == 0;
                work.add(pool.submit(() -> {
                    createOne(name, sample, owned, pdb, createMicros, ownedCount);
                    return null;
                }));
            }
            awaitAll(work, end);
            Duration create = Duration.ofNanos(System.nanoTime() - start);
            Duration createCpu = serverCpu.get().minus(cpu);
            cpu = serverCpu.get();

            List<Long> deleteMicros = Collections.synchronizedList(new ArrayList<>());
            start = System.nanoTime();
            work.clear();
            for (int i = 0; i < count; i++) {
                String path = "/apis/slb.dev/v1alpha1/namespaces/" + NS + "/loadbalancers/load-" + i;
                work.add(pool.submit(() -> {
                    timed("DELETE", path, "{\"propagationPolicy\":\"Background\"}", deleteMicros);
                    return null;
                }));
            }
            awaitAll(work, end);
            int left = awaitOwnedGone(owned, end);
            Duration delete = Duration.ofNanos(System.nanoTime() - start);
            Duration deleteCpu = serverCpu.get().minus(cpu);
            awaitQuiet(events, end);
            return new Report(
                    count,
                    (int) ownedCount.get(),
                    create,
                    delete,
                    sorted(createMicros),
                    sorted(deleteMicros),
                    events.get(),
                    left,
                    createCpu,
                    deleteCpu);
        } finally {
            pool.shutdownNow();
            watches.forEach(Watch::close);
        }
    }

    private void createOne(
            String name, String sample, List<String> owned, boolean pdb, List<Long> micros, AtomicLong ownedCount)
            throws IOException, InterruptedException {
        JsonNode created = timed(
                "POST",
                "/apis/slb.dev/v1alpha1/namespaces/" + NS + "/loadbalancers",
                sample.replace("\"name\":\"chat\"", "\"name\":\"" + name + "\""),
                micros);
        String uid = created.path("metadata").path("uid").asText();
        timed(
                "PATCH",
                "/apis/slb.dev/v1alpha1/namespaces/" + NS + "/loadbalancers/" + name + "/status",
                "{\"status\":{\"observedGeneration\":1,\"tier\":\"slb.s2.small\",\"conditions\":[{\"type\":\"Accepted\","
                        + "\"status\":\"True\",\"reason\":\"Accepted\",\"message\":\"the spec is valid\","
                        + "\"lastTransitionTime\":\"2026-12-01T00:00:00Z\"}]}}",
                micros);
        for (String template : owned) {
            if (!pdb && template.contains("\"kind\":\"PodDisruptionBudget\"")) {
                continue;
            }
            String object = template.replace("chat", name).replace(TEMPLATE_UID, uid);
            timed("POST", collection(JSON.readTree(object)), object, micros);
            ownedCount.incrementAndGet();
        }
    }

    /** Waits until no object the operator would own is left; returns how many are left at the deadline. */
    private int awaitOwnedGone(List<String> owned, long end) throws IOException, InterruptedException {
        while (true) {
            int left = 0;
            for (String path : kindPaths(owned)) {
                if (!path.endsWith("/loadbalancers")) {
                    left += send("GET", path + "?labelSelector=" + MANAGED.replace("=", "%3D"), null)
                            .path("items")
                            .size();
                }
            }
            if (left == 0 || System.nanoTime() > end) {
                return left;
            }
            Thread.sleep(20);
        }
    }

    private void installCrd() throws IOException, InterruptedException {
        JsonNode crd = yaml(Files.readString(repo.resolve("crds/loadbalancers.slb.dev-v1.yml")));
        HttpResponse<String> r = request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        if (r.statusCode() != 201 && r.statusCode() != 409) {
            throw new IllegalStateException("cannot install the CRD: " + r.statusCode() + " " + r.body());
        }
        for (int i = 0;
                i < 100 && request("GET", "/apis/slb.dev/v1alpha1", null).statusCode() != 200;
                i++) {
            Thread.sleep(50);
        }
    }

    private List<String> ownedTemplates() throws IOException {
        Path golden = repo.resolve("operator/src/test/resources/golden/guaranteed");
        List<String> templates = new ArrayList<>();
        try (Stream<Path> files = Files.list(golden)) {
            for (Path file : files.sorted().toList()) {
                String text = Files.readString(file);
                JsonNode object = yaml(text);
                if (file.getFileName().toString().startsWith("out-")
                        && object.path("metadata").has("ownerReferences")) {
                    templates.add(object.toString());
                }
            }
        }
        if (templates.isEmpty()) {
            throw new IllegalStateException("no owned objects in " + golden);
        }
        return templates;
    }

    /** The collections to watch, one per kind: LoadBalancers, then each owned kind. */
    private static List<String> kindPaths(List<String> owned) {
        List<String> paths = new ArrayList<>(List.of("/apis/slb.dev/v1alpha1/loadbalancers"));
        for (String template : owned) {
            JsonNode object = yaml(template);
            paths.add(base(object.path("apiVersion").asText()) + "/" + plural(object));
        }
        return paths;
    }

    private static String collection(JsonNode object) {
        return base(object.path("apiVersion").asText()) + "/namespaces/"
                + object.path("metadata").path("namespace").asText(NS) + "/" + plural(object);
    }

    private static String base(String apiVersion) {
        return apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
    }

    private static String plural(JsonNode object) {
        return object.path("kind").asText().toLowerCase(Locale.ROOT) + "s";
    }

    private JsonNode timed(String method, String path, String body, List<Long> micros)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        JsonNode answer = send(method, path, body);
        micros.add((System.nanoTime() - start) / 1000);
        return answer;
    }

    private JsonNode send(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = request(method, path, body == null ? null : JSON.readTree(body));
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> request(String method, String path, JsonNode body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            b.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A watch of one collection across namespaces, as an informer keeps one, counting its events. */
    private Watch watch(String path, AtomicLong events) throws IOException, InterruptedException {
        String version =
                send("GET", path, null).path("metadata").path("resourceVersion").asText();
        HttpResponse<InputStream> r = http.send(
                HttpRequest.newBuilder(URI.create(
                                server + path + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + version))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Watch watch = new Watch(r.body());
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines =
                            new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                        while (lines.readLine() != null) {
                            events.incrementAndGet();
                        }
                    } catch (IOException e) {
                        // closed at the end of the run
                    }
                },
                "load-watch");
        reader.setDaemon(true);
        reader.start();
        return watch;
    }

    private record Watch(InputStream body) {
        void close() {
            try {
                body.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** Waits (at most 5 s) until the watches have read what was sent to them: no event for 200 ms. */
    private static void awaitQuiet(AtomicLong events, long end) throws InterruptedException {
        long stop = Math.min(end, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        for (long seen = -1; seen != events.get() && System.nanoTime() < stop; ) {
            seen = events.get();
            Thread.sleep(200);
        }
    }

    private static void awaitAll(List<Future<?>> work, long end) throws Exception {
        for (Future<?> f : work) {
            f.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }

    private static double percentile(List<Long> sortedMicros, int p) {
        if (sortedMicros.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sortedMicros.size()) - 1;
        return sortedMicros.get(Math.max(0, Math.min(i, sortedMicros.size() - 1))) / 1000.0;
    }

    private static Supplier<Duration> cpuOf(Optional<ProcessHandle> process) {
        return () -> process.flatMap(p -> p.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.startsWith("127.") || host.equals("localhost") || host.equals("[::1]"));
    }

    /**
     * {@code --jar JAR} starts that jar's API server (default {@code local/target/slb-local.jar}) and
     * reports its startup time and peak RSS too; {@code --server URL} loads a running one.
     */
    public static void main(String[] args) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Path jar = repo.resolve("local/target/slb-local.jar");
        String url = null;
        String javaOptions = "";
        long pid = 0;
        int count = 1000;
        int clients = 4;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--jar" -> jar = Path.of(value);
                case "--server" -> url = value;
                case "--pid" -> pid = Long.parseLong(value);
                case "--java-opts" -> javaOptions = value;
                case "--count" -> count = Integer.parseInt(value);
                case "--clients" -> clients = Integer.parseInt(value);
                default ->
                    throw new IllegalArgumentException(
                            "usage: apiload [--jar JAR [--java-opts OPTS] | --server URL [--pid PID]] [--count N (1.."
                                    + MAX_COUNT + ")] [--clients N (1.." + MAX_CLIENTS + ")]");
            }
            i++;
        }
        Duration deadline = Duration.ofMinutes(10);
        if (url != null) {
            Supplier<Duration> cpu = cpuOf(ProcessHandle.of(pid));
            System.out.print(new ApiServerLoad(url, repo, deadline, cpu)
                    .run(count, clients)
                    .text());
            return;
        }
        try (ServerProcess server = ServerProcess.start(jar, javaOptions)) {
            System.out.printf(
                    Locale.ROOT,
                    "server: %s answered /version %.2f s after its JVM started%n",
                    jar,
                    server.startup().toMillis() / 1000.0);
            Report report = new ApiServerLoad(
                            server.url(), repo, deadline, cpuOf(Optional.of(server.process.toHandle())))
                    .run(count, clients);
            System.out.print(report.text());
            System.out.printf(
                    Locale.ROOT,
                    "server RSS: peak %d MB sampled, VmHWM %d MB%n",
                    server.peakRssKb() / 1024,
                    server.highWaterKb() / 1024);
        }
    }

    /** The API server of a jar, run as a process of its own so its memory can be read. */
    private static final class ServerProcess implements AutoCloseable {
        private final Process process;
        private final String url;
        private final Duration startup;
        private final AtomicLong peakKb = new AtomicLong();
        private final Thread sampler;

        private ServerProcess(Process process, String url, Duration startup) {
            this.process = process;
            this.url = url;
            this.startup = startup;
            this.sampler = new Thread(
                    () -> {
                        while (process.isAlive()) {
                            peakKb.accumulateAndGet(status("VmRSS:"), Math::max);
                            try {
                                Thread.sleep(100);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        static ServerProcess start(Path jar, String javaOptions) throws Exception {
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Path kubeconfig = Files.createTempFile("apiload", ".kubeconfig");
            long begin = System.nanoTime();
            List<String> command = new ArrayList<>(List.of("java"));
            command.addAll(List.of(javaOptions.split("\\s+")).stream()
                    .filter(o -> !o.isEmpty())
                    .toList());
            command.addAll(List.of(
                    "-cp",
                    jar.toString(),
                    "dev.slb.local.apiserver.LocalApiServer",
                    "--port",
                    String.valueOf(port),
                    "--kubeconfig",
                    kubeconfig.toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(Files.createTempFile("apiload", ".log").toFile())
                    .start();
            String url = "http://127.0.0.1:" + port;
            HttpClient probe = HttpClient.newHttpClient();
            for (int i = 0; i < 3000; i++) {
                try {
                    if (probe.send(
                                            HttpRequest.newBuilder(URI.create(url + "/version"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200) {
                        return new ServerProcess(process, url, Duration.ofNanos(System.nanoTime() - begin));
                    }
                } catch (IOException e) {
                    Thread.sleep(10);
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("the server of " + jar + " did not answer within 30 s");
        }

        String url() {
            return url;
        }

        Duration startup() {
            return startup;
        }

        long peakRssKb() {
            return peakKb.get();
        }

        long highWaterKb() {
            return status("VmHWM:");
        }

        private long status(String field) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                    if (line.startsWith(field)) {
                        return Long.parseLong(line.replaceAll("\\D", ""));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the process is gone or this is not Linux
            }
            return 0;
        }

        @Override
        public void close() throws InterruptedException {
            sampler.interrupt();
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
