package dev.slb.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs podman (or another command of the image build) to completion, with the project's podman settings. */
final class TestingPodman {
    static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    /** What deploy/images/build uses too, unless CONTAINERS_CONF names the user's own file. */
    static final Path CONTAINERS_CONF = REPO.resolve("deploy/images/containers.conf");

    private TestingPodman() {}

    /** A finished command. */
    record Result(List<String> command, int code, String out, String err) {
        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }

        Result ok() {
            if (code != 0) {
                throw new AssertionError("failed: " + this);
            }
            return this;
        }
    }

    /** {@code podman ARGS}, at most {@code timeout}. */
    static Result podman(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        return run(command, timeout);
    }

    /** {@code bash -c SCRIPT} in a throwaway container of {@code image}, as {@code user}, on a read-only root. */
    static String script(String image, String user, String script) throws IOException, InterruptedException {
        return podman(
                        Duration.ofSeconds(60),
                        "run",
                        "--rm",
                        "--pull=never",
                        "--network=host",
                        "--read-only",
                        "--user=" + user,
                        "--entrypoint=bash",
                        image,
                        "-c",
                        script)
                .ok()
                .out();
    }

    static ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile());
        if (System.getenv("CONTAINERS_CONF") == null) {
            pb.environment().put("CONTAINERS_CONF", CONTAINERS_CONF.toString());
        }
        return pb;
    }

    static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("podman", ".out");
        Path err = Files.createTempFile("podman", ".err");
        try {
            Process p = builder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                        + "; stderr so far:\n" + Files.readString(err, StandardCharsets.UTF_8));
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
}
