package dev.slb.local.apiserver.schema;

import static dev.slb.local.apiserver.json.GoValues.floatV;
import static dev.slb.local.apiserver.json.GoValues.json;
import static dev.slb.local.apiserver.json.GoValues.quote;
import static dev.slb.local.apiserver.json.GoValues.value;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Walks a value with its schema the way the API server's OpenAPI validator does, producing its
 * field errors. {@code name} is the validator's own path ({@code spec.listeners[0].port}), which
 * its messages repeat; {@code prefix} is the field path of the validated root (null for the
 * resource, {@code status} for a status write).
 */
record Checker(String prefix, List<Violation> out) {

    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    /** {@code old} is the correlated old value, or null when there is none to ratchet against. */
    void check(JsonNode s, JsonNode v, String name, JsonNode old) {
        if (old != null && v.equals(old)) {
            return; // ratcheting: errors in an unchanged value are not reported
        }
        List<String> types = types(s);
        if (v.isNull()) {
            if (!types.isEmpty() && !StructuralSchema.nullable(s)) {
                typeInvalid(
                        name, "\"null\"", name + " in body must be of type " + String.join(",", types) + ": \"null\"");
            }
            if (s.path("enum").isArray() && !s.get("enum").isEmpty()) {
                // The validator compares a null with no enum value, not even a null one.
                notSupported(name, "\"null\"", s.get("enum"));
            }
            return;
        }
        String format = supportedFormat(s.path("format").asText(""));
        // A wrong type is reported and the checks for what the value is still run, as in the validator.
        checkType(s, v, name, types, format);
        if (v.isTextual()) {
            checkString(s, v.asText(), name);
            if (!format.isEmpty() && !Formats.valid(format, v.asText())) {
                typeInvalid(
                        name,
                        quote(v.asText()),
                        name + " in body must be of type " + s.path("format").asText() + ": " + quote(v.asText()));
            }
        }
        if (v.isNumber()) {
            checkNumber(s, v, name);
        }
        if (v.isArray()) {
            checkArray(s, (ArrayNode) v, name, old);
        }
        if (s.path("enum").isArray() && !s.get("enum").isEmpty()) {
            checkEnum(s.get("enum"), v, name);
        }
        if (v.isObject()) {
            checkObject(s, (ObjectNode) v, name, old);
        }
    }

    private void checkType(JsonNode s, JsonNode v, String name, List<String> types, String format) {
        if (types.isEmpty() && format.isEmpty()) {
            return;
        }
        String jsonType = jsonType(v);
        String goFormat = isInteger(v) ? "int64" : v.isNumber() ? "float64" : "";
        boolean floatInt = jsonType.equals("number") && isWhole(v) && types.contains("integer");
        boolean intFloat = jsonType.equals("integer") && types.contains("number");
        String schemaFormat = s.path("format").asText("");
        if (!v.isTextual()
                && !v.isArray()
                && !format.isEmpty()
                && !(types.contains(jsonType) || goFormat.equals(schemaFormat) || floatInt || intFloat)) {
            typeInvalid(
                    name, quote(goFormat), name + " in body must be of type " + schemaFormat + ": " + quote(goFormat));
            return;
        }
        if (!types.contains("number")
                && !types.contains("integer")
                && !format.isEmpty()
                && (v.isTextual() || v.isArray())) {
            return;
        }
        if (!(types.contains(jsonType) || floatInt || intFloat)) {
            typeInvalid(
                    name,
                    quote(jsonType),
                    name + " in body must be of type " + String.join(",", types) + ": " + quote(jsonType));
        }
    }

