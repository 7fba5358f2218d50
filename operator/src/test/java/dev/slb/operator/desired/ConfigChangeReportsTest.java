package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ReloadReport;
import dev.slb.model.ReloadReport.Reload;
import dev.slb.operator.api.LastConfigChange;
import dev.slb.operator.desired.ConfigChangeReports.Report;
import dev.slb.operator.desired.StatusAggregator.Replica;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-change report from what each replica said of its reloads: plain values, a fixed instant. */
class ConfigChangeReportsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:05:00Z");
    private static final Instant A = Instant.parse("2026-12-01T10:04:58.250Z");
    private static final Instant B = Instant.parse("2026-12-01T10:04:59.500Z");

    private static ReloadReport reported(Reload... reloads) {
        return new ReloadReport(true, List.of(reloads));
    }

    private static Reload reload(String version, Instant at, long kept, long draining) {
        return new Reload(version, at, Duration.ofMillis(3), kept, draining, 0);
    }

    @Test
    void everyReplicaReportingMakesOneReportWithTheSums() {
        List<Replica> serving = List.of(
                new Replica("web-proxy-a", "v2", null, reported(reload("v1", A, 0, 0), reload("v2", A, 1_000, 3))),
                new Replica("web-proxy-b", "v2", null, reported(reload("v2", B, 204, 0))));

        Report r = ConfigChangeReports.due("v2", serving, null, NOW).orElseThrow();

        assertThat(r.message())
                .isEqualTo("config version v2 applied on 2/2 replicas: 1,204 connections kept, 0 closed, 3 draining.");
        LastConfigChange c = r.change();
        assertThat(c.version).isEqualTo("v2");
        assertThat(c.appliedAt).as("the last replica's").isEqualTo("2026-12-01T10:04:59Z");
        assertThat(c.replicas).isEqualTo(2);
        assertThat(c.replicasReporting).isEqualTo(2);
        assertThat(c.connectionsKept).isEqualTo(1_204);
        assertThat(c.connectionsClosed).isZero();
        assertThat(c.connectionsDraining).isEqualTo(3);
        assertThat(r.note().reason()).isEqualTo(dev.slb.operator.api.Reason.ConfigApplied);
        assertThat(r.note().warning()).isFalse();
    }

    @Test
    void theLastTimeAVersionWasAppliedCounts() {
        // v1 applied, then v2, then v1 again: the replica serves v1 as applied the second time.
        List<Replica> serving = List.of(new Replica(
                "web-proxy-a",
                "v1",
                null,
                reported(reload("v1", A, 0, 0), reload("v2", A, 5, 0), reload("v1", B, 1, 0))));

        Report r = ConfigChangeReports.due("v1", serving, null, NOW).orElseThrow();

        assertThat(r.message())
                .isEqualTo("config version v1 applied on 1/1 replicas: 1 connection kept, 0 closed, 0 draining.");
        assertThat(r.change().connectionsKept).isEqualTo(1);
    }

    @Test
    void aVersionAlreadyReportedIsNotReportedAgain() {
        LastConfigChange previous = new LastConfigChange();
        previous.version = "v2";
        List<Replica> serving = List.of(new Replica("web-proxy-a", "v2", null, reported(reload("v2", A, 7, 0))));

        assertThat(ConfigChangeReports.due("v2", serving, previous, NOW)).isEmpty();
        assertThat(ConfigChangeReports.due(
                        "v3",
                        List.of(new Replica("web-proxy-a", "v3", null, reported(reload("v3", B, 7, 0)))),
                        previous,
                        NOW))
                .as("the next version is")
                .isPresent();
    }

    @Test
    void aReplicaWhoseReloadIsNotKnownYetHoldsTheReportBack() {
        Replica known = new Replica("web-proxy-a", "v2", null, reported(reload("v2", A, 7, 0)));

        assertThat(ConfigChangeReports.due("v2", List.of(known, new Replica("web-proxy-b", "v2")), null, NOW))
                .as("not asked yet")
                .isEmpty();
        assertThat(ConfigChangeReports.due(
                        "v2",
                        List.of(known, new Replica("web-proxy-b", "v2", null, reported(reload("v1", A, 7, 0)))),
                        null,
                        NOW))
                .as("its answer predates the version")
                .isEmpty();
        assertThat(ConfigChangeReports.due("v2", List.of(), null, NOW)).isEmpty();
    }

    @Test
    void aReplicaOfAnOlderProxyReleaseIsNamedAndTheOthersCounted() {
        List<Replica> serving = List.of(
                new Replica("web-proxy-a", "v2", null, reported(reload("v2", A, 12, 0))),
                new Replica("web-proxy-b", "v2", null, ReloadReport.UNAVAILABLE));

        Report r = ConfigChangeReports.due("v2", serving, null, NOW).orElseThrow();

        assertThat(r.message())
                .isEqualTo("config version v2 applied on 2/2 replicas: 12 connections kept, 0 closed, 0 draining"
                        + " (counted on 1 of 2 replicas; web-proxy-b runs a proxy release that does not report it).");
        assertThat(r.change().replicas).isEqualTo(2);
        assertThat(r.change().replicasReporting).isEqualTo(1);
        assertThat(r.change().connectionsKept).isEqualTo(12);
    }

    @Test
    void withNoReplicaReportingTheReportSaysWhatItKnows() {
        List<Replica> serving = List.of(
                new Replica("web-proxy-a", "v2", null, ReloadReport.UNAVAILABLE),
                new Replica("web-proxy-b", "v2", null, ReloadReport.UNAVAILABLE));

        Report r = ConfigChangeReports.due("v2", serving, null, NOW).orElseThrow();

        assertThat(r.message())
                .isEqualTo("config version v2 applied on 2/2 replicas; their proxy release does not report what a"
                        + " reload does to connections (GET /reloads), so the counts are unknown.");
        assertThat(r.change().appliedAt).as("when the operator saw it served").isEqualTo("2026-12-01T10:05:00Z");
        assertThat(r.change().replicasReporting).isZero();
        assertThat(Optional.ofNullable(r.change().connectionsKept)).isEmpty();
        assertThat(Optional.ofNullable(r.change().connectionsClosed)).isEmpty();
    }
}
