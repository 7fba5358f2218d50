package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configs bench/run gives the three proxies ({@code bench/run --write-configs DIR}), for the
 * scenarios that need the same feature on each: HTTP/2 offered on the HTTPS listener, gzip at
 * slb's level, the POST body; and nginx and HAProxy accepting them, where they are installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchConfigsTest {
    @TempDir
    static Path dir;

    private static TestingCommand written;

    @BeforeAll
    static void writeConfigs() throws Exception {
        // The throwaway certificate is made with openssl, which bench/run installs when it runs.
        assumeTrue(TestingCommand.which("openssl") != null, "openssl is not installed (bench/run installs it)");
        written = TestingCommand.run(
                List.of("bash", "run", "--write-configs", dir.toString(), "--only", "all", "--rounds", "1"), null);
        assertThat(written.exitCode()).as(written.stderr()).isZero();
    }

    private static String read(String name) throws Exception {
        return Files.readString(dir.resolve(name));
    }

    @Test
    void itPrintsTheTimeEstimateAndStartsNothing() {
        assertThat(written.stderr())
                .contains("scenarios (echo-64 echo-4k rtt-64 wss-64 connect http idle cold-start https post-1k gzip h2"
                        + " tls-handshake tls-resume); about ")
                .contains("configs written to " + dir)
                .doesNotContain("installing")
                .doesNotContain("building");
        assertThat(dir.resolve("results.jsonl")).doesNotExist();
    }

    @Test
    void everyProxyOffersHttp2OnItsHttpsListener() throws Exception {
        assertThat(read("nginx.conf"))
                .contains("listen 127.0.0.1:21443 ssl http2 backlog=4096;")
                .contains("http2_max_concurrent_streams 100;");
        assertThat(read("haproxy.cfg")).contains("bind 127.0.0.1:22443 ssl crt " + dir + "/tls.pem alpn h2,http/1.1");
        // slb offers h2 and gzips by default: its config leaves both at their defaults, so that a
        // baseline build from before the fields existed still reads it.
        assertThat(read("slb.yaml"))
                .contains("protocol: HTTPS")
                .doesNotContain("http2")
                .doesNotContain("compression");
    }

    @Test
    void nginxGzipsAtSlbsLevel() throws Exception {
        Field level = Class.forName("dev.slb.proxy.http.ResponseCompressor").getDeclaredField("LEVEL");
        level.setAccessible(true);

        assertThat(read("nginx.conf"))
                .contains("gzip on;")
                .contains("gzip_comp_level " + level.getInt(null) + ";")
                .contains("gzip_min_length 1024;")
                .containsPattern("gzip_types [^;]*application/json");
        assertThat(read("haproxy.cfg"))
                .contains("compression algo gzip")
                .containsPattern("compression type .*application/json");
    }

    @Test
    void thePostScenarioSendsAOneKibJsonBody() throws Exception {
        assertThat(read("post-1k.lua"))
                .contains("wrk.method = \"POST\"")
                .contains("wrk.headers[\"Content-Type\"] = \"application/json\"")
                // '{"data":"' and '"}' are 11 bytes: the x's make up the rest of 1024.
                .contains("wrk.body = '{\"data\":\"' .. string.rep(\"x\", 1024 - 11) .. '\"}'");
    }

    @Test
    void nginxAcceptsItsConfig() throws Exception {
        String nginx = TestingCommand.which("nginx");
        assumeTrue(nginx != null, "nginx is not installed (bench/run installs it)");
        TestingCommand check = TestingCommand.run(
                List.of(
                        nginx,
                        "-t",
                        "-p",
                        dir.resolve("nginx").toString() + "/",
                        "-e",
                        dir.resolve("nginx-error.log").toString(),
                        "-c",
                        dir.resolve("nginx.conf").toString()),
                null);
        assertThat(check.exitCode()).as(check.stderr()).isZero();
    }

    @Test
    void haproxyAcceptsItsConfig() throws Exception {
        String haproxy = TestingCommand.which("haproxy");
        assumeTrue(haproxy != null, "haproxy is not installed (bench/run installs it)");
        TestingCommand check = TestingCommand.run(
                List.of(haproxy, "-c", "-f", dir.resolve("haproxy.cfg").toString()), null);
        assertThat(check.exitCode()).as(check.stderr()).isZero();
    }
}
