package dev.slb.operator.desired;

import dev.slb.operator.api.ConditionType;
import dev.slb.operator.api.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * metav1.Conditions the API-conventions way, at one instant: lastTransitionTime moves only when a
 * condition's status does.
 */
public final class Conditions {
    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    private final String now;

    /** Conditions set at {@code now} (the caller's clock: this class reads none). */
    public Conditions(Instant now) {
        this.now = format(Objects.requireNonNull(now, "now"));
    }

    /**
     * A new list: {@code existing} with the condition of {@code type} replaced (or appended). The
     * transition time is kept when the status is unchanged, and is now (RFC 3339, seconds) otherwise.
     */
    public List<Condition> set(
            List<Condition> existing,
            String type,
            String status,
            String reason,
            String message,
            Long observedGeneration) {
        List<Condition> result = new ArrayList<>();
        boolean replaced = false;
        for (Condition c : existing == null ? List.<Condition>of() : existing) {
            if (type.equals(c.getType())) {
                result.add(build(
                        type,
                        status,
                        reason,
                        message,
                        observedGeneration,
                        status.equals(c.getStatus()) && c.getLastTransitionTime() != null
                                ? c.getLastTransitionTime()
                                : now));
                replaced = true;
            } else {
                result.add(c);
            }
        }
        if (!replaced) {
            result.add(build(type, status, reason, message, observedGeneration, now));
        }
        return result;
    }

    /** {@link #set} with a type and reason from the API's enums; True when the reason is the type's own. */
    public List<Condition> set(
            List<Condition> existing, ConditionType type, Reason reason, String message, Long observedGeneration) {
        String status = reason.name().equals(type.name()) ? TRUE : FALSE;
        return set(existing, type.name(), status, reason.name(), message, observedGeneration);
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static Optional<Condition> find(List<Condition> conditions, ConditionType type) {
        return find(conditions, type.name());
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }

    /** RFC 3339 in seconds, as metav1.Time is written. */
    public static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    private static Condition build(
            String type, String status, String reason, String message, Long generation, String lastTransitionTime) {
        return new ConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(lastTransitionTime)
                .build();
    }
}
