package dev.slb.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One load client run as asked on the command line. */
record LoadSpec(
        Scenario scenario,
        WsTarget target,
        int connections,
        int size,
        Duration warmup,
        Duration duration,
        Duration settle,
        List<Long> cpuPids,
        List<Long> memPids) {

    /** The three things the load client measures. */
    enum Scenario {
        /** Closed-loop echoes on long-lived connections: throughput and round-trip latency. */
        ECHO,
        /** Whole connection lifecycles (connect, upgrade, one echo, close): connection rate. */
        CONNECT,
        /** Many open, quiet connections: memory per connection in the processes watched. */
        IDLE;

        String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final int MAX_SIZE = EchoBackend.MAX_FRAME_PAYLOAD;
    static final int MAX_CONNECTIONS = 100_000;

    static final String USAGE = String.join(
            "\n",
            "usage: java -cp slb-bench.jar dev.slb.bench.LoadClient SCENARIO --url ws[s]://HOST:PORT/ws [options]",
            "  echo     --connections C --size B     C connections, each sending B-byte messages in a closed loop",
            "  connect  --connections C              C workers: connect, upgrade, one echo, close, again",
            "  idle     --connections N [--settle S] open N connections, report memory of --mem-pids",
            "options: --warmup SECONDS (2)  --duration SECONDS (5)  --settle SECONDS (5)  --size BYTES (64)",
            "         --cpu-pids P1,P2,...  --mem-pids P1,P2,...",
            "One JSON line on stdout per run; diagnostics on stderr.");

    /** The command line, checked; an IllegalArgumentException says what is wrong with it. */
    static LoadSpec parse(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("no scenario given");
        }
        Scenario scenario = switch (args[0]) {
            case "echo" -> Scenario.ECHO;
            case "connect" -> Scenario.CONNECT;
            case "idle" -> Scenario.IDLE;
            default -> throw new IllegalArgumentException("unknown scenario " + args[0] + " (echo, connect or idle)");
        };
        String url = null;
        int connections = 1;
        int size = 64;
        Duration warmup = Duration.ofSeconds(2);
        Duration duration = Duration.ofSeconds(5);
        Duration settle = Duration.ofSeconds(5);
        List<Long> cpuPids = List.of();
        List<Long> memPids = List.of();
        for (int i = 1; i < args.length; i += 2) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            String value = args[i + 1];
            switch (option) {
                case "--url" -> url = value;
                case "--connections" -> connections = integer(option, value, 1, MAX_CONNECTIONS);
                case "--size" -> size = integer(option, value, 1, MAX_SIZE);
                case "--warmup" -> warmup = seconds(option, value, false);
                case "--duration" -> duration = seconds(option, value, true);
                case "--settle" -> settle = seconds(option, value, false);
                case "--cpu-pids" -> cpuPids = pids(option, value);
                case "--mem-pids" -> memPids = pids(option, value);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url is required");
        }
        return new LoadSpec(
                scenario, WsTarget.parse(url), connections, size, warmup, duration, settle, cpuPids, memPids);
    }

    private static int integer(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                option + " takes a whole number from " + min + " to " + max + ", not " + value);
    }

    private static Duration seconds(String option, String value, boolean positive) {
        try {
            double s = Double.parseDouble(value);
            if ((positive ? s > 0 : s >= 0) && s <= 24 * 3600) {
                return Duration.ofNanos(Math.round(s * 1e9));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                option + " takes seconds (" + (positive ? "more than 0" : "0 or more") + "), not " + value);
    }

    private static List<Long> pids(String option, String value) {
        List<Long> pids = new ArrayList<>();
        for (String p : value.split(",")) {
            if (p.isBlank()) {
                continue;
            }
            try {
                long pid = Long.parseLong(p.trim());
                if (pid > 0) {
                    pids.add(pid);
                    continue;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " takes process ids separated by commas, not " + value);
        }
        return List.copyOf(pids);
    }
}
