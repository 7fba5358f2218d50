package dev.slb.local.apiserver.schema;

/**
 * One field error, as the API server reports it: {@code field} is the path ({@code <nil>} for the
 * root), {@code message} what follows it (the body of a Status cause), {@code reason} the cause
 * type such as {@code FieldValueInvalid}.
 */
public record Violation(String field, String message, String reason) {
    /** The field error as one line: {@code spec.listeners: Invalid value: "array": ...}. */
    public String error() {
        return field + ": " + message;
    }
}
