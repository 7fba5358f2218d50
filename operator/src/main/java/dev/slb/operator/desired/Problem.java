package dev.slb.operator.desired;

/**
 * Something wrong with a LoadBalancer spec, worded for the person who has to fix it.
 *
 * @param reason  CamelCase reason for the {@code Accepted=False} condition
 * @param field   the field path, e.g. {@code spec.listeners[1].tls}
 * @param message what is wrong and what to do, without the field path
 */
public record Problem(String reason, String field, String message) {
    /** The reason of a spec that breaks a schema rule or one the schema cannot see. */
    public static final String INVALID_SPEC = "InvalidSpec";
    /** The reason of a refused change from a guaranteed tier back to {@code shared}. */
    public static final String TIER_DOWNGRADE_NOT_SUPPORTED = "TierDowngradeNotSupported";

    static Problem invalid(String field, String message) {
        return new Problem(INVALID_SPEC, field, message);
    }

    /** {@code field: message}, the form a condition message or a log line takes. */
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
