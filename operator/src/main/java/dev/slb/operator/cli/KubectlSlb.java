package dev.slb.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slb.model.Durations;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.ProxyConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kubectl plugin {@code kubectl slb} ({@code operator/bin/kubectl-slb} on the PATH runs it): {@code status NAME}
 * prints a LoadBalancer's conditions, replicas and what each proxy's admin port reports, read through the API
 * server's pod proxy with the user's own kubectl, so it uses their kubeconfig, context and credentials.
 */
public final class KubectlSlb {
    static final String USAGE = "usage: kubectl slb status NAME [-n NAMESPACE] [--context CONTEXT] [--kubeconfig FILE]"
            + " [--interval 2s]\n"
            + "  Prints the LoadBalancer's conditions, each proxy replica's config version, connections and new\n"
            + "  connections per second (two scrapes --interval apart), each listener's connections, WebSockets,\n"
            + "  requests per second and share of 5xx over the replicas, and backend health.\n"
            + "  Needs get on loadbalancers.slb.dev, list on pods, and get on pods/proxy in the namespace.\n";
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(30);

    private final List<String> global;

    private KubectlSlb(List<String> global) {
        this.global = global;
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException e) {
            System.err.print("kubectl slb: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        } catch (IOException e) {
            System.err.println("kubectl slb: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(130);
        }
    }

    static int run(String[] args) throws IOException, InterruptedException {
        List<String> global = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        Duration interval = DEFAULT_INTERVAL;
        String namespace = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                case "-n", "--namespace" -> namespace = value(args, ++i, a);
                case "--context", "--kubeconfig" -> {
                    global.add(a);
                    global.add(value(args, ++i, a));
                }
                case "--interval" -> interval = interval(value(args, ++i, a));
                default -> {
                    if (a.startsWith("--namespace=")) {
                        namespace = a.substring("--namespace=".length());
                    } else if (a.startsWith("--context=") || a.startsWith("--kubeconfig=")) {
                        global.add(a);
                    } else if (a.startsWith("--interval=")) {
                        interval = interval(a.substring("--interval=".length()));
                    } else if (a.startsWith("-")) {
                        System.err.print("kubectl slb: unknown flag " + a + "\n" + USAGE);
                        return 2;
                    } else {
                        positional.add(a);
                    }
                }
            }
        }
        if (positional.size() != 2 || !positional.get(0).equals("status")) {
            System.err.print(USAGE);
            return 2;
        }
        if (namespace != null) {
            global.add("--namespace");
            global.add(namespace);
        }
        System.out.print(new KubectlSlb(global).status(positional.get(1), interval));
        return 0;
    }

    private String status(String name, Duration interval) throws IOException, InterruptedException {
        JsonNode lb = JSON.readTree(kubectl("get", "loadbalancers.slb.dev", name, "-o", "json"));
        String namespace = lb.path("metadata").path("namespace").asText();
        JsonNode pods = JSON.readTree(kubectl(
                "get",
                "pods",
                "--namespace",
                namespace,
                "-l",
                Names.NAME_LABEL + "=" + Names.APP + "," + Names.INSTANCE_LABEL + "=" + name,
                "-o",
                "json"));
        List<JsonNode> running = new ArrayList<>();
        pods.path("items").forEach(running::add);
        List<String> before = new ArrayList<>();
        for (JsonNode pod : running) {
            before.add(admin(namespace, pod, "metrics"));
        }
        long start = System.nanoTime();
        Thread.sleep(interval.toMillis());
        List<StatusScreen.Replica> replicas = new ArrayList<>();
        for (int i = 0; i < running.size(); i++) {
            JsonNode pod = running.get(i);
            String after = admin(namespace, pod, "metrics");
            Duration apart = Duration.ofNanos(System.nanoTime() - start);
            String config = admin(namespace, pod, "config");
            replicas.add(new StatusScreen.Replica(
                    pod,
                    config == null ? null : JSON.readTree(config),
                    admin(namespace, pod, "backends"),
                    before.get(i),
                    after,
                    apart));
        }
        return StatusScreen.render(lb, replicas);
    }

    /** A GET of the pod's admin port through the API server's pod proxy; null when the pod does not answer. */
    private String admin(String namespace, JsonNode pod, String path) throws IOException, InterruptedException {
        if (pod.path("status").path("podIP").asText().isEmpty()) {
            return null;
        }
        String raw = "/api/v1/namespaces/" + namespace + "/pods/"
                + pod.path("metadata").path("name").asText() + ":" + ProxyConfigs.ADMIN_PORT + "/proxy/" + path;
        try {
            return kubectl("get", "--raw", raw);
        } catch (IOException e) {
            return null;
        }
    }

    private String kubectl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(System.getenv().getOrDefault("SLB_KUBECTL", "kubectl"));
        command.addAll(global);
        command.addAll(List.of(args));
        Path out = Files.createTempFile("kubectl-slb", ".out");
        Path err = Files.createTempFile("kubectl-slb", ".err");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(KUBECTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(
                        String.join(" ", command) + " did not answer in " + Durations.format(KUBECTL_TIMEOUT));
            }
            if (p.exitValue() != 0) {
                throw new IOException(
                        Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static Duration interval(String text) {
        Duration d = Durations.parse(text);
        if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("--interval " + text + " is out of range (100ms to 1m)");
        }
        return d;
    }
}
