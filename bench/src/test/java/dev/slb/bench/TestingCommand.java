package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the programs bench/run uses (awk, jq, bash, nginx, haproxy) on the test's behalf,
 * bounded in time, and hands back what it printed; the process is gone when this returns, whatever
 * happened.
 */
record TestingCommand(int exitCode, String stdout, String stderr) {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    /** The bench/ folder: Maven runs each module's tests from the module's own folder. */
    static final Path BENCH = Path.of("").toAbsolutePath();

    static TestingCommand run(List<String> command, Path stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile("bench-test", ".out");
        Path err = Files.createTempFile("bench-test", ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(BENCH.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.redirectInput(ProcessBuilder.Redirect.from(stdin == null ? new File("/dev/null") : stdin.toFile()));
        Process process = builder.start();
        try {
            boolean ended = process.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(ended).as("%s did not end within %s", command, LIMIT).isTrue();
            return new TestingCommand(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Where {@code program} is on the PATH (or in /usr/sbin, where Debian puts nginx and haproxy), or null. */
    static String which(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program).toString();
            }
        }
        return null;
    }

    /** A test resource's path on disk. */
    static Path resource(String name) {
        return BENCH.resolve("src/test/resources").resolve(name);
    }
}