    /** Only the first failing string constraint is reported, in this order, as the validator does. */
    private void checkString(JsonNode s, String text, String name) {
        int length = text.codePointCount(0, text.length());
        if (s.has("maxLength") && length > s.get("maxLength").asLong()) {
            add(name, "Too long: may not be more than " + s.get("maxLength").asLong() + " bytes", "FieldValueTooLong");
        } else if (s.has("minLength") && length < s.get("minLength").asLong()) {
            invalid(
                    name,
                    quote(text),
                    name + " in body should be at least " + s.get("minLength").asLong() + " chars long");
        } else if (s.hasNonNull("pattern")) {
            String pattern = s.get("pattern").asText();
            Pattern compiled;
            try {
                compiled = PATTERNS.computeIfAbsent(pattern, Pattern::compile);
            } catch (PatternSyntaxException e) {
                invalid(
                        name,
                        quote(text),
                        name + " in body should match '" + pattern + ", but pattern is invalid: " + e.getDescription()
                                + "'");
                return;
            }
            if (!compiled.matcher(text).find()) {
                invalid(name, quote(text), name + " in body should match '" + pattern + "'");
            }
        }
    }

    private void checkNumber(JsonNode s, JsonNode v, String name) {
        boolean integer = isInteger(v);
        String value = value(v);
        if (s.hasNonNull("multipleOf")) {
            double factor = s.get("multipleOf").asDouble();
            if (integer) {
                long f = (long) factor;
                if (f <= 0) {
                    invalid(name, value, "factor MultipleOf declared for " + name + " must be positive: " + f);
                } else if (v.asLong() % f != 0) {
                    invalid(name, value, name + " in body should be a multiple of " + f);
                }
            } else if (factor <= 0) {
                invalid(name, value, "factor MultipleOf declared for " + name + " must be positive: " + floatV(factor));
            } else {
                double quotient = factor < 1 ? 1 / factor * v.asDouble() : v.asDouble() / factor;
                if (quotient != Math.rint(quotient) || Double.isInfinite(quotient)) {
                    invalid(name, value, name + " in body should be a multiple of " + floatV(factor));
                }
            }
        }
        if (s.hasNonNull("minimum")) {
            double min = s.get("minimum").asDouble();
            boolean exclusive = s.path("exclusiveMinimum").asBoolean(false);
            // Integers are compared with the bound cut to an integer, as the validator does.
            boolean fails = integer
                    ? (exclusive ? v.asLong() <= (long) min : v.asLong() < (long) min)
                    : (exclusive ? v.asDouble() <= min : v.asDouble() < min);
            if (fails) {
                invalid(
                        name,
                        value,
                        name + " in body should be greater than " + (exclusive ? "" : "or equal to ")
                                + (integer ? String.valueOf((long) min) : floatV(min)));
            }
        }
        if (s.hasNonNull("maximum")) {
            double max = s.get("maximum").asDouble();
            boolean exclusive = s.path("exclusiveMaximum").asBoolean(false);
            boolean fails = integer
                    ? (exclusive ? v.asLong() >= (long) max : v.asLong() > (long) max)
                    : (exclusive ? v.asDouble() >= max : v.asDouble() > max);
            if (fails) {
                invalid(
                        name,
                        value,
                        name + " in body should be less than " + (exclusive ? "" : "or equal to ")
                                + (integer ? String.valueOf((long) max) : floatV(max)));
            }
        }
    }

    private void checkArray(JsonNode s, ArrayNode a, String name, JsonNode old) {
        JsonNode items = StructuralSchema.items(s);
        if (items != null) {
            for (int i = 0; i < a.size(); i++) {
                check(items, a.get(i), name + "[" + i + "]", StructuralSchema.correlatedItem(s, a.get(i), old));
            }
        }
        if (s.has("minItems") && a.size() < s.get("minItems").asLong()) {
            invalid(
                    name,
                    String.valueOf(a.size()),
                    name + " in body should have at least " + s.get("minItems").asLong() + " items");
        }
        if (s.has("maxItems") && a.size() > s.get("maxItems").asLong()) {
            add(
                    name,
                    "Too many: " + a.size() + ": must have at most "
                            + s.get("maxItems").asLong() + " items",
                    "FieldValueTooMany");
        }
        if (s.path("uniqueItems").asBoolean(false)) {
            Set<JsonNode> seen = new HashSet<>();
            for (JsonNode item : a) {
                if (!seen.add(item)) {
                    invalid(name, "\"\"", name + " in body shouldn't contain duplicates");
                    break;
                }
            }
        }
    }

