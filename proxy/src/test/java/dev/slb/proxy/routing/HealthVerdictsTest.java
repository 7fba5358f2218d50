package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.routing.HealthVerdicts.Standing;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class HealthVerdictsTest {

    private static Standing run(Standing s, boolean... results) {
        for (boolean good : results) {
            s = s.next(good, 3, 2);
        }
        return s;
    }

    @Test
    void aNewBackendIsHealthyAndTurnsOnlyAfterAFullRun() {
        assertThat(Standing.NEW.healthy()).isTrue();
        assertThat(run(Standing.NEW, false).healthy()).as("one failure of two").isTrue();
        assertThat(run(Standing.NEW, false, true, false).healthy())
                .as("a good probe breaks the run")
                .isTrue();
        Standing out = run(Standing.NEW, false, false);
        assertThat(out.healthy()).isFalse();
        assertThat(run(out, true, true).healthy()).as("two good of three").isFalse();
        assertThat(run(out, true, true, false, true, true).healthy()).isFalse();
        assertThat(run(out, true, true, true).healthy()).isTrue();
        assertThat(run(out, true, true, true)).isEqualTo(new Standing(true, 0));
    }

    @Test
    void newWorkAvoidsTheOutUnlessAllThatCouldTakeItAreOut() {
        BitSet out = BitSet.valueOf(new long[] {0b010});
        BitSet into = new BitSet();
        assertThat(HealthVerdicts.avoid(new int[] {100, 100, 100}, out, into)).isFalse();
        assertThat(into).isEqualTo(out);

        into = new BitSet();
        assertThat(HealthVerdicts.avoid(new int[] {0, 100, 0}, out, into))
                .as("the only backend with weight is out: fail open")
                .isTrue();
        assertThat(into.isEmpty()).isTrue();

        into = new BitSet();
        assertThat(HealthVerdicts.avoid(new int[] {100, 100, 100}, new BitSet(), into))
                .isFalse();
        assertThat(into.isEmpty()).isTrue();
    }
}
