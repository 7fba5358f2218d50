package dev.slb.local.apiserver.printing;

import static dev.slb.local.apiserver.printing.Cells.name;
import static dev.slb.local.apiserver.printing.Cells.parseTime;
import static dev.slb.local.apiserver.printing.Cells.shortHumanDuration;
import static dev.slb.local.apiserver.printing.Printer.CREATED_DOC;
import static dev.slb.local.apiserver.printing.Printer.NAME;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slb.local.apiserver.printing.Printer.Column;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The printer of a custom resource: Name, then its CRD version's additionalPrinterColumns, read with JSONPath. */
public final class CustomColumns {

    private CustomColumns() {}

    /**
     * Name, then the served version's additionalPrinterColumns. Like the real server, an Age column
     * is added only when the version declares no columns at all; a CRD that lists its own Age gets
     * that one, and a CRD with columns but no Age gets none.
     */
    public static Printer of(JsonNode crd, String version) {
        List<Column> columns = new ArrayList<>(List.of(NAME));
        List<JsonPath> paths = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (JsonNode declared : printerColumns(crd, version)) {
            String jsonPath = declared.path("jsonPath").asText("");
            String description = declared.path("description").asText("");
            String type = declared.path("type").asText("string");
            columns.add(new Column(
                    declared.path("name").asText(""),
                    type,
                    declared.path("format").asText(""),
                    description.isEmpty()
                            ? "Custom resource definition column (in JSONPath format): " + jsonPath
                            : description,
                    declared.path("priority").asInt(0)));
            types.add(type);
            paths.add(compileOrNull(jsonPath));
        }
        if (paths.isEmpty()) {
            columns.add(new Column("Age", "date", "", CREATED_DOC, 0));
            types.add("date");
            paths.add(JsonPath.compile(".metadata.creationTimestamp"));
        }
        return new Printer(List.copyOf(columns), (o, now) -> {
            List<Object> cells = new ArrayList<>();
            cells.add(name(o));
            for (int i = 0; i < paths.size(); i++) {
                cells.add(
                        paths.get(i) == null
                                ? null
                                : customCell(types.get(i), paths.get(i).find(o), now));
            }
            return cells;
        });
    }

    private static List<JsonNode> printerColumns(JsonNode crd, String version) {
        if (crd == null) {
            return List.of();
        }
        for (JsonNode served : crd.path("spec").path("versions")) {
            if (served.path("name").asText("").equals(version)) {
                List<JsonNode> columns = new ArrayList<>();
                served.path("additionalPrinterColumns").forEach(columns::add);
                return columns;
            }
        }
        return List.of();
    }

    private static JsonPath compileOrNull(String jsonPath) {
        try {
            return JsonPath.compile(jsonPath);
        } catch (IllegalArgumentException e) {
            // A path the real server could not parse never gets past CRD validation; an empty cell is
            // kinder than failing the whole listing.
            return null;
        }
    }

    /** The server takes the first value the path finds and types it by the column's declared type. */
    private static Object customCell(String type, List<JsonNode> found, Instant now) {
        if (found.isEmpty()) {
            return null;
        }
        JsonNode value = found.get(0);
        if (value == null || value.isNull()) {
            return null;
        }
        return switch (type) {
            case "string" -> JsonPath.text(value);
            case "integer" -> value.isNumber() ? (Object) value.longValue() : null;
            case "number" -> value.isNumber() ? (Object) value.doubleValue() : null;
            case "boolean" -> value.isBoolean() ? (Object) value.booleanValue() : null;
            case "date" -> value.isTextual() ? dateCell(value.textValue(), now) : null;
            default -> null;
        };
    }

    /** A date column's cell is a short relative age ("5m", "3h", "2d"), computed on the server. */
    private static String dateCell(String timestamp, Instant now) {
        if (timestamp.isEmpty() || timestamp.equals("null")) {
            return "<unknown>";
        }
        Instant time = parseTime(timestamp);
        return time == null ? "<invalid>" : shortHumanDuration(Duration.between(time, now));
    }
}
