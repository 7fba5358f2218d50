package dev.slb.bench;

import dev.slb.model.Admin;
import dev.slb.model.Backend;
import dev.slb.model.Drain;
import dev.slb.model.HealthCheck;
import dev.slb.model.Limits;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.ProxyServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What active health checks cost one replica: a proxy with one I/O thread and one listener of
 * {@code N} backends (bench's echo backend, each on a port of its own, in this JVM), run for
 * {@code S} seconds with checks every {@code I} seconds and then without, and the CPU time of the
 * proxy's I/O threads ({@code slb-io-*}) in each run, from the JVM's per-thread CPU clocks. The
 * backends' own CPU is not counted.
 *
 * <p>{@code java -cp slb-bench.jar dev.slb.bench.HealthCheckCost [--backends 64] [--seconds 60]
 * [--interval 2]}
 */
public final class HealthCheckCost {
    private HealthCheckCost() {}

    public static void main(String[] args) throws Exception {
        int backends = 64;
        int seconds = 60;
        int interval = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--backends" -> backends = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--interval" -> interval = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<EchoBackend> echo = new ArrayList<>();
        try {
            List<Backend> list = new ArrayList<>();
            for (int i = 0; i < backends; i++) {
                EchoBackend b = EchoBackend.start(new InetSocketAddress("127.0.0.1", 0), null);
                echo.add(b);
                list.add(new Backend("127.0.0.1", b.address().getPort()));
            }
            HealthCheck check =
                    HealthCheck.defaults().withTimings(Duration.ofSeconds(interval), Duration.ofSeconds(5), 3, 3);
            double with = run(list, check, seconds);
            double without = run(list, null, seconds);
            long probes = (long) backends * seconds / interval;
            System.out.printf(
                    "%d backends, a probe each every %d s, %d s: proxy I/O thread CPU %.3f s with checks, %.3f s"
                            + " without; checks cost %.3f s of CPU (%.2f%% of one core), about %.1f µs per probe"
                            + " (%d probes)%n",
                    backends,
                    interval,
                    seconds,
                    with,
                    without,
                    with - without,
                    100 * (with - without) / seconds,
                    1e6 * (with - without) / probes,
                    probes);
        } finally {
            echo.forEach(EchoBackend::close);
        }
    }

    /** Seconds of CPU the proxy's I/O threads used over {@code seconds} of serving nothing but (maybe) checks. */
    private static double run(List<Backend> backends, HealthCheck check, int seconds) throws Exception {
        Listener web = Listener.of("web", Protocol.HTTP, freePort(), backends).withHealthCheck(check);
        ProxyConfig config = new ProxyConfig(
                "bench",
                "bench",
                Limits.UNLIMITED,
                new Admin("127.0.0.1", freePort()),
                new Drain(Duration.ZERO, Duration.ofSeconds(1)),
                List.of(web.withBindAddress("127.0.0.1", web.port())));
        try (ProxyServer proxy = ProxyServer.start(config, 1)) {
            // Past start-up and the first probes (JIT, first connections), then measure.
            Thread.sleep(Math.min(5, seconds) * 1000L);
            long before = ioCpuNanos();
            Thread.sleep(seconds * 1000L);
            return (ioCpuNanos() - before) / 1e9;
        }
    }

    private static long ioCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("slb-io")) {
                total += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
