package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.SchedulerKind;
import java.util.BitSet;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BackendSelectorsTest {
    private static final IntUnaryOperator IDLE = i -> 0;

    private static String picks(BackendSelector selector, int count) {
        return picks(selector, count, null);
    }

    /** Picks as letters (a = backend 0), '-' for none, so sequences read like the docs. */
    private static String picks(BackendSelector selector, int count, BitSet excluded) {
        StringBuilder sb = new StringBuilder(count);
        for (int n = 0; n < count; n++) {
            int i = selector.next(excluded);
            sb.append(i < 0 ? '-' : (char) ('a' + i));
        }
        return sb.toString();
    }

    private static int[] counts(BackendSelector selector, int backends, int picks) {
        int[] counts = new int[backends];
        for (int n = 0; n < picks; n++) {
            counts[selector.next(new BitSet())]++;
        }
        return counts;
    }

    private static BitSet excluded(int... indexes) {
        BitSet set = new BitSet();
        for (int i : indexes) {
            set.set(i);
        }
        return set;
    }

    @Test
    void onlyABackendAboveWeightZeroTakesNewConnections() {
        assertThat(BackendSelectors.takesNewConnections(new int[] {})).isFalse();
        assertThat(BackendSelectors.takesNewConnections(new int[] {0, 0})).isFalse();
        assertThat(BackendSelectors.takesNewConnections(new int[] {0, 1})).isTrue();
    }

    // ---- WRR --------------------------------------------------------------------------------

    @Test
    void wrrInterleavesInsteadOfBursting() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {5, 1, 1}, IDLE);
        assertThat(picks(s, 14)).isEqualTo("aabacaa" + "aabacaa");
    }

    @Test
    void wrrTwoToOne() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {2, 1}, IDLE);
        assertThat(picks(s, 9)).isEqualTo("aba" + "aba" + "aba");
    }

    @Test
    void wrrNeverGivesWeightZeroANewConnection() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {100, 0}, IDLE);
        assertThat(picks(s, 20)).isEqualTo("a".repeat(20));
    }

    @Test
    void wrrEqualWeightsAlternate() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {100, 100, 100}, IDLE);
        assertThat(picks(s, 9)).isEqualTo("abcabcabc");
    }

    @Test
    void wrrHoldsTheProportionsOverManyPicks() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {100, 50, 25}, IDLE);
        // 10,500 picks is 1,500 whole rounds of 7: the split is exact.
        assertThat(counts(s, 3, 10_500)).containsExactly(6_000, 3_000, 1_500);
        int[] c = counts(s, 3, 10_000);
        assertThat(c[0]).isBetween(5_713, 5_715);
        assertThat(c[1]).isBetween(2_856, 2_858);
        assertThat(c[2]).isBetween(1_428, 1_429);
    }

    @Test
    void wrrSpreadsEvenTheHeaviestBackendsPicks() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {100, 50, 25}, IDLE);
        // 4:2:1 as abacaba, round after round: the heaviest never gets more than two in a row.
        assertThat(picks(s, 700)).isEqualTo("abacaba".repeat(100)).doesNotContain("aaa", "bb", "cc");
    }

    @Test
    void wrrSkipsExcludedBackendsAndSharesTheRest() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {5, 1, 1}, IDLE);
        assertThat(picks(s, 4, excluded(0))).isEqualTo("bcbc");
        assertThat(picks(s, 3, excluded(0, 1, 2))).isEqualTo("---");
    }

    @Test
    void wrrAnExcludedBackendDoesNotBurstWhenItReturns() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WRR, new int[] {1, 1}, IDLE);
        picks(s, 10, excluded(1));
        assertThat(picks(s, 6)).isEqualTo("ababab");
    }

    // ---- WLC --------------------------------------------------------------------------------

    @Test
    void wlcPicksTheLeastLoadedPerUnitOfWeight() {
        int[] active = {10, 4, 0};
        BackendSelector s = BackendSelectors.create(SchedulerKind.WLC, new int[] {100, 50, 0}, i -> active[i]);
        // 10/100 = 0.10 and 4/50 = 0.08: backend 1, however often it is asked; 2 has weight 0.
        assertThat(picks(s, 4)).isEqualTo("bbbb");
        active[1] = 6; // 0.12 > 0.10
        assertThat(picks(s, 2)).isEqualTo("aa");
    }

    @Test
    void wlcFollowsTheCountsAsConnectionsOpen() {
        int[] active = new int[3];
        BackendSelector s = BackendSelectors.create(SchedulerKind.WLC, new int[] {2, 1, 1}, i -> active[i]);
        int[] picked = new int[3];
        for (int n = 0; n < 400; n++) {
            int i = s.next(null);
            picked[i]++;
            active[i]++;
        }
        assertThat(picked).containsExactly(200, 100, 100);
    }

    @Test
    void wlcRotatesOverTies() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.WLC, new int[] {100, 100, 100}, IDLE);
        assertThat(picks(s, 7)).isEqualTo("abcabca");
    }

    @Test
    void wlcRotatesOnlyOverTheTiedLeast() {
        int[] active = {3, 1, 1, 1};
        BackendSelector s = BackendSelectors.create(SchedulerKind.WLC, new int[] {1, 1, 1, 1}, i -> active[i]);
        assertThat(picks(s, 6)).isEqualTo("bcdbcd");
    }

    @Test
    void wlcSkipsExcludedBackends() {
        int[] active = {0, 5, 9};
        BackendSelector s = BackendSelectors.create(SchedulerKind.WLC, new int[] {1, 1, 1}, i -> active[i]);
        assertThat(picks(s, 2, excluded(0))).isEqualTo("bb");
        assertThat(picks(s, 2, excluded(0, 1))).isEqualTo("cc");
        assertThat(picks(s, 1, excluded(0, 1, 2))).isEqualTo("-");
    }

    // ---- RR ---------------------------------------------------------------------------------

    @Test
    void rrRotatesIgnoringWeightsButSkippingZero() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.RR, new int[] {100, 0, 1, 50}, IDLE);
        assertThat(picks(s, 6)).isEqualTo("acdacd");
    }

    @Test
    void rrSkipsExcludedBackends() {
        BackendSelector s = BackendSelectors.create(SchedulerKind.RR, new int[] {1, 1, 1}, IDLE);
        assertThat(picks(s, 4, excluded(1))).isEqualTo("acac");
        assertThat(picks(s, 1, excluded(0, 1, 2))).isEqualTo("-");
        assertThat(picks(s, 3)).isEqualTo("abc");
    }

    // ---- every kind -------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void allWeightsZeroMeansNoBackend(SchedulerKind kind) {
        BackendSelector s = BackendSelectors.create(kind, new int[] {0, 0, 0}, IDLE);
        assertThat(picks(s, 3)).isEqualTo("---");
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void noBackendsMeansNoBackend(SchedulerKind kind) {
        BackendSelector s = BackendSelectors.create(kind, new int[0], IDLE);
        assertThat(s.next(new BitSet())).isEqualTo(-1);
        assertThat(s.next(null)).isEqualTo(-1);
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void aFailedBackendIsRetriedOnlyAfterTheOthers(SchedulerKind kind) {
        BackendSelector s = BackendSelectors.create(kind, new int[] {1, 1, 1}, IDLE);
        BitSet tried = new BitSet();
        for (int n = 0; n < 3; n++) {
            int i = s.next(tried);
            assertThat(i).isBetween(0, 2);
            tried.set(i);
        }
        assertThat(tried.cardinality()).isEqualTo(3);
        assertThat(s.next(tried)).isEqualTo(-1);
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void laterChangesToTheCallersArrayDoNotLeakIn(SchedulerKind kind) {
        int[] weights = {1, 0};
        BackendSelector s = BackendSelectors.create(kind, weights, IDLE);
        weights[0] = 0;
        weights[1] = 1;
        assertThat(picks(s, 3)).isEqualTo("aaa");
    }

    @Test
    void aNegativeWeightIsRefused() {
        assertThatThrownBy(() -> BackendSelectors.create(SchedulerKind.WRR, new int[] {1, -1}, IDLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backend 1");
    }
}
