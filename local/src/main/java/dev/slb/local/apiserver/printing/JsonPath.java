package dev.slb.local.apiserver.printing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slb.local.apiserver.json.GoValues;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled JSONPath of the subset that CRD printer columns use ({@code .a.b}, {@code ['a.b']},
 * {@code [n]}, {@code [a:b]}, {@code [*]}, {@code .*}, {@code [?(@.x == "y")]}), evaluated the way
 * the API server's table convertor evaluates it.
 */
public final class JsonPath {

    private final String expression;
    private final List<Step> steps;

    private JsonPath(String expression, List<Step> steps) {
        this.expression = expression;
        this.steps = steps;
    }

    /** Parses a column's {@code jsonPath}; throws IllegalArgumentException for syntax outside the subset. */
    public static JsonPath compile(String expression) {
        String body = expression.trim();
        // Kubernetes wraps the column path in braces itself; accept it either way.
        if (body.startsWith("{") && body.endsWith("}")) {
            body = body.substring(1, body.length() - 1).trim();
        }
        if (body.startsWith("$")) {
            body = body.substring(1);
        }
        return new JsonPath(expression, new JsonPathParser(expression, body).steps());
    }

    @Override
    public String toString() {
        return expression;
    }

    /**
     * Every value the path reaches, in document order. Missing keys give no value (the server allows
     * missing keys); a path that does not fit the data (an index past the end, a filter comparing a
     * string with a number, a filter over an element without the field) gives no value at all, as
     * the server then leaves the cell empty.
     */
    public List<JsonNode> find(JsonNode root) {
        try {
            return evaluate(steps, List.of(root));
        } catch (Mismatch e) {
            return List.of();
        }
    }

