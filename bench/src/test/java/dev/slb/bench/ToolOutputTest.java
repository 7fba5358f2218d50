package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/parse/'s awk programs on the outputs of wrk, h2load and openssl s_time (the fixtures in
 * src/test/resources/tools): the JSON line each scenario records, errors and missing figures
 * included.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToolOutputTest {
    @TempDir
    Path tmp;

    private static TestingCommand awk(String program, Path input, String... vars) throws Exception {
        List<String> command = new ArrayList<>(List.of("awk"));
        for (String v : vars) {
            command.add("-v");
            command.add(v);
        }
        command.add("-f");
        command.add("parse/" + program);
        return TestingCommand.run(command, input);
    }

    @Test
    void wrkKeepAliveRun() throws Exception {
        TestingCommand out = awk(
                "wrk.awk",
                TestingCommand.resource("tools/wrk.txt"),
                "scenario=http",
                "conns=50",
                "size=3",
                "cpu_ms=4800");

        assertThat(out.exitCode()).isZero();
        assertThat(out.stdout())
                .isEqualTo("{\"scenario\":\"http\",\"connections\":50,\"size\":3,\"ops\":340000,\"seconds\":5.000,"
                        + "\"ops_per_s\":68000.0,\"p50_us\":680.0,\"p99_us\":4200.0,\"max_us\":40000.0,\"errors\":0,"
                        + "\"cpu_ms\":4800,\"cpu_us_per_op\":14.118}\n");
    }

    @Test
    void wrkSocketErrorsAndNon2xxAnswersAreErrorsAndSecondsAreRead() throws Exception {
        TestingCommand out = awk(
                "wrk.awk",
                TestingCommand.resource("tools/wrk-errors.txt"),
                "scenario=gzip",
                "conns=50",
                "size=16384",
                "cpu_ms=");

        assertThat(out.exitCode()).isZero();
        assertThat(out.stdout())
                .contains("\"scenario\":\"gzip\"")
                .contains("\"p99_us\":1010000.0,\"max_us\":1200000.0")
                // read 12 + write 1 + timeout 3 socket errors, and 5 answers that were not 2xx or 3xx
                .contains("\"errors\":21")
                .contains("\"cpu_ms\":null,\"cpu_us_per_op\":null");
    }

    @Test
    void wrkOutputWithoutItsFiguresIsRefused() throws Exception {
        Path broken = tmp.resolve("wrk.txt");
        Files.writeString(broken, "unable to connect to 127.0.0.1:20080 Connection refused\n");

        TestingCommand out = awk("wrk.awk", broken, "scenario=http", "conns=50", "size=3", "cpu_ms=1");

        assertThat(out.exitCode()).isNotZero();
        assertThat(out.stdout()).isEmpty();
    }

    @Test
    void percentilesAreNearestRank() throws Exception {
        Path sorted = tmp.resolve("sorted.txt");
        StringBuilder numbers = new StringBuilder();
        for (int i = 1; i <= 200; i++) {
            numbers.append(i).append('\n');
        }
        Files.writeString(sorted, numbers);

        assertThat(awk("percentiles.awk", sorted).stdout()).isEqualTo("100 198\n");

        Files.writeString(sorted, "700\n900\n1200\n15000\n");
        assertThat(awk("percentiles.awk", sorted).stdout()).isEqualTo("900 15000\n");

        Files.writeString(sorted, "");
        assertThat(awk("percentiles.awk", sorted).stdout()).isEmpty();
    }

    @Test
    void h2loadRunWithFailuresAndLatenciesFromItsLog() throws Exception {
        Path log = TestingCommand.resource("tools/h2load-requests.tsv");
        TestingCommand sorted =
                TestingCommand.run(List.of("sh", "-c", "cut -f3 | sort -n | awk -f parse/percentiles.awk"), log);
        assertThat(sorted.stdout()).isEqualTo("900 15000\n");

        TestingCommand out = awk(
                "h2load.awk",
                TestingCommand.resource("tools/h2load.txt"),
                "scenario=h2",
                "conns=5",
                "streams=10",
                "p50_us=900",
                "p99_us=15000",
                "cpu_ms=3000");

        assertThat(out.exitCode()).isZero();
        // Operations are the succeeded requests (2xx and 3xx); "failed" (4xx and 5xx, resets,
        // timeouts) are the errors; the rate is recomputed from them.
        assertThat(out.stdout())
                .isEqualTo("{\"scenario\":\"h2\",\"connections\":5,\"streams\":10,\"ops\":199990,\"seconds\":5.000,"
                        + "\"ops_per_s\":39998.0,\"p50_us\":900,\"p99_us\":15000,\"max_us\":18500,\"errors\":10,"
                        + "\"cpu_ms\":3000,\"cpu_us_per_op\":15.001}\n");
    }

    @Test
    void h2loadWithoutALogHasNoPercentiles() throws Exception {
        TestingCommand out = awk(
                "h2load.awk",
                TestingCommand.resource("tools/h2load.txt"),
                "scenario=h2",
                "conns=5",
                "streams=10",
                "p50_us=",
                "p99_us=",
                "cpu_ms=");

        assertThat(out.stdout()).contains("\"p50_us\":null,\"p99_us\":null,\"max_us\":18500");
    }

    @Test
    void sTimeClientsSideBySideAddUp() throws Exception {
        Path both = tmp.resolve("s_time.txt");
        Files.writeString(
                both,
                Files.readString(TestingCommand.resource("tools/s_time-new-1.txt"))
                        + Files.readString(TestingCommand.resource("tools/s_time-new-2.txt")));

        TestingCommand out =
                awk("s_time.awk", both, "scenario=tls-handshake", "clients=3", "failed=1", "seconds=5.5", "cpu_ms=8");

        assertThat(out.exitCode()).isZero();
        assertThat(out.stdout())
                .isEqualTo("{\"scenario\":\"tls-handshake\",\"connections\":3,\"ops\":16,\"seconds\":5.500,"
                        + "\"ops_per_s\":2.9,\"p50_us\":null,\"p99_us\":null,\"max_us\":null,\"errors\":1,"
                        + "\"resumed\":0,\"full\":16,\"resumed_pct\":0.0,\"bytes_per_conn\":186,"
                        + "\"cpu_ms\":8,\"cpu_us_per_op\":500.000}\n");
    }

    @Test
    void sTimeMarksSayHowManyConnectionsWereResumed() throws Exception {
        TestingCommand out = awk(
                "s_time.awk",
                TestingCommand.resource("tools/s_time-reuse.txt"),
                "scenario=tls-resume",
                "clients=1",
                "failed=0",
                "seconds=5",
                "cpu_ms=2");

        assertThat(out.stdout()).contains("\"ops\":8,").contains("\"resumed\":7,\"full\":1,\"resumed_pct\":87.5,");
    }

    @Test
    void sTimeOutputOfClientsThatAllFailedIsRefused() throws Exception {
        Path broken = tmp.resolve("s_time.txt");
        Files.writeString(broken, "Collecting connection statistics for 5 seconds\nERROR\n");

        TestingCommand out =
                awk("s_time.awk", broken, "scenario=tls-handshake", "clients=8", "failed=8", "seconds=5", "cpu_ms=1");

        assertThat(out.exitCode()).isNotZero();
        assertThat(out.stdout()).isEmpty();
    }
}
