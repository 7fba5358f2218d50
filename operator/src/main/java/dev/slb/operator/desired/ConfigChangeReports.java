package dev.slb.operator.desired;

import dev.slb.model.ReloadReport;
import dev.slb.operator.api.LastConfigChange;
import dev.slb.operator.api.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report of a config change, made once per version: when every replica serves it and each has
 * said what applying it did (or that it cannot say), the replicas' counts summed into the status's
 * {@code lastConfigChange} and a {@code ConfigApplied} event.
 */
public final class ConfigChangeReports {
    private ConfigChangeReports() {}

    /** The status field and the event's message of a report due now. */
    public record Report(LastConfigChange change, String message) {
        StatusAggregator.Note note() {
            return new StatusAggregator.Note(false, Reason.ConfigApplied, message);
        }
    }

    /**
     * The report due for {@code version}, served by every one of {@code serving} (the caller checked:
     * Programmed), or empty: already reported ({@code previous} is about this version, which also
     * holds across operator restarts, since the status keeps it) or some replica's reload is not
     * known yet (asked again soon).
     */
    public static Optional<Report> due(
            String version, List<StatusAggregator.Replica> serving, LastConfigChange previous, Instant now) {
        if (serving.isEmpty() || (previous != null && version.equals(previous.version))) {
            return Optional.empty();
        }
        List<ReloadReport.Reload> reloads = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (StatusAggregator.Replica r : serving) {
            if (r.reloads() == null) {
                return Optional.empty();
            }
            if (!r.reloads().available()) {
                silent.add(r.pod());
                continue;
            }
            Optional<ReloadReport.Reload> applied = r.reloads().applied(version);
            if (applied.isEmpty()) {
                return Optional.empty(); // it serves the version, so its report of it is on its way
            }
            reloads.add(applied.get());
        }
        LastConfigChange change = new LastConfigChange();
        change.version = version;
        change.replicas = serving.size();
        change.replicasReporting = reloads.size();
        change.appliedAt = Conditions.format(reloads.stream()
                .map(ReloadReport.Reload::appliedAt)
                .max(Instant::compareTo)
                .orElse(now));
        String on = "config version " + version + " applied on " + serving.size() + "/" + serving.size() + " replicas";
        if (reloads.isEmpty()) {
            return Optional.of(new Report(
                    change,
                    on + "; " + (serving.size() == 1 ? "its proxy release does" : "their proxy release does")
                            + " not report what a reload does to connections (GET /reloads), so the counts are"
                            + " unknown."));
        }
        change.connectionsKept =
                reloads.stream().mapToLong(ReloadReport.Reload::kept).sum();
        change.connectionsClosed =
                reloads.stream().mapToLong(ReloadReport.Reload::closed).sum();
        change.connectionsDraining =
                reloads.stream().mapToLong(ReloadReport.Reload::draining).sum();
        String message = on + ": " + count(change.connectionsKept) + " connection"
                + (change.connectionsKept == 1 ? "" : "s") + " kept, " + count(change.connectionsClosed)
                + " closed, " + count(change.connectionsDraining) + " draining";
        if (!silent.isEmpty()) {
            message += " (counted on " + reloads.size() + " of " + serving.size() + " replicas; "
                    + StatusAggregator.named(silent)
                    + (silent.size() == 1 ? " runs a proxy release that does" : " run a proxy release that does")
                    + " not report it)";
        }
        return Optional.of(new Report(change, message + "."));
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
