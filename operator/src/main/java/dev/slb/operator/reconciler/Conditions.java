package dev.slb.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Sets metav1.Conditions the API-conventions way: lastTransitionTime moves only when a condition's status does. */
public final class Conditions {
    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    private final Clock clock;

    public Conditions(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
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
                                : now()));
                replaced = true;
            } else {
                result.add(c);
            }
        }
        if (!replaced) {
            result.add(build(type, status, reason, message, observedGeneration, now()));
        }
        return result;
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
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
