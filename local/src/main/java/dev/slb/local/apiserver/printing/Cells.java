package dev.slb.local.apiserver.printing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** What the printers share: reading fields as Go's zero values do, ages, labels and selectors as kubectl shows them. */
public final class Cells {

    private Cells() {}

    // ---- Durations -------------------------------------------------------------------------------

    /**
     * kubectl's Age format for built-in kinds: two units while they matter ({@code 2m5s},
     * {@code 3h20m}, {@code 2d3h}, {@code 2y30d}), one unit otherwise.
     */
    public static String humanDuration(Duration elapsed) {
        long seconds = truncatedSeconds(elapsed);
        if (seconds < -1) {
            return "<invalid>";
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long rest = seconds % 60;
            return rest == 0 ? minutes + "m" : minutes + "m" + rest + "s";
        }
        if (minutes < 180) {
            return minutes + "m";
        }
        long hours = seconds / 3600;
        if (hours < 8) {
            long rest = minutes % 60;
            return rest == 0 ? hours + "h" : hours + "h" + rest + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        long days = hours / 24;
        if (hours < 24 * 8) {
            long rest = hours % 24;
            return rest == 0 ? days + "d" : days + "d" + rest + "h";
        }
        if (hours < 24 * 365 * 2) {
            return days + "d";
        }
        long years = days / 365;
        if (hours < 24 * 365 * 8) {
            long rest = days % 365;
            return rest == 0 ? years + "y" : years + "y" + rest + "d";
        }
        return years + "y";
    }

    /**
     * The one-unit format the server uses for CRD {@code date} columns: {@code 45s}, {@code 5m},
     * {@code 3h}, {@code 15d}, {@code 2y}.
     */
    public static String shortHumanDuration(Duration elapsed) {
        long seconds = truncatedSeconds(elapsed);
        if (seconds < -1) {
            return "<invalid>";
        }
        if (seconds < 0) {
            return "0s";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 60) {
            return minutes + "m";
        }
        long hours = seconds / 3600;
        if (hours < 24) {
            return hours + "h";
        }
        if (hours < 24 * 365) {
            return hours / 24 + "d";
        }
        return hours / 24 / 365 + "y";
    }

    /** Whole seconds rounded toward zero, as Go's int(d.Seconds()); a clock skew of under 2s reads as now. */
    static long truncatedSeconds(Duration elapsed) {
        long seconds = elapsed.getSeconds();
        return seconds < 0 && elapsed.getNano() > 0 ? seconds + 1 : seconds;
    }

    // ---- Cells of built-in kinds -----------------------------------------------------------------

    static String name(JsonNode object) {
        return str(object, "metadata", "name");
    }

    static String age(JsonNode object, Instant now) {
        return since(str(object, "metadata", "creationTimestamp"), now);
    }

    /** Time since a timestamp in kubectl's Age format; {@code <unknown>} when there is none. */
    static String since(String timestamp, Instant now) {
        Instant time = parseTime(timestamp);
        return time == null ? "<unknown>" : humanDuration(Duration.between(time, now));
    }

    static String createdAt(JsonNode object) {
        Instant created = parseTime(str(object, "metadata", "creationTimestamp"));
        // Go formats a zero time this way, which is what an object without a timestamp shows.
        Instant shown = created == null ? Instant.parse("0001-01-01T00:00:00Z") : created;
        return DateTimeFormatter.ISO_INSTANT.format(shown.truncatedTo(ChronoUnit.SECONDS));
    }

    static Instant parseTime(String timestamp) {
        if (timestamp == null || timestamp.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(timestamp).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static Instant later(Instant current, Instant candidate) {
        return candidate != null && (current == null || candidate.isAfter(current)) ? candidate : current;
    }

    // ---- Labels and selectors --------------------------------------------------------------------

    /** A label map as {@code a=1,b=2}, keys sorted; {@code <none>} when empty. */
    static String formatLabels(JsonNode labels) {
        TreeMap<String, String> sorted = new TreeMap<>();
        if (labels.isObject()) {
            labels.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
        }
        if (sorted.isEmpty()) {
            return "<none>";
        }
        return sorted.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /**
     * A LabelSelector as the server's selector String() writes it: requirements sorted by key,
     * {@code k=v}, {@code k in (a,b)}, {@code k notin (a,b)}, {@code k}, {@code !k}; null when invalid.
     */
    static String selectorString(JsonNode selector) {
        if (!selector.isObject()) {
            return "";
        }
        List<String[]> requirements = new ArrayList<>();
        for (Map.Entry<String, JsonNode> label : selector.path("matchLabels").properties()) {
            requirements.add(new String[] {
                label.getKey(), label.getKey() + "=" + label.getValue().asText()
            });
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = str(expression, "key");
            List<String> values = new ArrayList<>(new TreeSet<>(texts(at(expression, "values"))));
            String requirement;
            switch (str(expression, "operator")) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        return null;
                    }
                    requirement = key + (str(expression, "operator").equals("In") ? " in (" : " notin (")
                            + String.join(",", values) + ")";
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        return null;
                    }
                    requirement = (str(expression, "operator").equals("Exists") ? "" : "!") + key;
                }
                default -> {
                    return null;
                }
            }
            requirements.add(new String[] {key, requirement});
        }
        requirements.sort(Comparator.comparing(r -> r[0]));
        return requirements.stream().map(r -> r[1]).collect(Collectors.joining(","));
    }

    // ---- JSON helpers ----------------------------------------------------------------------------

    static JsonNode at(JsonNode node, String... path) {
        JsonNode current = node;
        for (String key : path) {
            if (current == null || !current.isObject()) {
                return MissingNode.getInstance();
            }
            current = current.get(key);
        }
        return current == null ? MissingNode.getInstance() : current;
    }

    /** A string field, or "" like Go's zero value when missing. */
    static String str(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        return value.isValueNode() && !value.isNull() ? value.asText() : "";
    }

    /** A numeric field, or 0 when missing. */
    static long num(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        return value.isNumber() ? value.longValue() : 0;
    }

    static List<JsonNode> items(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        List<JsonNode> items = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(items::add);
        }
        return items;
    }

    static int size(JsonNode node, String... path) {
        JsonNode value = at(node, path);
        return value.isContainerNode() ? value.size() : 0;
    }

    static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(value -> texts.add(value.asText()));
        }
        return texts;
    }

    static String firstText(JsonNode array) {
        return array.isArray() && !array.isEmpty() ? array.get(0).asText() : "";
    }

    static String join(List<JsonNode> containers, String field) {
        return containers.stream().map(c -> str(c, field)).collect(Collectors.joining(","));
    }

    static String intOrString(JsonNode node, String absent, String... path) {
        JsonNode value = at(node, path);
        if (value.isNumber()) {
            return Long.toString(value.longValue());
        }
        return value.isTextual() ? value.textValue() : absent;
    }

    static String orElse(String value, String fallback) {
        return value.isEmpty() ? fallback : value;
    }
}
