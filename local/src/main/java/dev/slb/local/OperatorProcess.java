package dev.slb.local;

import dev.slb.local.process.Detached;
import dev.slb.local.process.StaleProcesses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator as local/ runs it: a child process from its own launcher (so with the JVM flags it
 * is deployed with), text logs in {@code <state>/operator.log}, its admin port on 127.0.0.1, and a
 * restart with back-off when it exits on its own, as its Deployment would do in a cluster.
 */
final class OperatorProcess {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorProcess.class);
    /** What the operator's container limit (deploy/deployment.yaml, 512 MiB) tells its JVM in a cluster. */
    static final String JVM_LIMITS = "-XX:MaxRAM=512m";

    private final Path repository;
    private final Path state;
    private final Path kubeconfig;
    private final Map<String, String> environment;
    private final int adminPort;
    private final Object lock = new Object();
    private volatile Process process;
    private volatile boolean stopped;

    /** {@code environment} adds to (or overrides) what local/ sets: its settings, e.g. a short drain for tests. */
    OperatorProcess(Path repository, Path state, Path kubeconfig, Map<String, String> environment) throws IOException {
        this.repository = repository;
        this.state = state;
        this.kubeconfig = kubeconfig;
        this.environment = Map.copyOf(environment);
        this.adminPort = freePort();
    }

    /** Starts it and waits until it is ready; {@code meanwhile} may stop the wait. */
    void start(LocalCluster.Check meanwhile) throws IOException, InterruptedException {
        Process started;
        synchronized (lock) {
            if (process != null && process.isAlive()) {
                throw new IllegalStateException("the operator is running");
            }
            stopped = false;
            started = launch();
            process = started;
            watch(started, Duration.ofSeconds(5));
        }
        awaitReady(started, adminPort, Duration.ofSeconds(90), state.resolve("operator.log"), meanwhile);
    }

    /** The process's id (the one running now, after a restart). */
    long pid() {
        return process.pid();
    }

    /** SIGTERM, as a Deployment's rollout does, and SIGKILL after 15 s; it is not restarted. */
    void stop() {
        Process p;
        synchronized (lock) {
            stopped = true;
            p = process;
        }
        if (p != null) {
            stop(p, Duration.ofSeconds(15));
        }
    }

    private Process launch() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KUBECONFIG", kubeconfig.toString());
        env.put("SLB_ADMIN_ADDRESS", "127.0.0.1");
        env.put("SLB_ADMIN_PORT", String.valueOf(adminPort));
        env.put("SLB_LOG_FORMAT", "text");
        env.put(
                "SLB_OPERATOR_JAR",
                repository.resolve("operator/target/slb-operator.jar").toString());
        // The memory limit deploy/deployment.yaml gives the operator's container, which sizes its heap there.
        env.put("JAVA_OPTS", JVM_LIMITS);
        env.putAll(environment);
        Path log = state.resolve("operator.log");
        ProcessBuilder pb = new ProcessBuilder(Detached.command(
                        List.of(repository.resolve("operator/bin/slb-operator").toString())))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove("POD_NAMESPACE");
        pb.environment().putAll(env);
        Process p = pb.start();
        StaleProcesses.record(state.resolve("operator.pid"), p.pid(), "slb-operator.jar");
        LOG.info("operator started (pid {}), log {}", p.pid(), log);
        return p;
    }

    /**
     * Restarts the operator when it exits on its own, with a back-off that doubles up to a minute;
     * says so loudly, since nothing gets reconciled meanwhile.
     */
    private void watch(Process watched, Duration backOff) {
        watched.onExit().thenRun(() -> {
            if (stopped) {
                return;
            }
            LOG.error(
                    "the operator exited on its own (exit code {}); see {}; restarting it in {} s",
                    watched.exitValue(),
                    state.resolve("operator.log"),
                    backOff.toSeconds());
            try {
                Thread.sleep(backOff.toMillis());
                synchronized (lock) {
                    if (stopped) {
                        return;
                    }
                    process = launch();
                    Duration next = backOff.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0
                            ? Duration.ofMinutes(1)
                            : backOff.multipliedBy(2);
                    watch(process, next);
                }
            } catch (IOException e) {
                LOG.error("cannot restart the operator: {}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * Waits until the operator's admin port on 127.0.0.1 answers {@code /readyz} with 200, failing
     * (naming its log) when it exits first or does not get there within {@code limit}.
     */
    static void awaitReady(Process operator, int adminPort, Duration limit, Path log, LocalCluster.Check meanwhile)
            throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            meanwhile.check();
            if (!operator.isAlive()) {
                throw new IOException("the operator exited with " + operator.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IOException("the operator did not become ready within " + limit.toSeconds() + " s; see " + log);
    }

    private static void stop(Process p, Duration grace) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