    private void checkEnum(JsonNode values, JsonNode v, String name) {
        for (JsonNode allowed : values) {
            if (sameValue(allowed, v)) {
                return;
            }
        }
        notSupported(name, value(v), values);
    }

    private void checkObject(JsonNode s, ObjectNode o, String name, JsonNode old) {
        int size = o.size();
        if (s.has("minProperties") && size < s.get("minProperties").asLong()) {
            invalid(
                    name,
                    String.valueOf(size),
                    name + " in body should have at least "
                            + s.get("minProperties").asLong() + " properties");
        }
        if (s.has("maxProperties") && size > s.get("maxProperties").asLong()) {
            add(
                    name,
                    "Too many: " + size + ": must have at most "
                            + s.get("maxProperties").asLong() + " items",
                    "FieldValueTooMany");
        }
        JsonNode properties = s.path("properties");
        JsonNode ap = StructuralSchema.additional(s);
        if (ap != null) {
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                if (!properties.has(field.getKey())) {
                    check(ap, field.getValue(), name + "." + field.getKey(), oldField(old, field.getKey(), name));
                }
            }
        }
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            JsonNode value = o.get(property.getKey());
            if (value != null) {
                String child = name.isEmpty() ? property.getKey() : name + "." + property.getKey();
                check(property.getValue(), value, child, oldField(old, property.getKey(), name));
            }
        }
        for (JsonNode required : s.path("required")) {
            if (!o.has(required.asText())) {
                add(name + "." + required.asText(), "Required value", "FieldValueRequired");
            }
        }
    }

    /** The old value of a field; a resource's apiVersion and kind are never correlated, as in the API server. */
    private JsonNode oldField(JsonNode old, String key, String name) {
        if (old == null
                || !old.isObject()
                || name.isEmpty() && prefix == null && (key.equals("apiVersion") || key.equals("kind"))) {
            return null;
        }
        return old.get(key);
    }

    private void invalid(String name, String value, String detail) {
        add(name, "Invalid value: " + value + ": " + detail, "FieldValueInvalid");
    }

    private void typeInvalid(String name, String value, String detail) {
        add(name, "Invalid value: " + value + ": " + detail, "FieldValueTypeInvalid");
    }

    private void notSupported(String name, String value, JsonNode values) {
        List<String> quoted = new ArrayList<>();
        for (JsonNode allowed : values) {
            quoted.add(quote(allowed.isTextual() ? allowed.asText() : json(allowed)));
        }
        add(
                name,
                "Unsupported value: " + value + ": supported values: " + String.join(", ", quoted),
                "FieldValueNotSupported");
    }

    /** The validator names errors with a leading dot at the root; the field path drops it. */
    private void add(String name, String message, String reason) {
        String trimmed = name.startsWith(".") ? name.substring(1) : name;
        String field = trimmed.isEmpty()
                ? (prefix == null ? "<nil>" : prefix)
                : prefix == null ? trimmed : prefix + "." + trimmed;
        out.add(new Violation(field, message, reason));
    }

    static List<String> types(JsonNode s) {
        if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return List.of("integer", "string");
        }
        String type = s.path("type").asText("");
        return type.isEmpty() ? List.of() : List.of(type);
    }

    /** The API server checks only the formats it lists; it drops any other from the schema. */
    static String supportedFormat(String format) {
        String normalized = format.replace("-", "");
        return Formats.SUPPORTED.contains(normalized) ? normalized : "";
    }

    static boolean isInteger(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong();
    }

    static boolean isWhole(JsonNode v) {
        double d = v.asDouble();
        return !Double.isInfinite(d) && d == Math.rint(d);
    }

    /** The JSON type of a value as the validator sees it: integers that fit int64, other numbers. */
    static String jsonType(JsonNode v) {
        if (v.isObject()) {
            return "object";
        } else if (v.isArray()) {
            return "array";
        } else if (v.isTextual()) {
            return "string";
        } else if (v.isBoolean()) {
            return "boolean";
        } else if (isInteger(v)) {
            return "integer";
        } else if (v.isNumber()) {
            return "number";
        }
        return "null";
    }

    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }
}
