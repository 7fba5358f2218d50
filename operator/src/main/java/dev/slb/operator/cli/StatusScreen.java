package dev.slb.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code kubectl slb status NAME} prints: a pure function from the LoadBalancer, its proxy pods and what each
 * pod's admin port answered (two scrapes of {@code /metrics} some time apart) to the text of the screen.
 */
public final class StatusScreen {
    private StatusScreen() {}

    /** One proxy pod: its object, and its admin port's answers (null where it was not asked or did not answer). */
    public record Replica(
            JsonNode pod, JsonNode config, String backends, String metricsBefore, String metricsAfter, Duration apart) {
        String name() {
            return pod.path("metadata").path("name").asText();
        }

        boolean ready() {
            for (JsonNode c : pod.path("status").path("conditions")) {
                if ("Ready".equals(c.path("type").asText())) {
                    return "True".equals(c.path("status").asText());
                }
            }
            return false;
        }
    }

    public static String render(JsonNode lb, List<Replica> replicas) {
        StringBuilder out = new StringBuilder();
        JsonNode meta = lb.path("metadata");
        JsonNode status = lb.path("status");
        out.append("LoadBalancer ")
                .append(meta.path("namespace").asText())
                .append('/')
                .append(meta.path("name").asText())
                .append("   tier ")
                .append(status.path("tier").asText(lb.path("spec").path("tier").asText("?")))
                .append("   address ")
                .append(status.path("addresses").path(0).asText("none yet"))
                .append("   config version ")
                .append(status.path("configVersion").asText("none yet"))
                .append('\n');
        out.append("replicas ")
                .append(status.path("replicaSummary").asText("?"))
                .append(" ready   backends ")
                .append(status.path("backendSummary").asText("?"))
                .append(" healthy (the listener with fewest)\n");
        JsonNode change = status.path("lastConfigChange");
        if (change.has("version")) {
            // The operator's report of the last config change, as the status keeps it.
            out.append("last config change ")
                    .append(change.path("version").asText())
                    .append(" applied ")
                    .append(change.path("appliedAt").asText("?"))
                    .append(" on ")
                    .append(change.path("replicas").asText("?"))
                    .append(" replicas: ")
                    .append(
                            change.has("connectionsKept")
                                    ? String.format(
                                            Locale.ROOT,
                                            "%,d kept, %,d closed, %,d draining",
                                            change.path("connectionsKept").asLong(),
                                            change.path("connectionsClosed").asLong(),
                                            change.path("connectionsDraining").asLong())
                                    : "connections not reported")
                    .append('\n');
        }
        out.append('\n');

        Table conditions = new Table("CONDITION", "STATUS", "REASON", "MESSAGE");
        for (JsonNode c : status.path("conditions")) {
            boolean fine = "True".equals(c.path("status").asText());
            conditions.row(
                    c.path("type").asText(),
                    c.path("status").asText(),
                    c.path("reason").asText(),
                    fine ? "" : c.path("message").asText());
        }
        out.append(conditions.isEmpty() ? "no conditions yet\n" : conditions.toString())
                .append('\n');

        Table fleet = new Table("REPLICA", "READY", "VERSION", "CONNECTIONS", "NEW CONN/S", "REFUSED", "RUNTIME");
        for (Replica r : replicas) {
            Metrics before = Metrics.parse(r.metricsBefore());
            Metrics after = Metrics.parse(r.metricsAfter());
            fleet.row(
                    r.name(),
                    r.ready() ? "yes" : "no",
                    r.config() == null ? "-" : r.config().path("version").asText("-"),
                    after.has("slb_connections") ? format(after.sum("slb_connections")) : "-",
                    rate(before, after, "slb_connections_accepted_total", r.apart()),
                    after.has("slb_connections_refused_total")
                            ? format(after.sum("slb_connections_refused_total")
                                    + after.sum("slb_requests_refused_total"))
                            : "-",
                    after.label("slb_runtime_info", "transport") + "/" + after.label("slb_runtime_info", "tls"));
        }
        out.append(replicas.isEmpty() ? "no proxy pods\n" : fleet.toString()).append('\n');

        Map<String, JsonNode> listeners = new LinkedHashMap<>();
        for (Replica r : replicas) {
            if (r.config() != null) {
                r.config()
                        .path("listeners")
                        .forEach(l -> listeners.putIfAbsent(l.path("name").asText(), l));
            }
        }
        if (!listeners.isEmpty()) {
            Table table = new Table("LISTENER", "PROTOCOL", "PORT", "WEBSOCKET", "BACKENDS");
            listeners
                    .values()
                    .forEach(l -> table.row(
                            l.path("name").asText(),
                            l.path("protocol").asText(),
                            l.path("port").asText(),
                            l.path("websocket").isNull()
                                    ? "-"
                                    : l.path("websocket").asText(),
                            l.path("backends").asText()));
            out.append(table).append('\n');
        }

        // Backend health as each replica sees it: listener and backend down, replicas across.
        Map<String, Map<String, String>> health = new TreeMap<>();
        List<String> names = new ArrayList<>();
        for (Replica r : replicas) {
            if (r.backends() == null) {
                continue;
            }
            names.add(r.name());
            for (String line : r.backends().split("\n")) {
                String[] f = line.split("\t");
                if (f.length >= 4) {
                    String state = f[3] + (f.length > 4 && !f[4].isBlank() ? " (" + f[4] + ")" : "");
                    health.computeIfAbsent(f[0] + "\t" + f[1] + ":" + f[2], k -> new LinkedHashMap<>())
                            .put(r.name(), state);
                }
            }
        }
        if (!health.isEmpty()) {
            List<String> header = new ArrayList<>(List.of("LISTENER", "BACKEND"));
            header.addAll(names);
            Table table = new Table(header.toArray(String[]::new));
            health.forEach((key, byReplica) -> {
                List<String> row = new ArrayList<>(List.of(key.split("\t")));
                names.forEach(n -> row.add(byReplica.getOrDefault(n, "-")));
                table.row(row.toArray(String[]::new));
            });
            out.append(table).append('\n');
        }
        out.append("Connections are per replica, all listeners together; WebSockets and requests per second by")
                .append(" listener come with the proxy's per-listener metrics.\n");
        return out.toString();
    }

