package dev.slb.local.apiserver.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Label and field selectors as the API server reads them from {@code labelSelector} and
 * {@code fieldSelector}: the whole label grammar ({@code k}, {@code !k}, {@code k=v},
 * {@code k==v}, {@code k!=v}, {@code k in (a,b)}, {@code k notin (a,b)}) and field requirements
 * ({@code =}, {@code ==}, {@code !=}) on any dotted field of the object, such as
 * {@code involvedObject.uid}.
 */
public final class Selectors {

    /** Thrown for a selector that cannot be parsed; the API server answers 400. */
    public static final class InvalidSelector extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidSelector(String message) {
            super(message);
        }
    }

    private Selectors() {}

    /** A predicate on objects that holds when both selectors (either may be null or empty) match. */
    public static Predicate<Stored> of(String labelSelector, String fieldSelector) throws InvalidSelector {
        Predicate<Stored> labels = labels(labelSelector);
        Predicate<Stored> fields = fields(fieldSelector);
        return o -> labels.test(o) && fields.test(o);
    }

    static Predicate<Stored> labels(String selector) throws InvalidSelector {
        Predicate<Stored> all = o -> true;
        if (selector == null || selector.isBlank()) {
            return all;
        }
        for (String requirement : splitTopLevel(selector)) {
            Predicate<Stored> one = labelRequirement(requirement.strip(), selector);
            all = all.and(one);
        }
        return all;
    }

    static Predicate<Stored> fields(String selector) throws InvalidSelector {
        Predicate<Stored> all = o -> true;
        if (selector == null || selector.isBlank()) {
            return all;
        }
        for (String requirement : selector.split(",")) {
            String r = requirement.strip();
            int ne = r.indexOf("!=");
            int eq = r.indexOf('=');
            String field;
            String value;
            boolean negate;
            if (ne > 0) {
                field = r.substring(0, ne);
                value = r.substring(ne + 2);
                negate = true;
            } else if (eq > 0) {
                field = r.substring(0, eq);
                value = r.substring(r.startsWith("==", eq) ? eq + 2 : eq + 1);
                negate = false;
            } else {
                throw new InvalidSelector("invalid field selector \"" + selector + "\": \"" + r
                        + "\" is not of the form field=value or field!=value");
            }
            String[] path = field.strip().split("\\.");
            String expected = value.strip();
            all = all.and(o -> negate != expected.equals(fieldValue(o, path)));
        }
        return all;
    }

    /** The field's value as a field selector compares it: text for scalars, "" when absent. */
    private static String fieldValue(Stored object, String[] path) {
        // The fields every watch of one object selects on are indexed; others need the object read.
        if (path.length == 2 && path[0].equals("metadata") && path[1].equals("name")) {
            return object.name();
        }
        if (path.length == 2 && path[0].equals("metadata") && path[1].equals("namespace")) {
            return object.namespace() == null ? "" : object.namespace();
        }
        JsonNode node = object.tree();
        for (String p : path) {
            node = node.path(p);
        }
        return node.isValueNode() ? node.asText() : "";
    }

    private static Predicate<Stored> labelRequirement(String r, String selector) throws InvalidSelector {
        if (r.isEmpty()) {
            throw new InvalidSelector("invalid label selector \"" + selector + "\": empty requirement");
        }
        String[] words = r.split("\\s+", 3);
        if (words.length >= 2 && (words[1].equals("in") || words[1].equals("notin"))) {
            String set = r.substring(r.indexOf(words[1]) + words[1].length()).strip();
            if (!set.startsWith("(") || !set.endsWith(")")) {
                throw new InvalidSelector(
                        "invalid label selector \"" + selector + "\": expected a (value, ...) set after " + words[1]);
            }
            Set<String> values =
                    Set.copyOf(List.of(set.substring(1, set.length() - 1).split("\\s*,\\s*")).stream()
                            .map(String::strip)
                            .toList());
            String key = words[0];
            boolean in = words[1].equals("in");
            return o -> {
                String label = o.labels().get(key);
                return in ? label != null && values.contains(label) : label == null || !values.contains(label);
            };
        }
        int ne = r.indexOf("!=");
        int eq = r.indexOf('=');
        if (ne > 0) {
            String key = r.substring(0, ne).strip();
            String value = r.substring(ne + 2).strip();
            return o -> !value.equals(o.labels().get(key));
        }
        if (eq > 0) {
            String key = r.substring(0, eq).strip();
            String value = r.substring(r.startsWith("==", eq) ? eq + 2 : eq + 1).strip();
            return o -> value.equals(o.labels().get(key));
        }
        if (r.startsWith("!")) {
            String key = r.substring(1).strip();
            return o -> !o.labels().containsKey(key);
        }
        if (r.matches("[A-Za-z0-9._/-]+")) {
            return o -> o.labels().containsKey(r);
        }
        throw new InvalidSelector("invalid label selector \"" + selector + "\": cannot read \"" + r + "\"");
    }

    /** Splits on commas that are not inside a {@code (...)} set. */
    private static List<String> splitTopLevel(String selector) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < selector.length(); i++) {
            char c = selector.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(selector.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(selector.substring(start));
        return parts;
    }
}
