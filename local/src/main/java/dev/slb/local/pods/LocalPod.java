package dev.slb.local.pods;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One replica run as a local process: the container's command (the image's paths mapped to this
 * machine's; without one, the proxy launcher that is the image's entrypoint) with its arguments,
 * bound to the pod's own loopback address, with its volumes under the pod's directory. Tracks
 * readiness from the container's readiness probe, restarts the process when it dies (restart
 * policy Always), and terminates it as a kubelet does: SIGTERM, then SIGKILL after the grace
 * period.
 */
final class LocalPod {

    /** What the pod is doing, as far as endpoints and the Deployment's status care. */
    enum Phase {
        STARTING,
        RUNNING,
        TERMINATING,
        GONE
    }

    final String namespace;
    final String name;
    final PodSpec spec;
    final InetAddress ip;
    final Path dir;
    final Instant created;

    private final List<String> launcher;
    private final Map<String, String> imageFiles;
    /** Null when pods run as processes. */
    private final Containers containers;

    private final Map<String, String> environment;
    private volatile Process process;
    private volatile Phase phase = Phase.STARTING;
    private volatile boolean ready;
    private volatile int failedProbes;
    private volatile int restarts;
    private volatile Instant nextProbe = Instant.EPOCH;
    private volatile Instant startedAt;
    private volatile Instant exitedAt;
    private volatile Integer lastExitCode;
    private volatile CompletableFuture<?> probing = CompletableFuture.completedFuture(null);

    LocalPod(
            String namespace,
            String name,
            PodSpec spec,
            InetAddress ip,
            Path dir,
            List<String> launcher,
            Map<String, String> imageFiles,
            Map<String, String> environment,
            Containers containers,
            Instant created) {
        this.namespace = namespace;
        this.name = name;
        this.spec = spec;
        this.ip = ip;
        this.dir = dir;
        this.launcher = launcher;
        this.imageFiles = imageFiles;
        this.environment = environment;
        this.containers = containers;
        this.created = created;
    }

    Container container() {
        return spec.getContainers().get(0);
    }

    /** Starts (or restarts) the process. */
    synchronized void start() throws IOException {
        Files.createDirectories(dir);
        ProcessBuilder pb = containers == null ? processCommand() : containerCommand();
        process = pb.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        // The launcher execs the JVM, so this PID is the proxy's; a later run stops it if this one is killed.
        dev.slb.local.process.StaleProcesses.record(dir.resolve("proxy.pid"), process.pid(), dir.toString());
        startedAt = Instant.now();
        if (phase != Phase.TERMINATING) {
            phase = Phase.RUNNING;
        }
    }

    private ProcessBuilder containerCommand() {
        containers.remove(namespace, name); // one that a restart's predecessor left, if any
        ProcessBuilder pb = new ProcessBuilder(dev.slb.local.process.Detached.command(
                containers.command(namespace, name, spec, ip.getHostAddress(), dir)));
        pb.environment().putAll(containers.podmanEnvironment());
        return pb;
    }

