package dev.slb.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One container this JVM started with {@code podman run}, attached: its output is its log file,
 * and the podman process ends with the container, with its exit status. Removed when closed, and
 * when the JVM exits (a shutdown hook), whatever the tests did.
 */
final class TestingContainer implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final Set<String> STARTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> STARTED.forEach(TestingContainer::remove), "rm-containers"));
    }

    final String name;
    final Path log;
    private final Process process;

    private TestingContainer(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    /** A container name no other run shares: this JVM's PID and a count. */
    static String newName(String what) {
        return "slb-test-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet() + "-" + what;
    }

    /** Starts {@code podman ARGS}, where ARGS is {@code run --name NAME ...}; its output goes to {@code log}. */
    static TestingContainer start(List<String> runArguments, Path log) throws IOException {
        int at = runArguments.indexOf("--name");
        if (!runArguments.get(0).equals("run") || at < 0) {
            throw new IllegalArgumentException("expected podman run --name NAME ..., got " + runArguments);
        }
        String name = runArguments.get(at + 1);
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(runArguments);
        STARTED.add(name);
        Process p = TestingPodman.builder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new TestingContainer(name, log, p);
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    boolean running() {
        return process.isAlive();
    }

    /** The first log line that matches, waiting at most {@code timeout}; fails with the log when it does not come. */
    String awaitLog(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(log());
            if (m.find()) {
                int start = log().lastIndexOf('\n', m.start()) + 1;
                int end = log().indexOf('\n', m.end());
                return log().substring(start, end < 0 ? log().length() : end);
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("container " + name + (process.isAlive() ? " still running" : " exited")
                        + " without logging /" + pattern + "/ within " + timeout + "; its log:\n" + log());
            }
            Thread.sleep(100);
        }
    }

    /** What {@code podman stop} saw. */
    record Stopped(int exitCode, Duration took) {}

    /**
     * {@code podman stop} with the container's own stop timeout (its pod's grace period): SIGTERM,
     * then SIGKILL once the grace period is over, as a kubelet stops a container.
     */
    Stopped stop(Duration atMost) throws IOException, InterruptedException {
        long started = System.nanoTime();
        TestingPodman.podman(atMost, "stop", name).ok();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("podman run " + name + " did not end after the container stopped");
        }
        return new Stopped(process.exitValue(), Duration.ofNanos(System.nanoTime() - started));
    }

    @Override
    public void close() {
        remove(name);
        STARTED.remove(name);
        process.destroy();
    }

    private static void remove(String name) {
        try {
            TestingPodman.podman(Duration.ofSeconds(60), "rm", "--force", "--time", "0", "--ignore", name);
        } catch (IOException | InterruptedException | AssertionError e) {
            System.err.println("could not remove container " + name + ": " + e);
        }
    }
}
