package dev.slb.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the load client reads about other processes from /proc: CPU time, resident memory, open-file limits. */
final class ProcStats {
    private ProcStats() {}

    /** Clock ticks per second, the unit of utime and stime; USER_HZ is 100 on every mainstream Linux. */
    static final long DEFAULT_TICKS_PER_SECOND = 100;

    private static long ticksPerSecond;

    /** The process CPU time (user + system, every thread) of all {@code pids}, in milliseconds. */
    static long cpuMillis(List<Long> pids) throws IOException {
        long ticks = 0;
        for (long pid : pids) {
            ticks +=
                    cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
        }
        return ticks * 1000 / ticksPerSecond();
    }

    /**
     * utime + stime (fields 14 and 15) of one /proc/PID/stat line. The second field is the command
     * name in parentheses, which may itself hold spaces and parentheses, so fields are counted
     * from the last ')'.
     */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + stat);
        }
        // After "pid (comm)" come field 3 (state) onwards: utime is the 12th of them, stime the 13th.
        String[] rest = stat.substring(close + 1).trim().split(" +");
        if (rest.length < 13) {
            throw new IllegalArgumentException("short /proc/PID/stat line: " + stat);
        }
        return Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
    }

    /** The summed resident set size (VmRSS) of all {@code pids}, in KiB. */
    static long rssKib(List<Long> pids) throws IOException {
        long kib = 0;
        for (long pid : pids) {
            kib += statusKib(
                    Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII),
                    "VmRSS");
        }
        return kib;
    }

    /** A "Name:   1234 kB" line of /proc/PID/status, in KiB. */
    static long statusKib(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                String value = line.substring(name.length() + 1).trim();
                int space = value.indexOf(' ');
                return Long.parseLong(space < 0 ? value : value.substring(0, space));
            }
        }
        throw new IllegalArgumentException("no " + name + " in /proc/PID/status (a kernel thread, or a zombie?)");
    }

    /** This process's soft limit on open files, from /proc/self/limits; -1 when unlimited or unknown. */
    static long openFilesLimit() {
        try {
            return openFilesLimit(Files.readString(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return -1;
        }
    }

    static long openFilesLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split(" +")[0];
                return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
            }
        }
        return -1;
    }

    /** {@code getconf CLK_TCK}, asked once; {@link #DEFAULT_TICKS_PER_SECOND} if that fails. */
    static synchronized long ticksPerSecond() {
        if (ticksPerSecond == 0) {
            ticksPerSecond = askGetconf();
        }
        return ticksPerSecond;
    }

    private static long askGetconf() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            try (InputStream out = p.getInputStream()) {
                if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    long hz = Long.parseLong(new String(out.readAllBytes(), StandardCharsets.US_ASCII).trim());
                    if (hz > 0) {
                        return hz;
                    }
                }
            } finally {
                p.destroy();
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println(
                "load client: getconf CLK_TCK failed; assuming " + DEFAULT_TICKS_PER_SECOND + " ticks per second");
        return DEFAULT_TICKS_PER_SECOND;
    }
}