    private ProcessBuilder processCommand() {
        Container c = container();
        boolean entrypoint = c.getCommand() == null || c.getCommand().isEmpty();
        List<String> command = new ArrayList<>();
        if (entrypoint) {
            command.addAll(launcher);
        } else {
            c.getCommand().forEach(word -> command.add(inImage(word)));
        }
        if (c.getArgs() != null) {
            command.addAll(c.getArgs());
        }
        // The pod's network namespace, emulated (see the proxy's README), and for the proxy its
        // root filesystem, where its volumes are; another program gets only the address.
        command.addAll(List.of("--bind-address", ip.getHostAddress()));
        if (entrypoint) {
            command.addAll(List.of("--root", dir.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(dev.slb.local.process.Detached.command(command));
        pb.environment().putAll(environment);
        pb.environment().put("JAVA_OPTS", jvmLimits(c));
        if (c.getEnv() != null) {
            for (EnvVar e : c.getEnv()) {
                pb.environment().put(e.getName(), value(e));
            }
        }
        return pb;
    }

    /** The container's output: {@code proxy.log} for the proxy pods the operator makes. */
    Path log() {
        return dir.resolve(container().getName() + ".log");
    }

    /** A word of the container's command with a path inside the image made the same file here. */
    private String inImage(String word) {
        for (Map.Entry<String, String> e : imageFiles.entrySet()) {
            if (word.startsWith(e.getKey())) {
                return e.getValue() + word.substring(e.getKey().length());
            }
        }
        return word;
    }

    /** The JVM sized to the container's limits, as it sizes itself inside a container. */
    private static String jvmLimits(Container c) {
        List<String> flags = new ArrayList<>();
        if (c.getResources() != null && c.getResources().getLimits() != null) {
            Quantity memory = c.getResources().getLimits().get("memory");
            Quantity cpu = c.getResources().getLimits().get("cpu");
            if (memory != null) {
                flags.add("-XX:MaxRAM=" + Quantity.getAmountInBytes(memory).longValue());
            }
            if (cpu != null) {
                int cores = Math.max(
                        1, (int) Math.ceil(Quantity.getAmountInBytes(cpu).doubleValue()));
                flags.add("-XX:ActiveProcessorCount="
                        + Math.min(cores, Runtime.getRuntime().availableProcessors()));
            }
        }
        return String.join(" ", flags);
    }

    private String value(EnvVar e) {
        if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
            return switch (e.getValueFrom().getFieldRef().getFieldPath()) {
                case "metadata.name" -> name;
                case "metadata.namespace" -> namespace;
                case "status.podIP" -> ip.getHostAddress();
                default -> "";
            };
        }
        return e.getValue() == null ? "" : e.getValue();
    }

    Phase phase() {
        return phase;
    }

    boolean ready() {
        return ready && phase == Phase.RUNNING;
    }

    int restarts() {
        return restarts;
    }

    Instant startedAt() {
        return startedAt;
    }

    /**
     * Restarts a process that died on its own, after a back-off that doubles from 10 s to 5 min
     * as a kubelet's CrashLoopBackOff does (the first restart is at once); true when it did.
     */
    synchronized boolean restartIfDead(Instant now) throws IOException {
        Process p = process;
        if (phase != Phase.RUNNING || p == null || p.isAlive()) {
            return false;
        }
        ready = false;
        if (exitedAt == null) {
            exitedAt = now;
            lastExitCode = p.exitValue();
        }
        Duration backOff =
                restarts == 0 ? Duration.ZERO : Duration.ofSeconds(Math.min(300, 10L << Math.min(restarts - 1, 5)));
        if (now.isBefore(exitedAt.plus(backOff))) {
            return false;
        }
        restarts++;
        exitedAt = null;
        start();
        return true;
    }

    /** True while a process that died waits out its back-off. */
    boolean backingOff() {
        Process p = process;
        return phase == Phase.RUNNING && p != null && !p.isAlive();
    }

    Integer lastExitCode() {
        return lastExitCode;
    }

    /**
     * Runs the readiness probe when it is due; the result lands later. Returns true when the
     * readiness seen so far changed since the last call.
     */
    boolean probe(HttpClient http, Instant now) {
        if (phase != Phase.RUNNING || now.isBefore(nextProbe) || !probing.isDone()) {
            return false;
        }
        Container c = container();
        if (c.getReadinessProbe() == null || c.getReadinessProbe().getHttpGet() == null) {
            boolean alive = process != null && process.isAlive();
            boolean changed = alive != ready;
            ready = alive;
            return changed;
        }
        int period = c.getReadinessProbe().getPeriodSeconds() == null
                ? 10
                : c.getReadinessProbe().getPeriodSeconds();
        nextProbe = now.plusSeconds(Math.max(1, Math.min(period, 2)));
        HTTPGetAction get = c.getReadinessProbe().getHttpGet();
        URI uri = URI.create("http://" + ip.getHostAddress() + ":" + port(c, get) + get.getPath());
        Integer timeout = c.getReadinessProbe().getTimeoutSeconds();
        Integer threshold = c.getReadinessProbe().getFailureThreshold();
        probing = http.sendAsync(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(timeout == null ? 1 : timeout))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .handle((r, failure) -> {
                    boolean passed = failure == null && r.statusCode() >= 200 && r.statusCode() < 400;
                    // As a kubelet counts: Ready after one success, NotReady after failureThreshold
                    // failures in a row (3 unless the probe says otherwise).
                    failedProbes = passed ? 0 : failedProbes + 1;
                    if (passed) {
                        ready = phase == Phase.RUNNING;
                    } else if (failedProbes >= (threshold == null ? 3 : threshold)) {
                        ready = false;
                    }
                    return null;
                });
        return false;
    }

    private static int port(Container c, HTTPGetAction get) {
        if (get.getPort().getIntVal() != null) {
            return get.getPort().getIntVal();
        }
        String named = get.getPort().getStrVal();
        for (ContainerPort p : c.getPorts()) {
            if (named.equals(p.getName())) {
                return p.getContainerPort();
            }
        }
        throw new IllegalStateException("container " + c.getName() + " has no port named " + named);
    }

    /** SIGTERM now, SIGKILL after the grace period; completes when the process is gone. */
    CompletableFuture<Void> terminate(Duration grace) {
        phase = Phase.TERMINATING;
        ready = false;
        Process p = process;
        if (p == null || !p.isAlive()) {
            removeContainer();
            phase = Phase.GONE;
            return CompletableFuture.completedFuture(null);
        }
        p.destroy();
        return p.onExit()
                .completeOnTimeout(null, grace.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(exited -> {
                    if (p.isAlive()) {
                        p.destroyForcibly();
                        return p.onExit();
                    }
                    return CompletableFuture.completedFuture(p);
                })
                .thenRun(() -> {
                    // SIGKILL to podman's client leaves its container running: removing it kills it.
                    removeContainer();
                    phase = Phase.GONE;
                });
    }

    private void removeContainer() {
        if (containers != null) {
            containers.remove(namespace, name);
        }
    }

    Long pid() {
        Process p = process;
        return p == null ? null : p.pid();
    }
}
