package dev.slb.local.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes a run started, by PID, in {@code *.pid} files under its state directory, so that
 * a run that was killed outright (no Ctrl-C) leaves nothing running once the next one starts:
 * a PID is stopped only while it is alive and its command line still names what was started.
 */
public final class StaleProcesses {

    private static final Logger LOG = LoggerFactory.getLogger(StaleProcesses.class);

    private StaleProcesses() {}

    /** Records {@code pid}; {@code marker} is a string its command line contains. */
    public static void record(Path file, long pid, String marker) throws IOException {
        Files.writeString(file, pid + " " + marker + "\n", StandardCharsets.UTF_8);
    }

    /** Stops the processes recorded under {@code state} that still run (SIGTERM, then SIGKILL). */
    public static void stopThoseRecordedIn(Path state) throws IOException {
        if (!Files.isDirectory(state)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(state)) {
            files = walk.filter(f -> f.getFileName().toString().endsWith(".pid"))
                    .toList();
        }
        List<ProcessHandle> stopping = new java.util.ArrayList<>();
        for (Path file : files) {
            String[] line =
                    Files.readString(file, StandardCharsets.UTF_8).strip().split(" ", 2);
            Optional<ProcessHandle> handle;
            try {
                handle = ProcessHandle.of(Long.parseLong(line[0]));
            } catch (NumberFormatException e) {
                continue;
            }
            String marker = line.length > 1 ? line[1] : "";
            handle.filter(ProcessHandle::isAlive)
                    .filter(h ->
                            h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                    .ifPresent(h -> {
                        LOG.warn("stopping pid {} left running by an earlier run ({})", h.pid(), file);
                        h.destroy();
                        stopping.add(h);
                    });
        }
        // All were signalled at once; they drain side by side, then whoever is left is killed.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (ProcessHandle h : stopping) {
            long left = Math.max(0, deadline - System.nanoTime());
            h.onExit()
                    .completeOnTimeout(h, left, java.util.concurrent.TimeUnit.NANOSECONDS)
                    .join();
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }
}
