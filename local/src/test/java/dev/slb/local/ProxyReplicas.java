package dev.slb.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.local.apiserver.TestingKubectl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An instance's proxy replicas as their admin ports show them, found through kubectl as a user
 * would: the config version each serves and each one's {@code /backends} report, to tell the
 * moment every replica has taken a backend out.
 */
final class ProxyReplicas {

    private static final Pattern VERSION = Pattern.compile("\"version\":\"([^\"]+)\"");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<URI> admins;

    private ProxyReplicas(List<URI> admins) {
        this.admins = admins;
    }

    /** The running replicas of instance {@code instance}, by their pods' addresses and admin ports. */
    static ProxyReplicas of(TestingKubectl kubectl, String instance) throws Exception {
        TestingKubectl.Result pods = kubectl.run(
                "get",
                "pods",
                "-l",
                "app.kubernetes.io/instance=" + instance,
                "-o",
                "jsonpath={range .items[*]}{.status.podIP} "
                        + "{.spec.containers[0].ports[?(@.name==\"admin\")].containerPort}{\"\\n\"}{end}");
        assertThat(pods.code()).as(pods.toString()).isZero();
        List<URI> admins = new ArrayList<>();
        for (String line : pods.out().strip().split("\n")) {
            String[] ipPort = line.strip().split(" ");
            admins.add(URI.create("http://" + ipPort[0] + ":" + ipPort[1]));
        }
        assertThat(admins).as("proxy replicas of %s", instance).isNotEmpty();
        return new ProxyReplicas(admins);
    }

    /** The config version every replica serves now; fails unless they all serve the same one. */
    String version() throws Exception {
        List<String> versions = new ArrayList<>();
        for (URI admin : admins) {
            Matcher m = VERSION.matcher(get(admin.resolve("/config")));
            assertThat(m.find()).isTrue();
            versions.add(m.group(1));
        }
        assertThat(versions).as("config versions of the replicas").containsOnly(versions.get(0));
        return versions.get(0);
    }

    /**
     * The WebSockets open on each replica now, as its {@code /metrics} says ({@code slb_websockets_open} summed over
     * listeners and backends), in the order of {@link #of}.
     */
    List<Long> websocketsOpen() throws Exception {
        List<Long> open = new ArrayList<>();
        for (URI admin : admins) {
            double sum = 0;
            for (String line : get(admin.resolve("/metrics")).split("\n")) {
                if (line.startsWith("slb_websockets_open{")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            open.add((long) sum);
        }
        return open;
    }

    /** Waits (at most {@code limit}) until every replica serves a config version other than {@code before}. */
    void awaitVersionOtherThan(String before, Duration limit) throws Exception {
        awaitEvery(
                limit,
                admin -> {
                    Matcher m = VERSION.matcher(get(admin.resolve("/config")));
                    return m.find() && !m.group(1).equals(before);
                },
                "a config version other than " + before);
    }

    /**
     * Waits (at most {@code limit}) until every replica's {@code /backends} reports {@code
     * address:port} unhealthy; the last report of each, for the reason.
     */
    List<String> awaitUnhealthy(String address, int port, Duration limit) throws Exception {
        return awaitEvery(
                limit,
                admin -> backendLine(admin, address, port).contains("\tunhealthy\t"),
                address + ":" + port + " unhealthy");
    }

    /** Waits (at most {@code limit}) until every replica's {@code /backends} reports {@code address:port} healthy. */
    void awaitHealthy(String address, int port, Duration limit) throws Exception {
        awaitEvery(
                limit,
                admin -> backendLine(admin, address, port).contains("\thealthy\t"),
                address + ":" + port + " healthy");
    }

    private static String backendLine(URI admin, String address, int port) throws Exception {
        for (String line : get(admin.resolve("/backends")).split("\n")) {
            if (line.contains("\t" + address + "\t" + port + "\t")) {
                return line;
            }
        }
        return "";
    }

    private interface Probe {
        boolean test(URI admin) throws Exception;
    }

    private List<String> awaitEvery(Duration limit, Probe probe, String what) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        List<URI> waiting = new ArrayList<>(admins);
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            List<URI> still = new ArrayList<>();
            for (URI admin : waiting) {
                if (!probe.test(admin)) {
                    still.add(admin);
                }
            }
            waiting = still;
            if (!waiting.isEmpty()) {
                Thread.sleep(20);
            }
        }
        List<String> reports = new ArrayList<>();
        for (URI admin : admins) {
            reports.add(admin + ": " + get(admin.resolve("/backends")).strip());
        }
        assertThat(waiting)
                .as("replicas without %s within %d s; their backends: %s", what, limit.toSeconds(), reports)
                .isEmpty();
        return reports;
    }

    private static String get(URI uri) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", uri, r.body()).isEqualTo(200);
        return r.body();
    }
}
