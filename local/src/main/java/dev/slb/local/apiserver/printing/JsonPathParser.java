package dev.slb.local.apiserver.printing;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.slb.local.apiserver.printing.JsonPath.Field;
import dev.slb.local.apiserver.printing.JsonPath.Filter;
import dev.slb.local.apiserver.printing.JsonPath.Index;
import dev.slb.local.apiserver.printing.JsonPath.Literal;
import dev.slb.local.apiserver.printing.JsonPath.Operand;
import dev.slb.local.apiserver.printing.JsonPath.RelativePath;
import dev.slb.local.apiserver.printing.JsonPath.Slice;
import dev.slb.local.apiserver.printing.JsonPath.Step;
import dev.slb.local.apiserver.printing.JsonPath.Wildcard;
import java.util.ArrayList;
import java.util.List;

/** A recursive-descent parser over one JSONPath's text, with positions for error messages. */
final class JsonPathParser {
    private final String expression;
    private final String text;
    private int pos;

    JsonPathParser(String expression, String text) {
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
            return new RelativePath(new JsonPathParser(expression, operand.substring(1)).steps());
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
