package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * bench/summary.jq on a results.jsonl of the shape bench/run writes (tools/results.jsonl): the
 * tables of the scenarios with columns of their own (cold-start, gzip, the TLS handshakes), a
 * failed and a skipped target, and slb's CPU per operation against nginx's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SummaryTest {
    private static String summary;

    @BeforeAll
    static void summarise() throws Exception {
        // bench/run installs jq before it runs; a machine that never ran it may not have it.
        String jq = TestingCommand.which("jq");
        assumeTrue(jq != null, "jq is not installed (bench/run installs it)");
        TestingCommand out = TestingCommand.run(
                List.of(
                        jq,
                        "-rs",
                        "-f",
                        "summary.jq",
                        "--arg",
                        "order",
                        "direct slb nginx haproxy",
                        "--arg",
                        "scenarios",
                        "cold-start gzip tls-handshake h2 http",
                        TestingCommand.resource("tools/results.jsonl").toString()),
                null);
        assertThat(out.exitCode()).as(out.stderr()).isZero();
        summary = out.stdout();
    }

    @Test
    void coldStartHasItsOwnColumns() {
        assertThat(summary)
                .contains("## Cold start: from launching the process to its first proxied 200\n\n"
                        + "| target | first 200 after (ms) | RSS then (kB) | CPU used by then (ms) | others' CPU % | rounds |\n"
                        + "|---|---:|---:|---:|---:|---:|\n"
                        + "| slb | 850 | 90,000 | 1200 | 1.2 | 1/1 |\n"
                        + "| nginx | 12.5 | 9000 | 10 | 0 | 1/1 |\n");
    }

    @Test
    void gzipAddsCpuPerKibAndResponseSize() {
        assertThat(summary)
                .contains("| target | ops/s | p50 µs | p99 µs | proxy CPU µs/op | proxy CPU µs/KiB | bytes per response"
                        + " | errors | others' CPU % | rounds |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                        + "| slb | 20,000 | 2400 | 3000 | 40 | 2.5 | 3500 | 0 | 0.5 | 1/1 |\n"
                        + "| nginx | 21,000 | 2300 | 2900 | 32 | 2 | 3400 | 0 | 0 | 1/1 |\n"
                        + "\nslb CPU per op: 1.25× nginx\n");
    }

    @Test
    void tlsHandshakesSayHowManyWereResumedAndAFailureKeepsTheColumns() {
        assertThat(summary)
                .contains(
                        "| target | ops/s | p50 µs | p99 µs | proxy CPU µs/op | resumed % | errors | others' CPU % | rounds |\n"
                                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                                + "| slb | 980 | – | – | 800 | 0 | 0 | 0.3 | 1/1 |\n"
                                + "| haproxy | failed: every s_time client failed: connect: Connection refused | | | | | | | 0/1 |\n");
    }

    @Test
    void theOtherScenariosKeepTheUsualTable() {
        assertThat(summary)
                .contains("## HTTP/2 over TLS requests/s, h2load 5 connections × 10 streams (3-byte response)\n\n"
                        + "| target | ops/s | p50 µs | p99 µs | proxy CPU µs/op | errors | others' CPU % | rounds |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|\n"
                        + "| direct | skipped: the echo backend speaks HTTP/1.1 only | | | | | | 0/1 |\n"
                        + "| slb | 40,000 | 1100 | 2500 | 15 | 0 | 0 | 1/1 |\n")
                .contains("| slb | 68,000 | 680 | 4200 | 14.1 | 0 | 0 | 1/1 |\n"
                        + "| nginx | 84,000 | 500 | 1000 | 10.7 | 0 | 0 | 1/1 |\n"
                        + "\nslb CPU per op: 1.32× nginx\n");
    }

    @Test
    void tablesComeInTheOrderOfTheScenariosAsked() {
        assertThat(summary.indexOf("## Cold start"))
                .isLessThan(summary.indexOf("## gzip"))
                .isLessThan(summary.indexOf("## New TLS connections/s"));
        assertThat(summary.indexOf("## HTTP/2")).isLessThan(summary.indexOf("## HTTP keep-alive"));
    }
}
