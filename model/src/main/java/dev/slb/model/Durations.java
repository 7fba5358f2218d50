package dev.slb.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in configs: {@code 500ms}, {@code 60s}, {@code 5m}, {@code 1h},
 * or compound like {@code 1m30s}. ISO-8601 ({@code PT60S}) is accepted too. Output uses the
 * largest single unit that is exact, so the same duration always renders the same way.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    private Durations() {}

    public static Duration parse(String text) {
        String s = text.trim();
        if (s.startsWith("P") || s.startsWith("p")) {
            return Duration.parse(s);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("'' is not a duration (write e.g. 500ms, 60s, 5m, 1h)");
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("'" + text + "' is not a duration (write e.g. 500ms, 60s, 5m, 1h)");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    });
            at = m.end();
        }
        return total;
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
