package dev.slb.proxy.testing;

import dev.slb.model.ConfigCodec;
import dev.slb.model.ProxyConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The proxy as a real child process, {@code java -cp <test classpath> dev.slb.proxy.ProxyMain
 * --config <file>}, the way a pod runs it: its config is a file the test can rewrite, SIGTERM is
 * {@link Process#destroy()}, and its output goes to a log file a failing test prints.
 */
public final class TestingProxyProcess implements AutoCloseable {
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(2);

    private final Process process;
    private final Path configFile;
    private final Path log;
    private final String adminHost;
    private final int adminPort;
    private final HttpClient admin = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(ADMIN_TIMEOUT)
            .build();

    private TestingProxyProcess(Process process, Path configFile, Path log, String adminHost, int adminPort) {
        this.process = process;
        this.configFile = configFile;
        this.log = log;
        this.adminHost = adminHost;
        this.adminPort = adminPort;
    }

    /** Writes {@code config} to {@code dir/config.yaml}, starts the proxy on it and waits until it is ready. */
    public static TestingProxyProcess start(Path dir, ProxyConfig config) throws Exception {
        Path configFile = dir.resolve("config.yaml");
        Files.writeString(configFile, ConfigCodec.write(config), StandardCharsets.UTF_8);
        return start(
                configFile,
                dir.resolve("proxy.log"),
                TestingPorts.LOOPBACK,
                config.admin().port());
    }

    /**
     * Starts the proxy on a config file already written, with more command-line {@code options},
     * logging to {@code log}, and waits until its admin port at {@code adminHost} says it is ready.
     * Several proxies may follow one file, as the replicas of a Deployment share one ConfigMap.
     */
    public static TestingProxyProcess start(
            Path configFile, Path log, String adminHost, int adminPort, String... options) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-cp",
                classpath(),
                "dev.slb.proxy.ProxyMain",
                "--config",
                configFile.toString()));
        command.addAll(List.of(options));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        TestingProxyProcess proxy = new TestingProxyProcess(p, configFile, log, adminHost, adminPort);
        try {
            proxy.awaitAdmin("/readyz", r -> r.status() == 200, Duration.ofSeconds(30));
        } catch (Throwable t) {
            proxy.close();
            throw new AssertionError("the proxy did not become ready; its log:\n" + proxy.log(), t);
        }
        return proxy;
    }

    /** The test JVM's classpath; surefire may hand it over as one manifest-only jar, which works as well. */
    private static String classpath() {
        String cp = System.getProperty("java.class.path");
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null && !surefire.isBlank()) {
            cp = surefire;
        }
        return cp;
    }

    public Process process() {
        return process;
    }

    public Path configFile() {
        return configFile;
    }

    /** Overwrites the config file in place, as a person editing it would. */
    public void writeConfig(String yaml) throws IOException {
        Files.writeString(configFile, yaml, StandardCharsets.UTF_8);
    }

    /** GET on the admin port; a connection failure comes back as status -1. */
    public AdminResponse admin(String path) {
        try {
            HttpResponse<String> r = admin.send(
                    HttpRequest.newBuilder(URI.create("http://" + adminHost + ":" + adminPort + path))
                            .timeout(ADMIN_TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new AdminResponse(r.statusCode(), r.body());
        } catch (IOException e) {
            return new AdminResponse(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new AdminResponse(-1, e.toString());
        }
    }

    /** Polls an admin path until {@code done} holds; fails after {@code wait} with the last answer. */
    public AdminResponse awaitAdmin(String path, Predicate<AdminResponse> done, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        AdminResponse last;
        do {
            last = admin(path);
            if (done.test(last)) {
                return last;
            }
            if (!process.isAlive()) {
                throw new AssertionError(
                        "the proxy exited with " + process.exitValue() + "; last " + path + ": " + last);
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(
                "admin " + path + " did not reach the expected state within " + wait + "; last: " + last);
    }

    /** SIGTERM on Linux. */
    public void sigterm() {
        process.destroy();
    }

    /** The exit code, or null if it is still running after {@code wait}. */
    public Integer waitForExit(Duration wait) throws InterruptedException {
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** An admin answer. */
    public record AdminResponse(int status, String body) {}
}
