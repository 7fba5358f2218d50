package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy/bin/slb-proxy}, the one place the proxy's JVM flags live, applies them: the JVM it
 * starts says which collector and native-heap trimming it runs with, and a collector named in
 * JAVA_OPTS replaces the launcher's instead of stopping the JVM ("multiple garbage collectors").
 * The JVM is asked with {@code -XX:+PrintCommandLineFlags -version}, so it prints its flags and
 * exits before it would run the jar; a jar with only a manifest stands in for the proxy's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LauncherFlagsTest {
    private static final Path LAUNCHER = Path.of("bin", "slb-proxy");

    @TempDir
    Path dir;

    @Test
    void serialCollectorAndNativeHeapTrimmingByDefault() throws Exception {
        List<String> flags = flags("");
        assertThat(flags).contains("-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");
        if (Runtime.version().feature() == 17 && Runtime.version().update() >= 9) {
            // This JDK has the flag; the launcher reads that from its release file.
            assertThat(flags).contains("-XX:TrimNativeHeapInterval=1000");
        }
    }

    @Test
    void aCollectorInJavaOptsReplacesTheLaunchers() throws Exception {
        List<String> flags = flags("-XX:+UseParallelGC");
        assertThat(flags).contains("-XX:+UseParallelGC").doesNotContain("-XX:+UseSerialGC");
    }

    /** The flags the launcher's JVM reports, JAVA_OPTS set to {@code javaOpts}. */
    private List<String> flags(String javaOpts) throws Exception {
        Path jar = dir.resolve("stand-in.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "NeverRun");
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream unused = new JarOutputStream(out, manifest)) {
            // A manifest is all the java launcher reads before -version ends it.
        }
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toAbsolutePath().toString(), "--config", "unused.yaml")
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("SLB_PROXY_JAR", jar.toString());
        env.put("JAVA_OPTS", javaOpts + " -XX:+PrintCommandLineFlags -version");
        // The launcher runs the java on PATH: make it this test's JDK.
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", ""));
        Process p = pb.start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            String first = output.lines().findFirst().orElseThrow(() -> new IOException("no output"));
            return List.of(first.trim().split("\\s+"));
        } finally {
            p.destroyForcibly();
        }
    }
}
