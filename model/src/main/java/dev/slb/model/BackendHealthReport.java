package dev.slb.model;

import java.util.ArrayList;
import java.util.List;

/**
 * What one proxy replica reports of its backends on its admin port ({@link
 * ProxyContract#BACKENDS_PATH}): per listener and backend, whether new work may go there (active
 * checks pass and passive health has not ejected it) and, when not, why. Written and read here
 * alone, so the proxy and the operator cannot drift: one line per backend, tab-separated
 * {@code listener, address, port, healthy|unhealthy, reason}.
 *
 * @param backends the backends, in the order the replica lists them
 */
public record BackendHealthReport(List<Entry> backends) {
    /** One backend of one listener. */
    public record Entry(String listener, String address, int port, boolean healthy, String reason) {
        /** {@code address:port}, IPv6 in brackets, as a person reads it. */
        public String endpoint() {
            return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        }
    }

    public static final String CONTENT_TYPE = "text/tab-separated-values; charset=utf-8";

    public BackendHealthReport {
        backends = List.copyOf(backends);
    }

    public String write() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : backends) {
            sb.append(clean(e.listener()))
                    .append('\t')
                    .append(clean(e.address()))
                    .append('\t')
                    .append(e.port())
                    .append('\t')
                    .append(e.healthy() ? "healthy" : "unhealthy")
                    .append('\t')
                    .append(e.reason() == null ? "" : clean(e.reason()))
                    .append('\n');
        }
        return sb.toString();
    }

    /** Reads what {@link #write()} wrote; a line it cannot read is skipped (a newer proxy may add columns). */
    public static BackendHealthReport parse(String text) {
        List<Entry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length < 5) {
                continue;
            }
            try {
                entries.add(new Entry(
                        f[0], f[1], Integer.parseInt(f[2]), f[3].equals("healthy"), f[4].isEmpty() ? null : f[4]));
            } catch (NumberFormatException e) {
                // skipped, as said
            }
        }
        return new BackendHealthReport(entries);
    }

    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
