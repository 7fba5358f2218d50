package dev.slb.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The images, as deploy/images/build makes them, built once per test JVM (the base image comes
 * from podman's cache after the first run on a machine). With no podman, or a podman that cannot
 * run a container here, the tests skip and say why; under CI (the CI environment variable set)
 * they fail instead, as the kubectl tests do.
 */
final class TestingImages {
    static final Path BUILD = TestingPodman.REPO.resolve("deploy/images/build");
    static final Path TARGET = TestingPodman.REPO.resolve("deploy/images/target");
    /** The first build on a machine makes the base from Debian's packages: minutes, not seconds. */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
    /** The build script's exit status when a tool is missing and it was told not to install it. */
    private static final int TOOL_MISSING = 3;

    /** One image: the name the manifests give it, the ID the tests run, its size in bytes. */
    record Image(String name, String id, long size) {}

    /** What one build made. */
    record Built(Image base, String baseJava, Image proxy, Image operator, Properties properties) {}

    private static Built built;
    private static String problem;
    private static Throwable failure;
    private static boolean attempted;

    private TestingImages() {}

    /** The images, built now if this JVM has not built them yet; skips (or, under CI, fails) without podman. */
    static synchronized Built require() throws IOException, InterruptedException {
        if (!attempted) {
            attempted = true;
            try {
                problem = build();
            } catch (AssertionError | IOException e) {
                failure = e;
            }
            if (problem != null && System.getenv("CI") == null) {
                // A class skipped in @BeforeAll shows as "Tests run: 0" with no reason; say it once here.
                System.err.println("skipping the container tests (deploy/images): " + problem);
            }
        }
        if (failure != null) {
            throw new AssertionError("the images could not be built: " + failure.getMessage(), failure);
        }
        if (problem != null && System.getenv("CI") != null) {
            throw new AssertionError("CI is set, so podman must build and run the images here: " + problem);
        }
        Assumptions.assumeTrue(problem == null, () -> "skipping the container tests: " + problem);
        return built;
    }

    /** Null when the images are built and podman runs containers, otherwise why the tests cannot run. */
    private static String build() throws IOException, InterruptedException {
        try {
            TestingPodman.podman(Duration.ofSeconds(30), "--version").ok();
        } catch (IOException e) {
            return "podman is not installed. deploy/images/build installs it (as root, from Debian's packages:"
                    + " podman, runc, mmdebstrap), as .ci/run does";
        }
        TestingPodman.Result info = TestingPodman.podman(Duration.ofSeconds(60), "info");
        if (info.code() != 0) {
            return "podman does not work here (podman info, CONTAINERS_CONF=" + containersConf() + "): "
                    + info.err().strip();
        }
        Files.createDirectories(TARGET);
        Path log = TARGET.resolve("build.log");
        // --no-install: a test never installs packages; .ci/run and the script run by hand do.
        Process p = TestingPodman.builder(List.of(BUILD.toString(), "--no-install"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("deploy/images/build took longer than " + BUILD_TIMEOUT + "; see " + log);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() == TOOL_MISSING) {
            return output.strip();
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("deploy/images/build failed (exit " + p.exitValue() + "):\n" + output);
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(TARGET.resolve("images.properties"))) {
            props.load(in);
        }
        built = new Built(
                image(props, "base"),
                props.getProperty("base.java"),
                image(props, "proxy"),
                image(props, "operator"),
                props);
        // A podman that builds may still be unable to run anything here (cgroups, ulimits, runtime).
        TestingPodman.Result run = TestingPodman.podman(
                Duration.ofSeconds(60),
                "run",
                "--rm",
                "--pull=never",
                "--network=host",
                built.base().id(),
                "true");
        if (run.code() != 0) {
            return "podman cannot run a container here (CONTAINERS_CONF=" + containersConf() + "): "
                    + run.err().strip();
        }
        return null;
    }

    private static String containersConf() {
        String set = System.getenv("CONTAINERS_CONF");
        return set != null ? set : TestingPodman.CONTAINERS_CONF.toString();
    }

    private static Image image(Properties props, String name) {
        return new Image(
                props.getProperty(name + ".image"),
                props.getProperty(name + ".id"),
                Long.parseLong(props.getProperty(name + ".size")));
    }
}
