package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A compiled JSONPath of the subset that CRD printer columns use ({@code .a.b}, {@code ['a.b']},
 * {@code [n]}, {@code [a:b]}, {@code [*]}, {@code .*}, {@code [?(@.x == "y")]}), evaluated the way
 * the API server's table convertor evaluates it.
 */
final class JsonPathColumns {

    private final String expression;
    private final List<Step> steps;

    private JsonPathColumns(String expression, List<Step> steps) {
        this.expression = expression;
        this.steps = steps;
    }

    /** Parses a column's {@code jsonPath}; throws IllegalArgumentException for syntax outside the subset. */
    static JsonPathColumns compile(String expression) {
        String body = expression.trim();
        // Kubernetes wraps the column path in braces itself; accept it either way.
        if (body.startsWith("{") && body.endsWith("}")) {
            body = body.substring(1, body.length() - 1).trim();
        }
        if (body.startsWith("$")) {
            body = body.substring(1);
        }
        return new JsonPathColumns(expression, new Parser(expression, body).steps());
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
    List<JsonNode> find(JsonNode root) {
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
    static String text(JsonNode value) {
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
                    : GoFloats.print(value.doubleValue());
        }
        if (value.isContainerNode()) {
            StringBuilder out = new StringBuilder();
            writeJson(value, out);
            return out.toString();
        }
        return value.asText();
    }

    /** Several values printed as the server's JSONPath printer joins them: separated by one space. */
    static String text(List<JsonNode> values) {
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
    private static final class Mismatch extends RuntimeException {
        Mismatch() {
            super(null, null, false, false);
        }
    }

    private sealed interface Step permits Field, Index, Slice, Wildcard, Filter {
        List<JsonNode> apply(List<JsonNode> input);
    }

    private record Field(String name) implements Step {
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

    private record Index(int index) implements Step {
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
    private record Slice(Integer start, Integer end) implements Step {
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

    private record Wildcard() implements Step {
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
    private record Filter(Operand left, String operator, Operand right) implements Step {
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

    private sealed interface Operand permits RelativePath, Literal {
        List<JsonNode> values(JsonNode current);
    }

    private record RelativePath(List<Step> steps) implements Operand {
        @Override
        public List<JsonNode> values(JsonNode current) {
            return evaluate(steps, List.of(current));
        }
    }

    private record Literal(JsonNode value) implements Operand {
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
    private static final class Parser {
        private final String expression;
        private final String text;
        private int pos;

        Parser(String expression, String text) {
            this.expression = expression;
            this.text = text;
        }

        List<Step> steps() {
            List<Step> steps = new ArrayList<>();
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == '.') {
                    steps.add(dot());
                } else if (c == '[') {
                    steps.add(bracket());
                } else if (Character.isWhitespace(c)) {
                    pos++;
                } else {
                    throw error("expected '.' or '[' at position " + pos);
                }
            }
            return List.copyOf(steps);
        }

        private Step dot() {
            pos++;
            if (pos < text.length() && text.charAt(pos) == '.') {
                throw error("recursive descent '..' is not supported");
            }
            if (pos < text.length() && text.charAt(pos) == '*') {
                pos++;
                return new Wildcard();
            }
            StringBuilder name = new StringBuilder();
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == '\\' && pos + 1 < text.length()) {
                    // kubectl's own paths escape dots in keys: .metadata.labels.app\.kubernetes\.io/name
                    name.append(text.charAt(pos + 1));
                    pos += 2;
                    continue;
                }
                if (c == '.' || c == '[' || Character.isWhitespace(c)) {
                    break;
                }
                name.append(c);
                pos++;
            }
            if (name.isEmpty()) {
                throw error("a field name must follow '.'");
            }
            return new Field(name.toString());
        }

        private Step bracket() {
            int close = closingBracket(pos);
            String inner = text.substring(pos + 1, close).trim();
            pos = close + 1;
            if (inner.equals("*")) {
                return new Wildcard();
            }
            if (inner.startsWith("?")) {
                String condition = inner.substring(1).trim();
                if (!condition.startsWith("(") || !condition.endsWith(")")) {
                    throw error("a filter is written [?(...)]");
                }
                return filter(condition.substring(1, condition.length() - 1).trim());
            }
            if (isQuoted(inner)) {
                return new Field(unquote(inner));
            }
            try {
                if (inner.contains(":")) {
                    String[] bounds = inner.split(":", -1);
                    if (bounds.length != 2) {
                        throw error("slices with a step are not supported: [" + inner + "]");
                    }
                    return new Slice(bound(bounds[0]), bound(bounds[1]));
                }
                return new Index(Integer.parseInt(inner));
            } catch (NumberFormatException e) {
                throw error("unsupported subscript [" + inner + "]");
            }
        }

        private static Integer bound(String text) {
            String trimmed = text.trim();
            return trimmed.isEmpty() ? null : Integer.valueOf(trimmed);
        }

        /** The index of the ']' closing the '[' at open, skipping quoted text and nested parentheses. */
        private int closingBracket(int open) {
            char quote = 0;
            int depth = 0;
            for (int i = open + 1; i < text.length(); i++) {
                char c = text.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                } else if (c == ']' && depth == 0) {
                    return i;
                }
            }
            throw error("unclosed '['");
        }

        private Step filter(String condition) {
            int[] operator = findOperator(condition);
            if (operator == null) {
                return new Filter(operand(condition), "exists", null);
            }
            String op = condition.substring(operator[0], operator[1]);
            if (!List.of("==", "!=", "<", ">", "<=", ">=").contains(op)) {
                throw error("unsupported filter operator " + op);
            }
            return new Filter(
                    operand(condition.substring(0, operator[0]).trim()),
                    op,
                    operand(condition.substring(operator[1]).trim()));
        }

        /** Start and end of the first run of comparison characters outside quotes, as the server splits it. */
        private static int[] findOperator(String condition) {
            char quote = 0;
            for (int i = 0; i < condition.length(); i++) {
                char c = condition.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if ("!<>=".indexOf(c) >= 0) {
                    int end = i;
                    while (end < condition.length() && "!<>=".indexOf(condition.charAt(end)) >= 0) {
                        end++;
                    }
                    return new int[] {i, end};
                }
            }
            return null;
        }

        private Operand operand(String operand) {
            if (operand.startsWith("@")) {
                return new RelativePath(new Parser(expression, operand.substring(1)).steps());
            }
            if (isQuoted(operand)) {
                return new Literal(TextNode.valueOf(unquote(operand)));
            }
            if (operand.equals("true") || operand.equals("false")) {
                return new Literal(BooleanNode.valueOf(operand.equals("true")));
            }
            try {
                if (operand.contains(".") || operand.contains("e") || operand.contains("E")) {
                    return new Literal(DoubleNode.valueOf(Double.parseDouble(operand)));
                }
                return new Literal(LongNode.valueOf(Long.parseLong(operand)));
            } catch (NumberFormatException e) {
                throw error("unsupported filter operand " + operand);
            }
        }

        private static boolean isQuoted(String text) {
            return text.length() >= 2
                    && (text.charAt(0) == '"' || text.charAt(0) == '\'')
                    && text.charAt(text.length() - 1) == text.charAt(0);
        }

        private static String unquote(String quoted) {
            StringBuilder out = new StringBuilder();
            for (int i = 1; i < quoted.length() - 1; i++) {
                char c = quoted.charAt(i);
                if (c == '\\' && i + 1 < quoted.length() - 1) {
                    char next = quoted.charAt(++i);
                    out.append(
                            switch (next) {
                                case 'n' -> '\n';
                                case 't' -> '\t';
                                case 'r' -> '\r';
                                default -> next;
                            });
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("unsupported JSONPath " + expression + ": " + what);
        }
    }

    /** JSON as Go's encoding/json writes a map: sorted keys, HTML-safe escapes, Go number forms. */
    private static void writeJson(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                sorted.put(field.getKey(), field.getValue());
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> field : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeString(field.getKey(), out);
                out.append(':');
                writeJson(field.getValue(), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                writeJson(node.get(i), out);
            }
            out.append(']');
        } else if (node.isTextual()) {
            writeString(node.textValue(), out);
        } else if (node.isNumber()) {
            out.append(
                    node.isIntegralNumber() && node.canConvertToLong()
                            ? Long.toString(node.longValue())
                            : GoFloats.json(node.doubleValue()));
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else {
            out.append("null");
        }
    }

    private static void writeString(String value, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Go's two float spellings: {@code fmt}'s {@code %v} and encoding/json's. */
    static final class GoFloats {
        private GoFloats() {}

        /** As {@code fmt.Sprint(float64)}: shortest digits, exponent form below 1e-4 and from 1e6 up. */
        static String print(double value) {
            if (value == 0) {
                return "0";
            }
            Digits digits = Digits.of(value);
            return digits.exponent < -4 || digits.exponent >= 6 ? digits.scientific(2) : digits.plain();
        }

        /** As encoding/json: plain unless below 1e-6 or from 1e21 up, exponents without padding. */
        static String json(double value) {
            if (value == 0) {
                return "0";
            }
            Digits digits = Digits.of(value);
            double magnitude = Math.abs(value);
            return magnitude < 1e-6 || magnitude >= 1e21 ? digits.scientific(1) : digits.plain();
        }

        /** A value as sign, shortest significant digits and the decimal exponent of the first digit. */
        private record Digits(boolean negative, String digits, int exponent) {
            static Digits of(double value) {
                BigDecimal decimal = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
                String digits = decimal.unscaledValue().toString();
                return new Digits(value < 0, digits, digits.length() - 1 - decimal.scale());
            }

            String scientific(int minimumExponentDigits) {
                StringBuilder out = new StringBuilder(negative ? "-" : "");
                out.append(digits.charAt(0));
                if (digits.length() > 1) {
                    out.append('.').append(digits, 1, digits.length());
                }
                String power = Integer.toString(Math.abs(exponent));
                while (power.length() < minimumExponentDigits) {
                    power = "0" + power;
                }
                return out.append('e')
                        .append(exponent < 0 ? '-' : '+')
                        .append(power)
                        .toString();
            }

            String plain() {
                StringBuilder out = new StringBuilder(negative ? "-" : "");
                if (exponent < 0) {
                    out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
                } else if (digits.length() <= exponent + 1) {
                    out.append(digits).append("0".repeat(exponent + 1 - digits.length()));
                } else {
                    out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
                }
                return out.toString();
            }
        }
    }
}
