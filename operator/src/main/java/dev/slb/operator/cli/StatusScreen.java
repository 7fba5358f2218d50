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
        List<Scraped> scraped = replicas.stream().map(Scraped::of).toList();
        for (Scraped sr : scraped) {
            Replica r = sr.replica();
            Metrics before = sr.before();
            Metrics after = sr.after();
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
            // Each listener over the replicas together: what is open now, and the rates between the two scrapes.
            Table table = new Table(
                    "LISTENER",
                    "PROTOCOL",
                    "PORT",
                    "WEBSOCKET",
                    "CONNECTIONS",
                    "NEW CONN/S",
                    "REQUESTS/S",
                    "5XX",
                    "WEBSOCKETS",
                    "BACKENDS");
            listeners.values().forEach(l -> {
                String name = l.path("name").asText();
                boolean http = l.path("protocol").asText().startsWith("HTTP");
                table.row(
                        name,
                        l.path("protocol").asText(),
                        l.path("port").asText(),
                        l.path("websocket").isNull() ? "-" : l.path("websocket").asText(),
                        open(scraped, "slb_listener_connections_open", name),
                        rate(scraped, "slb_listener_connections_total", name),
                        http ? rate(scraped, "slb_requests_total", name) : "-",
                        http ? serverErrorShare(scraped, name) : "-",
                        http ? open(scraped, "slb_websockets_open", name) : "-",
                        healthyOfTotal(replicas, name, l.path("backends").asInt()));
            });
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
        out.append("Replicas: connections over all their listeners. Listeners: the replicas together, open now and per")
                .append(" second over the interval; 5XX is the share of responses in it; BACKENDS healthy/total on the")
                .append(" replica that sees the fewest healthy.\n");
        return out.toString();
    }

    private static String rate(Metrics before, Metrics after, String name, Duration apart) {
        if (!before.has(name) || !after.has(name) || apart == null || apart.isZero()) {
            return "-";
        }
        double perSecond = (after.sum(name) - before.sum(name)) / (apart.toNanos() / 1e9);
        return String.format(Locale.ROOT, "%.1f", Math.max(0, perSecond));
    }

    /** A replica with its two scrapes parsed. */
    private record Scraped(Replica replica, Metrics before, Metrics after) {
        static Scraped of(Replica r) {
            return new Scraped(r, Metrics.parse(r.metricsBefore()), Metrics.parse(r.metricsAfter()));
        }

        /** What a listener's counter grew by between the two scrapes, or NaN when it cannot say. */
        double delta(String name, String listener, String codeClass) {
            Duration apart = replica.apart();
            if (!before.has(name) || !after.has(name) || apart == null || apart.isZero()) {
                return Double.NaN;
            }
            String label = codeClass == null ? null : "code_class";
            // A counter that went down was reset (its listener left the config and came back): its count is the growth.
            double now = after.sum(name, "listener", listener, label, codeClass);
            double then = before.sum(name, "listener", listener, label, codeClass);
            return now >= then ? now - then : now;
        }
    }

    /** The sum over the replicas of a listener's gauge, or "-" when no replica has the metric. */
    private static String open(List<Scraped> scraped, String name, String listener) {
        double sum = 0;
        boolean any = false;
        for (Scraped s : scraped) {
            if (s.after().has(name)) {
                any = true;
                sum += s.after().sum(name, "listener", listener, null, null);
            }
        }
        return any ? format(sum) : "-";
    }

    /** A listener's counter per second over the replicas together, or "-" when no replica has it in both scrapes. */
    private static String rate(List<Scraped> scraped, String name, String listener) {
        double perSecond = 0;
        boolean any = false;
        for (Scraped s : scraped) {
            double delta = s.delta(name, listener, null);
            if (!Double.isNaN(delta)) {
                any = true;
                perSecond += delta / (s.replica().apart().toNanos() / 1e9);
            }
        }
        return any ? String.format(Locale.ROOT, "%.1f", perSecond) : "-";
    }

    /** The share of a listener's responses over the interval that were 5xx, or "-" when there were none. */
    private static String serverErrorShare(List<Scraped> scraped, String listener) {
        double all = 0;
        double failed = 0;
        for (Scraped s : scraped) {
            double d = s.delta("slb_requests_total", listener, null);
            if (!Double.isNaN(d)) {
                all += d;
                failed += s.delta("slb_requests_total", listener, "5xx");
            }
        }
        return all == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * failed / all);
    }

    /**
     * A listener's backends healthy on the replica that sees the fewest, over how many it has (from each replica's
     * {@code /backends}); "?" over the config's count when no replica answered.
     */
    private static String healthyOfTotal(List<Replica> replicas, String listener, int configured) {
        int fewest = Integer.MAX_VALUE;
        int total = configured;
        for (Replica r : replicas) {
            if (r.backends() == null) {
                continue;
            }
            int healthy = 0;
            int all = 0;
            for (String line : r.backends().split("\n")) {
                String[] f = line.split("\t");
                if (f.length >= 4 && f[0].equals(listener)) {
                    all++;
                    healthy += "healthy".equals(f[3]) ? 1 : 0;
                }
            }
            fewest = Math.min(fewest, healthy);
            total = all;
        }
        return fewest == Integer.MAX_VALUE ? "?/" + total : fewest + "/" + total;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    /** One sample of a scrape: its labels and its value as written. */
    private record Sample(Map<String, String> labels, String value) {}

    /**
     * The samples of a Prometheus text exposition, by metric name. Hand-written (a few dozen lines): the Prometheus
     * Java client writes this format but does not read it, and the screen needs sums of a few series by a label or two.
     */
    private record Metrics(Map<String, List<Sample>> samples) {
        static Metrics parse(String text) {
            Map<String, List<Sample>> samples = new TreeMap<>();
            if (text != null) {
                for (String line : text.split("\n")) {
                    int space = line.lastIndexOf(' ');
                    if (line.isBlank() || line.startsWith("#") || space < 0) {
                        continue;
                    }
                    String series = line.substring(0, space);
                    int brace = series.indexOf('{');
                    String name = brace < 0 ? series : series.substring(0, brace);
                    samples.computeIfAbsent(name, n -> new ArrayList<>())
                            .add(new Sample(
                                    brace < 0 ? Map.of() : labels(series, brace + 1), line.substring(space + 1)));
                }
            }
            return new Metrics(samples);
        }

        /** The labels of a series from {@code from} (just past its brace): name="value" pairs, values escaped. */
        private static Map<String, String> labels(String series, int from) {
            Map<String, String> labels = new TreeMap<>();
            int i = from;
            while (i < series.length() && series.charAt(i) != '}') {
                int eq = series.indexOf("=\"", i);
                if (eq < 0) {
                    break;
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; j < series.length() && series.charAt(j) != '"'; j++) {
                    char c = series.charAt(j);
                    if (c == '\\' && j + 1 < series.length()) {
                        char next = series.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(series.substring(i, eq).strip(), value.toString());
                i = j + 1;
                if (i < series.length() && series.charAt(i) == ',') {
                    i++;
                }
            }
            return labels;
        }

        boolean has(String name) {
            return samples.containsKey(name);
        }

        double sum(String name) {
            return sum(name, null, null, null, null);
        }

        /** The sum of {@code name}'s samples whose labels have these values (a null label matches every sample). */
        double sum(String name, String label, String value, String label2, String value2) {
            double sum = 0;
            for (Sample s : samples.getOrDefault(name, List.of())) {
                if ((label != null && !value.equals(s.labels().get(label)))
                        || (label2 != null && !value2.equals(s.labels().get(label2)))) {
                    continue;
                }
                try {
                    sum += Double.parseDouble(s.value());
                } catch (NumberFormatException e) {
                    // NaN or a value written in a way we do not read: left out of the sum.
                }
            }
            return sum;
        }

        /** A label's value on the metric's first sample, or "?". */
        String label(String name, String label) {
            List<Sample> s = samples.get(name);
            return s == null ? "?" : s.get(0).labels().getOrDefault(label, "?");
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
