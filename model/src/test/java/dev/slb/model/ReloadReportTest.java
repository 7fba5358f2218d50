package dev.slb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.ReloadReport.Reload;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin port's {@code /reloads} JSON, as the proxy writes it and the operator reads it. */
class ReloadReportTest {
    private static final Reload V1 =
            new Reload("v1", Instant.parse("2026-12-01T10:00:00.125Z"), Duration.ZERO, 0, 0, 0);
    private static final Reload V2 =
            new Reload("v2", Instant.parse("2026-12-01T10:05:00Z"), Duration.ofMillis(1_500), 1_204, 3, 0);

    @Test
    void whatTheProxyWritesTheOperatorReads() {
        ReloadReport report = new ReloadReport(true, List.of(V1, V2));

        String json = report.write();

        assertThat(json)
                .startsWith("{\"reloads\":[{\"version\":\"v1\",\"appliedAt\":\"2026-12-01T10:00:00.125Z\"")
                .contains("\"durationSeconds\":1.5,\"connectionsKept\":1204,\"connectionsDraining\":3,"
                        + "\"connectionsClosed\":0}");
        assertThat(ReloadReport.parse(json)).isEqualTo(report);
    }

    @Test
    void theLastApplicationOfAVersionIsTheOneReported() {
        Reload again = new Reload("v1", Instant.parse("2026-12-01T10:09:00Z"), Duration.ZERO, 9, 0, 0);
        ReloadReport report = new ReloadReport(true, List.of(V1, V2, again));

        assertThat(report.applied("v1")).contains(again);
        assertThat(report.applied("v2")).contains(V2);
        assertThat(report.applied("v3")).isEmpty();
        assertThat(ReloadReport.UNAVAILABLE.applied("v1")).isEmpty();
    }

    @Test
    void aNewerProxysExtraFieldsAreIgnoredAndAnEntryWithoutVersionOrTimeSkipped() {
        ReloadReport report = ReloadReport.parse("{\"reloads\":["
                + "{\"version\":\"v1\",\"appliedAt\":\"2026-12-01T10:00:00Z\",\"connectionsKept\":4,\"why\":\"x\"},"
                + "{\"appliedAt\":\"2026-12-01T10:00:00Z\"},"
                + "{\"version\":\"v2\",\"appliedAt\":\"yesterday\"}],\"more\":1}");

        assertThat(report.available()).isTrue();
        assertThat(report.reloads())
                .containsExactly(new Reload("v1", Instant.parse("2026-12-01T10:00:00Z"), Duration.ZERO, 4, 0, 0));
    }

    @Test
    void textThatIsNotTheReportIsRefused() {
        assertThatThrownBy(() -> ReloadReport.parse("not found")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReloadReport.parse("{\"version\":\"v1\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reloads");
    }
}