    /**
     * One value as the server prints it into a {@code string} column: strings as they are, numbers
     * the way Go's {@code fmt} prints them, objects and arrays as compact JSON with sorted keys; null
     * for a JSON null, which the server cannot print and so leaves empty.
     */
    public static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isBoolean()) {
            return Boolean.toString(value.booleanValue());
        }
        if (value.isNumber()) {
            return value.isIntegralNumber() && value.canConvertToLong()
                    ? Long.toString(value.longValue())
                    : GoValues.floatV(value.doubleValue());
        }
        if (value.isContainerNode()) {
            return GoValues.json(value);
        }
        return value.asText();
    }

    /** Several values printed as the server's JSONPath printer joins them: separated by one space. */
    public static String text(List<JsonNode> values) {
        StringBuilder out = new StringBuilder();
        for (JsonNode value : values) {
            String one = text(value);
            if (one == null) {
                return null;
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(one);
        }
        return out.toString();
    }

    private static List<JsonNode> evaluate(List<Step> steps, List<JsonNode> start) {
        List<JsonNode> current = start;
        for (Step step : steps) {
            current = step.apply(current);
        }
        return current;
    }

    private static boolean absent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    /** Thrown inside evaluation where the server's evaluator returns an error; the cell is then empty. */
    static final class Mismatch extends RuntimeException {
        Mismatch() {
            super(null, null, false, false);
        }
    }

    sealed interface Step permits Field, Index, Slice, Wildcard, Filter {
        List<JsonNode> apply(List<JsonNode> input);
    }

    record Field(String name) implements Step {
        @Override
        public List<JsonNode> apply(List<JsonNode> input) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode value : input) {
                // A key holding JSON null is still a result (it prints as an empty cell); anything that is
                // not an object has no fields, which the server treats like a missing key.
                if (!absent(value) && value.isObject() && value.has(name)) {
                    out.add(value.get(name));
                }
            }
            return out;
        }
    }

    record Index(int index) implements Step {
        @Override
        public List<JsonNode> apply(List<JsonNode> input) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode value : input) {
                if (absent(value)) {
                    continue;
                }
                if (!value.isArray()) {
                    throw new Mismatch();
                }
                int at = index < 0 ? index + value.size() : index;
                if (at < 0 || at >= value.size()) {
                    throw new Mismatch();
                }
                out.add(value.get(at));
            }
            return out;
        }
    }

    /** {@code [start:end]}; a null bound is the array's start or end, negative bounds count from the end. */
    record Slice(Integer start, Integer end) implements Step {
        @Override
        public List<JsonNode> apply(List<JsonNode> input) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode value : input) {
                if (absent(value)) {
                    continue;
                }
                if (!value.isArray()) {
                    throw new Mismatch();
                }
                int size = value.size();
                int from = start == null ? 0 : start < 0 ? start + size : start;
                int to = end == null ? size : end < 0 ? end + size : end;
                if (from != to && (from >= size || to > size)) {
                    throw new Mismatch();
                }
                if (from < 0 || to < from) {
                    throw new Mismatch();
                }
                for (int i = from; i < to; i++) {
                    out.add(value.get(i));
                }
            }
            return out;
        }
    }

    record Wildcard() implements Step {
        @Override
        public List<JsonNode> apply(List<JsonNode> input) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode value : input) {
                if (!absent(value) && value.isContainerNode()) {
                    value.forEach(out::add);
                }
            }
            return out;
        }
    }

    /** {@code [?(left op right)]}, or {@code [?(left)]} (op "exists") keeping elements where left exists. */
    record Filter(Operand left, String operator, Operand right) implements Step {
        @Override
        public List<JsonNode> apply(List<JsonNode> input) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode value : input) {
                if (absent(value) || !value.isArray()) {
                    throw new Mismatch();
                }
                for (JsonNode element : value) {
                    if (operator.equals("exists")) {
                        List<JsonNode> found;
                        try {
                            found = left.values(element);
                        } catch (Mismatch e) {
                            found = List.of();
                        }
                        if (!found.isEmpty()) {
                            out.add(element);
                        }
                        continue;
                    }
                    // The server compares exactly one value on each side; an element without the field
                    // (zero values) fails the whole path rather than just being skipped.
                    List<JsonNode> lefts = left.values(element);
                    List<JsonNode> rights = right.values(element);
                    if (lefts.size() != 1 || rights.size() != 1) {
                        throw new Mismatch();
                    }
                    if (compare(operator, lefts.get(0), rights.get(0))) {
                        out.add(element);
                    }
                }
            }
            return out;
        }
    }

    sealed interface Operand permits RelativePath, Literal {
        List<JsonNode> values(JsonNode current);
    }

    record RelativePath(List<Step> steps) implements Operand {
        @Override
        public List<JsonNode> values(JsonNode current) {
            return evaluate(steps, List.of(current));
        }
    }

    record Literal(JsonNode value) implements Operand {
        @Override
        public List<JsonNode> values(JsonNode current) {
            return List.of(value);
        }
    }

    private enum Kind {
        STRING,
        BOOLEAN,
        INTEGER,
        FLOAT
    }

    private static Kind kind(JsonNode node) {
        if (node.isTextual()) {
            return Kind.STRING;
        }
        if (node.isBoolean()) {
            return Kind.BOOLEAN;
        }
        if (node.isIntegralNumber()) {
            return Kind.INTEGER;
        }
        if (node.isNumber()) {
            return Kind.FLOAT;
        }
        // null, objects and arrays cannot be compared by the server's template functions.
        throw new Mismatch();
    }

    /** Go template comparison rules: both sides of one kind (an integer never equals a float). */
    private static boolean compare(String operator, JsonNode left, JsonNode right) {
        Kind kind = kind(left);
        if (kind != kind(right)) {
            throw new Mismatch();
        }
        int order = switch (kind) {
            case STRING -> left.textValue().compareTo(right.textValue());
            case INTEGER -> left.bigIntegerValue().compareTo(right.bigIntegerValue());
            case FLOAT -> Double.compare(left.doubleValue(), right.doubleValue());
            case BOOLEAN -> {
                if (!operator.equals("==") && !operator.equals("!=")) {
                    throw new Mismatch();
                }
                yield left.booleanValue() == right.booleanValue() ? 0 : 1;
            }
        };
        return switch (operator) {
            case "==" -> order == 0;
            case "!=" -> order != 0;
            case "<" -> order < 0;
            case ">" -> order > 0;
            case "<=" -> order <= 0;
            case ">=" -> order >= 0;
            default -> throw new Mismatch();
        };
    }

    /** A recursive-descent parser over one path's text, with positions for error messages. */
}
