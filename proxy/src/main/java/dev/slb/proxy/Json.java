package dev.slb.proxy;

import dev.slb.model.Limits;

/** The little JSON the proxy writes by hand (admin status), escaped properly. */
final class Json {
    private Json() {}

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** The limits in effect as a JSON object; a limit that is not set is left out. */
    static String limits(Limits l) {
        StringBuilder sb = new StringBuilder(96).append('{');
        field(sb, "maxConnections", l.maxConnections());
        field(sb, "newConnectionsPerSecond", l.newConnectionsPerSecond());
        field(sb, "requestsPerSecond", l.requestsPerSecond());
        return sb.append('}').toString();
    }

    private static void field(StringBuilder sb, String name, Long value) {
        if (value != null) {
            sb.append(sb.length() > 1 ? "," : "")
                    .append('"')
                    .append(name)
                    .append("\":")
                    .append(value);
        }
    }
}
