package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConditionsTest {
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678Z");
    private static final Instant T1 = Instant.parse("2026-01-02T04:00:00Z");

    @Test
    void aNewConditionTransitionsNow() {
        List<Condition> conds = new Conditions(T0).set(List.of(), "Accepted", "True", "Accepted", "fine", 3L);

        assertThat(conds).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Accepted");
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Accepted");
            assertThat(c.getMessage()).isEqualTo("fine");
            assertThat(c.getObservedGeneration()).isEqualTo(3L);
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-02T03:04:05Z");
        });
    }

    @Test
    void theSameStatusKeepsItsTransitionTimeWhileReasonMessageAndGenerationMove() {
        List<Condition> first = new Conditions(T0).set(List.of(), "Programmed", "False", "Pending", "1 of 2", 1L);
        List<Condition> second = new Conditions(T1).set(first, "Programmed", "False", "NoReadyReplicas", "none", 2L);

        assertThat(second).singleElement().satisfies(c -> {
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-02T03:04:05Z");
            assertThat(c.getReason()).isEqualTo("NoReadyReplicas");
            assertThat(c.getMessage()).isEqualTo("none");
            assertThat(c.getObservedGeneration()).isEqualTo(2L);
        });
    }

    @Test
    void aStatusChangeMovesTheTransitionTimeAndLeavesOtherConditionsAlone() {
        Conditions at0 = new Conditions(T0);
        List<Condition> conds = at0.set(List.of(), "Accepted", "True", "Accepted", "ok", 1L);
        conds = at0.set(conds, "Ready", "False", "NotProgrammed", "wait", 1L);

        List<Condition> after = new Conditions(T1).set(conds, "Ready", "True", "Ready", "serving", 1L);

        assertThat(after).extracting(Condition::getType).containsExactly("Accepted", "Ready");
        assertThat(Conditions.find(after, "Ready").orElseThrow().getLastTransitionTime())
                .isEqualTo("2026-01-02T04:00:00Z");
        assertThat(Conditions.find(after, "Accepted").orElseThrow()).isSameAs(conds.get(0));
        assertThat(Conditions.isTrue(after, "Ready")).isTrue();
        assertThat(conds).extracting(Condition::getStatus).containsExactly("True", "False");
    }
}
