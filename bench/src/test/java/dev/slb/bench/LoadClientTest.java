package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The load client's scenarios against the echo backend, both in this JVM on loopback, with a
 * one-second window: they complete operations with no errors, and they count the errors a broken
 * server causes. No assertion here is about speed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoadClientTest {
    private static final String SELF = Long.toString(ProcessHandle.current().pid());

    private EchoBackend backend;

    @BeforeEach
    void start() throws Exception {
        backend = EchoBackend.start(new InetSocketAddress("127.0.0.1", 0), null);
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    private String url(int port) {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    private static LoadResult run(String... args) throws Exception {
        List<LoadResult> reported = new ArrayList<>();
        LoadResult result = LoadRun.execute(LoadSpec.parse(args), reported::add);
        assertThat(reported).containsExactly(result);
        return result;
    }

    private static LoadResult.Timed timed(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--warmup", "0.2", "--duration", "1"));
        return (LoadResult.Timed) run(all.toArray(new String[0]));
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 4096})
    void echoCompletesRoundTripsWithoutErrors(int size) throws Exception {
        LoadResult.Timed r = timed(
                "echo",
                "--url",
                url(backend.address().getPort()),
                "--connections",
                "2",
                "--size",
                Integer.toString(size));

        assertThat(r.errors()).isZero();
        assertThat(r.ops()).isPositive();
        assertThat(r.seconds()).isBetween(0.9, 2.0);
        assertThat(r.p50Us()).isPositive();
        assertThat(r.p99Us()).isGreaterThanOrEqualTo(r.p50Us());
        assertThat(r.maxUs()).isGreaterThanOrEqualTo(r.p99Us());
        assertThat(r.cpuMs()).isNull();
        assertThat(r.toJson())
                .startsWith("{\"scenario\":\"echo\",\"connections\":2,\"size\":" + size + ",\"ops\":" + r.ops());
    }

    @Test
    void echoOfAOneMebibyteMessageComesBackWhole() throws Exception {
        // A window of 5 s rather than 1: on a loaded machine one round trip of 1 MiB took longer
        // than the whole 1 s window, and a window with no echo in it proves nothing.
        LoadResult.Timed r = (LoadResult.Timed) run(
                "echo",
                "--url",
                url(backend.address().getPort()),
                "--connections",
                "1",
                "--size",
                Integer.toString(EchoBackend.MAX_FRAME_PAYLOAD),
                "--warmup",
                "0.2",
                "--duration",
                "5");

        assertThat(r.errors()).isZero();
        assertThat(r.ops()).isPositive();
    }

    @Test
    void echoReportsTheCpuOfTheWatchedProcesses() throws Exception {
        LoadResult.Timed r =
                timed("echo", "--url", url(backend.address().getPort()), "--connections", "2", "--cpu-pids", SELF);

        assertThat(r.errors()).isZero();
        assertThat(r.cpuMs()).isNotNull().isNotNegative();
        assertThat(r.cpuUsPerOp()).isNotNull();
    }

    @Test
    void echoCountsEveryDamagedEchoAsAnError() throws Exception {
        try (TestingCorruptingRelay relay = new TestingCorruptingRelay(backend.address())) {
            LoadResult.Timed r = timed("echo", "--url", url(relay.port()), "--connections", "2", "--size", "64");

            assertThat(r.errors()).isEqualTo(2);
            assertThat(r.ops()).isZero();
            assertThat(r.p50Us()).isNull();
            assertThat(r.toJson()).contains("\"errors\":2");
        }
    }

    @Test
    void echoOverTlsWorks() throws Exception {
        File tls = new File(getClass().getResource("/tls/echo.crt").toURI()).getParentFile();
        try (EchoBackend secure = EchoBackend.start(
                new InetSocketAddress("127.0.0.1", 0),
                EchoBackend.tls(new File(tls, "echo.crt"), new File(tls, "echo.key")))) {
            LoadResult.Timed r = timed(
                    "echo",
                    "--url",
                    "wss://localhost:" + secure.address().getPort() + "/ws",
                    "--connections",
                    "2",
                    "--size",
                    "4096");

            assertThat(r.errors()).isZero();
            assertThat(r.ops()).isPositive();
        }
    }

    @Test
    void connectCompletesWholeCycles() throws Exception {
        LoadResult.Timed r = timed("connect", "--url", url(backend.address().getPort()), "--connections", "2");

        assertThat(r.errors()).isZero();
        assertThat(r.ops()).isPositive();
        assertThat(r.p50Us()).isPositive();
        assertThat(r.toJson()).startsWith("{\"scenario\":\"connect\",\"connections\":2,\"size\":64,");
    }

    @Test
    void connectCountsAWrongAcceptValueAsAnError() throws Exception {
        try (TestingUpgradeServer server = new TestingUpgradeServer("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: d3Jvbmc=\r\n\r\n")) {
            LoadResult.Timed r = timed("connect", "--url", url(server.port()), "--connections", "1");

            assertThat(r.errors()).isPositive();
            assertThat(r.ops()).isZero();
        }
    }

    @Test
    void anAnswerOtherThan101IsAnError() throws Exception {
        LoadResult.Timed r = timed(
                "echo", "--url", "ws://127.0.0.1:" + backend.address().getPort() + "/not-ws", "--connections", "1");

        assertThat(r.errors()).isEqualTo(1);
        assertThat(r.ops()).isZero();
    }

    @Test
    void idleOpensEveryConnectionAndReadsMemory() throws Exception {
        LoadResult.Idle r = (LoadResult.Idle) run(
                "idle",
                "--url",
                url(backend.address().getPort()),
                "--connections",
                "50",
                "--settle",
                "0.2",
                "--mem-pids",
                SELF);

        assertThat(r.open()).isEqualTo(50);
        assertThat(r.errors()).isZero();
        assertThat(r.rssBeforeKb()).isPositive();
        assertThat(r.rssAfterKb()).isPositive();
        assertThat(r.toJson()).startsWith("{\"scenario\":\"idle\",\"connections\":50,\"open\":50,\"errors\":0,");
    }

    @Test
    void idleAgainstNothingGivesAShortCountNotAHang() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }

        LoadResult.Idle r = (LoadResult.Idle) run("idle", "--url", url(dead), "--connections", "50", "--settle", "0");

        assertThat(r.open()).isZero();
        assertThat(r.errors()).isEqualTo(50);
        assertThat(r.bytesPerConnection()).isNull();
    }

    @Test
    void idleRefusesMoreConnectionsThanThisProcessMayOpenFiles() {
        long limit = ProcStats.openFilesLimit();
        assumeTrue(limit > 0 && limit < LoadSpec.MAX_CONNECTIONS);

        assertThatThrownBy(() -> run(
                        "idle",
                        "--url",
                        url(backend.address().getPort()),
                        "--connections",
                        Long.toString(LoadSpec.MAX_CONNECTIONS)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ulimit -n");
    }

    @Test
    void aProcessThatDoesNotExistIsRefusedBeforeTheRun() {
        assertThatThrownBy(() -> timed("echo", "--url", url(backend.address().getPort()), "--cpu-pids", "999999999"))
                .isInstanceOf(NoSuchFileException.class);
    }
}
