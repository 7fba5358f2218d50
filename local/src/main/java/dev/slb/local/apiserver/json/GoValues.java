package dev.slb.local.apiserver.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Go's ways of printing values, which the API server's messages and printed columns show and
 * clients compare: {@code %v} floats, {@code %q} strings, {@code %#v} unstructured values and
 * encoding/json with sorted keys.
 */
public final class GoValues {

    private GoValues() {}

    /** A bad value as a field error prints it: strings quoted, numbers and booleans bare, others in Go syntax. */
    public static String value(JsonNode v) {
        if (v == null || v.isNull()) {
            return "\"null\"";
        } else if (v.isTextual()) {
            return quote(v.asText());
        } else if (v.isObject() || v.isArray()) {
            return syntax(v);
        }
        return scalar(v);
    }

    private static String scalar(JsonNode v) {
        if (isInteger(v)) {
            return String.valueOf(v.asLong());
        } else if (v.isNumber()) {
            return floatV(v.asDouble());
        }
        return v.asText();
    }

    /** An unstructured value as Go's {@code %#v} prints it. */
    public static String syntax(JsonNode v) {
        if (v.isObject()) {
            return members(v, "map[string]interface {}{", ", ", GoValues::quote, GoValues::syntax);
        } else if (v.isArray()) {
            return members(v, "[]interface {}{", ", ", GoValues::quote, GoValues::syntax);
        } else if (v.isNull()) {
            return "interface {}(nil)";
        } else if (v.isTextual()) {
            return quote(v.asText());
        }
        return scalar(v);
    }

    /**
     * An object's members by sorted key, or an array's items, each printed by {@code print}, between
     * {@code open} and its closing bracket: the walk {@code %#v} and encoding/json share.
     */
    private static String members(
            JsonNode v, String open, String separator, UnaryOperator<String> key, Function<JsonNode, String> print) {
        List<String> out = new ArrayList<>();
        if (v.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            v.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            sorted.forEach((k, value) -> out.add(key.apply(k) + ":" + print.apply(value)));
        } else {
            v.forEach(item -> out.add(print.apply(item)));
        }
        return open + String.join(separator, out) + (open.endsWith("[") ? "]" : "}");
    }

    /** A float64 as Go's {@code %v} prints it: shortest digits, exponent form from 1e+06 and below 1e-04. */
    public static String floatV(double d) {
        if (d == 0) {
            return "0";
        }
        BigDecimal decimal = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = decimal.precision() - decimal.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String digits = decimal.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        return decimal.toPlainString();
    }

    /** A value as Go's encoding/json writes it: sorted keys, HTML characters escaped. */
    public static String json(JsonNode v) {
        if (v.isObject()) {
            return members(v, "{", ",", GoValues::jsonString, GoValues::json);
        } else if (v.isArray()) {
            return members(v, "[", ",", GoValues::jsonString, GoValues::json);
        } else if (v.isTextual()) {
            return jsonString(v.asText());
        } else if (v.isNumber() && !isInteger(v)) {
            double d = v.asDouble();
            if (d != 0 && (Math.abs(d) < 1e-6 || Math.abs(d) >= 1e21)) {
                return floatV(d).replaceFirst("e([-+])0(\\d)$", "e$1$2");
            }
            return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
        }
        return v.isNull() ? "null" : scalar(v);
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A string as Go's {@code %q} quotes it. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case 0x07 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case 0x0b -> b.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", c));
                    } else if (Character.isISOControl(c)
                            || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR
                            || Character.getType(c) == Character.FORMAT) {
                        b.append(c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }

    private static boolean isInteger(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong();
    }
}
