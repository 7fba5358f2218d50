package dev.slb.bench;

import java.util.Locale;

/** What one load client run found; printed as one JSON line. */
sealed interface LoadResult permits LoadResult.Timed, LoadResult.Idle {

    String toJson();

    long errors();

    /**
     * An echo or connect run: operations completed inside the measured window, their latency
     * percentiles in microseconds (null with no operations), and the CPU the watched processes
     * spent in that window (null when none were watched or one could not be read).
     */
    record Timed(
            String scenario,
            int connections,
            int size,
            long ops,
            double seconds,
            Long p50Us,
            Long p99Us,
            Long maxUs,
            long errors,
            Long cpuMs)
            implements LoadResult {

        double opsPerSecond() {
            return seconds > 0 ? ops / seconds : 0;
        }

        Double cpuUsPerOp() {
            return cpuMs == null || ops == 0 ? null : cpuMs * 1000.0 / ops;
        }

        @Override
        public String toJson() {
            return "{\"scenario\":\"" + scenario + "\""
                    + ",\"connections\":" + connections
                    + ",\"size\":" + size
                    + ",\"ops\":" + ops
                    + ",\"seconds\":" + decimal(seconds, 3)
                    + ",\"ops_per_s\":" + decimal(opsPerSecond(), 1)
                    + ",\"p50_us\":" + p50Us
                    + ",\"p99_us\":" + p99Us
                    + ",\"max_us\":" + maxUs
                    + ",\"errors\":" + errors
                    + ",\"cpu_ms\":" + cpuMs
                    + ",\"cpu_us_per_op\":" + (cpuUsPerOp() == null ? "null" : decimal(cpuUsPerOp(), 2))
                    + "}";
        }
    }

    /**
     * An idle run: connections asked for, open (upgraded, echoed once and still open after the
     * settle time), failures, and the watched processes' summed VmRSS before and after.
     */
    record Idle(int connections, int open, long errors, Long rssBeforeKb, Long rssAfterKb) implements LoadResult {

        Long bytesPerConnection() {
            return rssBeforeKb == null || rssAfterKb == null || open == 0
                    ? null
                    : (rssAfterKb - rssBeforeKb) * 1024 / open;
        }

        @Override
        public String toJson() {
            return "{\"scenario\":\"idle\""
                    + ",\"connections\":" + connections
                    + ",\"open\":" + open
                    + ",\"errors\":" + errors
                    + ",\"rss_before_kb\":" + rssBeforeKb
                    + ",\"rss_after_kb\":" + rssAfterKb
                    + ",\"bytes_per_conn\":" + bytesPerConnection()
                    + "}";
        }
    }

    private static String decimal(double value, int places) {
        return String.format(Locale.ROOT, "%." + places + "f", value);
    }
}
