package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The consistent hash behind source-address persistence: spread, weights, churn, agreement. */
class MaglevTest {
    private static final int ADDRESSES = 10_000;

    private static String[] keys(int n) {
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = "10.1.0." + (i + 1) + ":8080";
        }
        return keys;
    }

    private static int[] equal(int n) {
        int[] w = new int[n];
        java.util.Arrays.fill(w, 100);
        return w;
    }

    /** Client address {@code i} of 192.168.0.0/16, taken in sequence: a harder test of the hash than random addresses. */
    private static long clientHash(int i) {
        return Maglev.clientHash(new byte[] {(byte) 192, (byte) 168, (byte) (i >>> 8), (byte) i});
    }

    private static int[] counts(Maglev table, int backends) {
        int[] counts = new int[backends];
        for (int i = 0; i < ADDRESSES; i++) {
            counts[table.lookup(clientHash(i))]++;
        }
        return counts;
    }

    @Test
    void tenEqualBackendsEachTakeTheirShareOfTenThousandAddresses() {
        int[] counts = counts(Maglev.build(keys(10), equal(10), null), 10);
        double worst = 0;
        for (int c : counts) {
            worst = Math.max(worst, Math.abs(c - 1000) / 1000.0);
        }
        System.out.printf(
                "maglev spread, 10 equal backends, %d addresses: %s, worst %.1f %% off the share%n",
                ADDRESSES, java.util.Arrays.toString(counts), worst * 100);
        // The figure is ±10 %; the bound is generous so a different address sample cannot flake it.
        assertThat(worst).isLessThan(0.15);
    }

    @Test
    void weightsShareTheAddressesInProportion() {
        int[] weights = {100, 50, 50, 25, 25, 10, 0};
        int[] counts = counts(Maglev.build(keys(weights.length), weights, null), weights.length);
        int total = 260;
        StringBuilder out = new StringBuilder();
        double worst = 0;
        for (int i = 0; i < weights.length - 1; i++) {
            double share = (double) weights[i] / total * ADDRESSES;
            worst = Math.max(worst, Math.abs(counts[i] - share) / share);
            out.append(String.format(" w%d:%d(%.0f)", weights[i], counts[i], share));
        }
        System.out.printf(
                "maglev spread by weight, %d addresses:%s, worst %.1f %% off the share%n", ADDRESSES, out, worst * 100);
        assertThat(counts[weights.length - 1]).as("weight 0 takes nothing").isZero();
        // The weight-10 backend expects about 385 addresses: a sample that small varies by several percent.
        assertThat(worst).isLessThan(0.25);
    }

    @Test
    void oneOfTenBackendsGoingMovesItsOwnClientsAndFewOthers() {
        Maglev all = Maglev.build(keys(10), equal(10), null);
        BitSet gone = new BitSet();
        gone.set(3);
        Maglev nine = Maglev.build(keys(10), equal(10), gone);
        int moved = 0;
        int movedOthers = 0;
        for (int i = 0; i < ADDRESSES; i++) {
            int before = all.lookup(clientHash(i));
            int after = nine.lookup(clientHash(i));
            assertThat(after).isNotEqualTo(3);
            if (before != after) {
                moved++;
                if (before != 3) {
                    movedOthers++;
                }
            }
        }
        System.out.printf(
                "maglev churn, 1 of 10 backends gone: %.1f %% of %d addresses moved (%d of them not the gone"
                        + " backend's)%n",
                100.0 * moved / ADDRESSES, ADDRESSES, movedOthers);
        assertThat(moved).isBetween(ADDRESSES / 20, ADDRESSES * 3 / 20);
        assertThat(movedOthers).isLessThan(ADDRESSES / 20);
    }

    @Test
    void theOrderBackendsAreListedInDoesNotChangeAnyPick() {
        String[] keys = keys(7);
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6));
        Collections.reverse(order);
        Collections.swap(order, 1, 4);
        String[] shuffled = new String[7];
        for (int i = 0; i < 7; i++) {
            shuffled[i] = keys[order.get(i)];
        }
        Maglev a = Maglev.build(keys, equal(7), null);
        Maglev b = Maglev.build(shuffled, equal(7), null);
        for (int i = 0; i < ADDRESSES; i++) {
            assertThat(shuffled[b.lookup(clientHash(i))]).isEqualTo(keys[a.lookup(clientHash(i))]);
        }
    }

    @Test
    void anExcludedBackendGivesWayToTheNextSlotsBackend() {
        Maglev table = Maglev.build(keys(3), equal(3), null);
        long h = clientHash(42);
        int first = table.lookup(h);
        BitSet excluded = new BitSet();
        excluded.set(first);
        int second = table.lookup(h, excluded);
        assertThat(second).isNotEqualTo(first).isBetween(0, 2);
        assertThat(table.lookup(h, excluded)).as("the same every time").isEqualTo(second);
        excluded.set(0, 3);
        assertThat(table.lookup(h, excluded)).isEqualTo(-1);
    }

    @Test
    void aTableWithNoBackendAnswersNone() {
        Maglev table = Maglev.build(keys(2), new int[] {0, 0}, null);
        assertThat(table.backends()).isZero();
        assertThat(table.lookup(clientHash(1), null)).isEqualTo(-1);
    }

    @Test
    void ipv6AddressesHashAcrossEveryBackend() {
        Maglev table = Maglev.build(keys(4), equal(4), null);
        int[] counts = new int[4];
        for (int i = 0; i < 4000; i++) {
            byte[] v6 = new byte[16];
            v6[0] = 0x20;
            v6[1] = 0x01;
            v6[14] = (byte) (i >>> 8);
            v6[15] = (byte) i;
            counts[table.lookup(Maglev.clientHash(v6))]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(700, 1300);
        }
    }
}