    private static String rate(Metrics before, Metrics after, String name, Duration apart) {
        if (!before.has(name) || !after.has(name) || apart == null || apart.isZero()) {
            return "-";
        }
        double perSecond = (after.sum(name) - before.sum(name)) / (apart.toNanos() / 1e9);
        return String.format(Locale.ROOT, "%.1f", Math.max(0, perSecond));
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    /**
     * The samples of a Prometheus text exposition, by metric name. Hand-written (a dozen lines): the Prometheus Java
     * client writes this format but does not read it, and the screen needs sums of a few series.
     */
    private record Metrics(Map<String, List<String[]>> samples) {
        static Metrics parse(String text) {
            Map<String, List<String[]>> samples = new TreeMap<>();
            if (text != null) {
                for (String line : text.split("\n")) {
                    int space = line.lastIndexOf(' ');
                    if (line.isBlank() || line.startsWith("#") || space < 0) {
                        continue;
                    }
                    String series = line.substring(0, space);
                    int brace = series.indexOf('{');
                    String name = brace < 0 ? series : series.substring(0, brace);
                    String labels = brace < 0 ? "" : series.substring(brace);
                    samples.computeIfAbsent(name, n -> new ArrayList<>())
                            .add(new String[] {labels, line.substring(space + 1)});
                }
            }
            return new Metrics(samples);
        }

        boolean has(String name) {
            return samples.containsKey(name);
        }

        double sum(String name) {
            double sum = 0;
            for (String[] s : samples.getOrDefault(name, List.of())) {
                try {
                    sum += Double.parseDouble(s[1]);
                } catch (NumberFormatException e) {
                    // NaN or a value written in a way we do not read: left out of the sum.
                }
            }
            return sum;
        }

        /** A label's value on the metric's first sample, or "?". */
        String label(String name, String label) {
            List<String[]> s = samples.get(name);
            if (s == null) {
                return "?";
            }
            String labels = s.get(0)[0];
            int at = labels.indexOf(label + "=\"");
            if (at < 0) {
                return "?";
            }
            int from = at + label.length() + 2;
            return labels.substring(from, labels.indexOf('"', from));
        }
    }

    /** Columns padded to their widest cell, as kubectl prints them. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        boolean isEmpty() {
            return rows.size() == 1;
        }

        @Override
        public String toString() {
            int columns = rows.get(0).length;
            int[] width = new int[columns];
            for (String[] row : rows) {
                for (int i = 0; i < columns; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            StringBuilder sb = new StringBuilder();
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    line.append(i == columns - 1 ? row[i] : String.format("%-" + (width[i] + 3) + "s", row[i]));
                }
                sb.append(line.toString().stripTrailing()).append('\n');
            }
            return sb.toString();
        }
    }
}
