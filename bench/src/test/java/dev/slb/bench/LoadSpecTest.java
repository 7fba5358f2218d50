package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The load client's command line and its JSON line. */
class LoadSpecTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        LoadSpec spec = LoadSpec.parse("echo", "--url", "ws://127.0.0.1:8080/ws");

        assertThat(spec.scenario()).isEqualTo(LoadSpec.Scenario.ECHO);
        assertThat(spec.connections()).isEqualTo(1);
        assertThat(spec.size()).isEqualTo(64);
        assertThat(spec.warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(spec.duration()).isEqualTo(Duration.ofSeconds(5));
        assertThat(spec.settle()).isEqualTo(Duration.ofSeconds(5));
        assertThat(spec.cpuPids()).isEmpty();
        assertThat(spec.target().secure()).isFalse();
        assertThat(spec.target().path()).isEqualTo("/ws");
        assertThat(spec.target().hostHeader()).isEqualTo("127.0.0.1:8080");
    }

    @Test
    void everyOptionIsRead() {
        LoadSpec spec = LoadSpec.parse(
                "idle",
                "--url",
                "wss://localhost/ws?x=1",
                "--connections",
                "9800",
                "--settle",
                "1.5",
                "--warmup",
                "0",
                "--duration",
                "3",
                "--size",
                "4096",
                "--cpu-pids",
                "10,11",
                "--mem-pids",
                "12");

        assertThat(spec.scenario()).isEqualTo(LoadSpec.Scenario.IDLE);
        assertThat(spec.connections()).isEqualTo(9800);
        assertThat(spec.settle()).isEqualTo(Duration.ofMillis(1500));
        assertThat(spec.warmup()).isZero();
        assertThat(spec.size()).isEqualTo(4096);
        assertThat(spec.cpuPids()).containsExactly(10L, 11L);
        assertThat(spec.memPids()).containsExactly(12L);
        assertThat(spec.target().secure()).isTrue();
        assertThat(spec.target().port()).isEqualTo(443);
        assertThat(spec.target().path()).isEqualTo("/ws?x=1");
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> LoadSpec.parse()).hasMessageContaining("no scenario");
        assertThatThrownBy(() -> LoadSpec.parse("flood", "--url", "ws://h/ws"))
                .hasMessageContaining("unknown scenario flood");
        assertThatThrownBy(() -> LoadSpec.parse("echo")).hasMessageContaining("--url is required");
        assertThatThrownBy(() -> LoadSpec.parse("echo", "--url", "http://h/ws"))
                .hasMessageContaining("ws:// or wss://");
        assertThatThrownBy(() -> LoadSpec.parse("echo", "--url", "ws://h/ws", "--connections", "0"))
                .hasMessageContaining("--connections takes a whole number from 1");
        assertThatThrownBy(() -> LoadSpec.parse("echo", "--url", "ws://h/ws", "--size", "2000000"))
                .hasMessageContaining("--size");
        assertThatThrownBy(() -> LoadSpec.parse("echo", "--url", "ws://h/ws", "--duration", "0"))
                .hasMessageContaining("more than 0");
        assertThatThrownBy(() -> LoadSpec.parse("echo", "--url", "ws://h/ws", "--cpu-pids", "1,x"))
                .hasMessageContaining("process ids");
        assertThatThrownBy(() -> LoadSpec.parse("echo", "--url", "ws://h/ws", "--bogus", "1"))
                .hasMessageContaining("unknown option --bogus");
        assertThatThrownBy(() -> LoadSpec.parse("echo", "--url")).hasMessageContaining("--url needs a value");
    }

    @Test
    void jsonLinesHaveTheAgreedShape() {
        var echo = new LoadResult.Timed("echo", 50, 64, 1000, 2.0, 20L, 90L, 400L, 0, 500L);
        var empty = new LoadResult.Timed("connect", 2, 64, 0, 1.0, null, null, null, 3, null);
        var idle = new LoadResult.Idle(100, 100, 0, 1000L, 2000L);

        assertThat(echo.toJson())
                .isEqualTo("{\"scenario\":\"echo\",\"connections\":50,\"size\":64,\"ops\":1000,"
                        + "\"seconds\":2.000,\"ops_per_s\":500.0,\"p50_us\":20,\"p99_us\":90,\"max_us\":400,\"errors\":0,"
                        + "\"cpu_ms\":500,\"cpu_us_per_op\":500.00}");
        assertThat(empty.toJson())
                .isEqualTo("{\"scenario\":\"connect\",\"connections\":2,\"size\":64,\"ops\":0,"
                        + "\"seconds\":1.000,\"ops_per_s\":0.0,\"p50_us\":null,\"p99_us\":null,\"max_us\":null,\"errors\":3,"
                        + "\"cpu_ms\":null,\"cpu_us_per_op\":null}");
        assertThat(idle.toJson())
                .isEqualTo("{\"scenario\":\"idle\",\"connections\":100,\"open\":100,\"errors\":0,"
                        + "\"rss_before_kb\":1000,\"rss_after_kb\":2000,\"bytes_per_conn\":10240}");
        assertThat(List.of(echo, empty, idle))
                .allSatisfy(r -> assertThat(r.toJson()).doesNotContain("\n"));
    }
}
