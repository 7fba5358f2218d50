package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The real kubectl, pointed at a {@link LocalApiServer} through its own kubeconfig and cache
 * directory. Tests skip (with the reason) when no kubectl 1.27+ is on PATH, unless the CI
 * environment variable is set: then a missing kubectl fails them.
 */
public final class TestingKubectl implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile String problem;
    private static volatile boolean checked;

    final LocalApiServer server;
    private final Path dir;
    private final Path kubeconfig;
    private final List<Process> background = new ArrayList<>();

    private TestingKubectl(LocalApiServer server, Path dir) throws IOException {
        this.server = server;
        this.dir = dir;
        this.kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
    }

    private TestingKubectl(Path kubeconfig, Path dir) {
        this.server = null;
        this.dir = dir;
        this.kubeconfig = kubeconfig;
    }

    /** A kubectl for a server someone else runs; its cache lives in {@code dir}. */
    public static TestingKubectl forKubeconfig(Path kubeconfig, Path dir) {
        requireKubectl();
        return new TestingKubectl(kubeconfig, dir);
    }

    /** Starts a server and a kubectl for it, or skips the test when there is no usable kubectl. */
    static TestingKubectl start(Path dir) throws IOException {
        requireKubectl();
        return new TestingKubectl(new LocalApiServer().start(0), dir);
    }

    /** Skips the calling test when no kubectl 1.27+ is on PATH, and fails it instead under CI. */
    public static void requireKubectl() {
        if (!checked) {
            problem = kubectlProblem();
            checked = true;
        }
        if (problem != null && System.getenv("CI") != null) {
            throw new AssertionError("CI is set, so a kubectl 1.27+ on PATH is required: " + problem);
        }
        Assumptions.assumeTrue(
                problem == null, () -> "skipping the kubectl tests: " + problem + " (install kubectl 1.27 or newer)");
    }

    /** Runs kubectl to completion (at most 30 s). */
    public Result run(String... args) throws IOException, InterruptedException {
        return TestingKubectl.run(command(args), 30);
    }

    /** Starts kubectl in the background (e.g. {@code get -w}); its output goes to the returned files. */
    Background startInBackground(String... args) throws IOException {
        Path out = Files.createTempFile(dir, "kubectl", ".out");
        Path err = Files.createTempFile(dir, "kubectl", ".err");
        ProcessBuilder pb =
                new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("KUBECONFIG");
        Process p = pb.start();
        background.add(p);
        return new Background(p, out, err);
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(
                "kubectl",
                "--kubeconfig",
                kubeconfig.toString(),
                "--cache-dir",
                dir.resolve("cache").toString(),
                "--request-timeout=20s"));
        command.addAll(List.of(args));
        return command;
    }

    @Override
    public void close() {
        for (Process p : background) {
            p.destroy();
        }
        if (server != null) {
            server.close();
        }
    }

    /** A kubectl running in the background. */
    record Background(Process process, Path out, Path err) {
        String output() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        String errors() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }

        /** Waits until the output contains {@code text}, at most {@code seconds}. */
        boolean awaitOutput(String text, long seconds) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (output().contains(text)) {
                    return true;
                }
                Thread.sleep(50);
            }
            return output().contains(text);
        }
    }

    /** A finished kubectl. */
    public record Result(List<String> command, int code, String out, String err) {
        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }

        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        Path out = Files.createTempFile("kubectl", ".out");
        Path err = Files.createTempFile("kubectl", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("KUBECONFIG");
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
                        + "s; stderr: " + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(
                    command,
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Null when a kubectl 1.27+ is on PATH, otherwise why not. */
    private static String kubectlProblem() {
        try {
            Result r = run(List.of("kubectl", "version", "--client", "-o", "json"), 20);
            if (r.code != 0) {
                return "`kubectl version --client` failed: " + r.err.strip();
            }
            JsonNode client = JSON.readTree(r.out).path("clientVersion");
            Matcher minor =
                    Pattern.compile("^(\\d+)").matcher(client.path("minor").asText());
            if (!"1".equals(client.path("major").asText()) || !minor.find()) {
                return "cannot read the kubectl version from " + r.out.strip();
            }
            int m = Integer.parseInt(minor.group(1));
            return m >= 27 ? null : "kubectl on PATH is 1." + m + ", older than 1.27";
        } catch (IOException e) {
            return "no kubectl on PATH (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while checking kubectl";
        }
    }
}
