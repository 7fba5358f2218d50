package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Limits;
import dev.slb.operator.api.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The replica table follows from the measured capacity, and the README shows the same table. */
class SizingTest {
    private static final double HEADROOM = Sizing.HEADROOM_PERCENT / 100.0;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Tier.class, names = "SHARED", mode = EnumSource.Mode.EXCLUDE)
    void everyReplicaIsSoldAtMostAtSeventyPercentAndNoReplicaIsSpare(Tier tier) {
        Sizing sizing = Sizing.of(tier);
        int n = sizing.replicas();
        Limits each = sizing.perReplica();

        assertThat(n).isGreaterThanOrEqualTo(Sizing.MIN_GUARANTEED_REPLICAS);
        assertThat(each.maxConnections() * n)
                .as("the replicas together sell the tier")
                .isGreaterThanOrEqualTo(tier.maxConnections());
        assertThat(each.newConnectionsPerSecond() * n).isGreaterThanOrEqualTo(tier.newConnectionsPerSecond());
        assertThat(each.requestsPerSecond() * n).isGreaterThanOrEqualTo(tier.requestsPerSecond());

        assertThat(connectionShare(tier, n))
                .as("connections of one replica, as a share of C")
                .isLessThanOrEqualTo(HEADROOM);
        assertThat(cpuShare(tier, n))
                .as("CPU of one replica at its limits, in cores")
                .isLessThanOrEqualTo(HEADROOM);
        if (n > Sizing.MIN_GUARANTEED_REPLICAS) {
            assertThat(Math.max(connectionShare(tier, n - 1), cpuShare(tier, n - 1)))
                    .as("one replica fewer would be sold above 70%")
                    .isGreaterThan(HEADROOM);
        }
    }

    @Test
    void aSharedInstanceIsOneUnlimitedReplica() {
        assertThat(Sizing.of(Tier.SHARED)).isEqualTo(new Sizing(1, Limits.UNLIMITED));
    }

    @Test
    void aReplicaAtFullCapacityStillFitsItsPod() {
        long atCapacity = Sizing.HEAP_BYTES
                + Sizing.BASELINE_BYTES
                + Sizing.CONNECTIONS_PER_REPLICA * Sizing.KERNEL_BYTES_PER_CONNECTION;
        assertThat(atCapacity)
                .as("heap, the process beside it, and the kernel's socket memory at C connections")
                .isLessThanOrEqualTo(Sizing.POD_MEMORY_BYTES);
    }

    @Test
    void theReadmeShowsThisTable() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        List<String> expected = new ArrayList<>();
        for (Tier tier : Tier.values()) {
            if (tier.guaranteed()) {
                expected.add(readmeRow(tier, Sizing.of(tier)));
            }
        }
        List<String> rows = Arrays.stream(readme.split("\n"))
                .filter(l -> l.startsWith("| slb."))
                .toList();
        assertThat(rows)
                .as("README.md's replicas-per-tier table; regenerate its rows from Sizing")
                .containsAll(expected);
    }

    static String readmeRow(Tier tier, Sizing s) {
        long byConnections = (long) Math.ceil(tier.maxConnections() / (Sizing.CONNECTIONS_PER_REPLICA * HEADROOM));
        long byCpu = (long) Math.ceil((tier.newConnectionsPerSecond() * Sizing.CPU_NANOS_PER_NEW_CONNECTION
                        + tier.requestsPerSecond() * Sizing.CPU_NANOS_PER_REQUEST)
                / (1e9 * HEADROOM));
        String bound = Math.max(byConnections, byCpu) <= Sizing.MIN_GUARANTEED_REPLICAS
                ? "two at least"
                : byConnections >= byCpu ? "connections" : "CPU";
        return String.format(
                "| %s | %,d | %,d | %,d | %,d | %s |",
                tier.wireName(),
                s.replicas(),
                s.perReplica().maxConnections(),
                s.perReplica().newConnectionsPerSecond(),
                s.perReplica().requestsPerSecond(),
                bound);
    }

    /** Prints the README rows: {@code mvn test -Dtest=SizingTest -Dslb.printSizing=true}. */
    @Test
    void printReadmeRows() {
        if (Boolean.getBoolean("slb.printSizing")) {
            for (Tier tier : Tier.values()) {
                if (tier.guaranteed()) {
                    System.out.println(readmeRow(tier, Sizing.of(tier)));
                }
            }
        }
    }

    private static double connectionShare(Tier tier, int replicas) {
        return Math.ceil((double) tier.maxConnections() / replicas) / Sizing.CONNECTIONS_PER_REPLICA;
    }

    private static double cpuShare(Tier tier, int replicas) {
        double nanos =
                Math.ceil((double) tier.newConnectionsPerSecond() / replicas) * Sizing.CPU_NANOS_PER_NEW_CONNECTION
                        + Math.ceil((double) tier.requestsPerSecond() / replicas) * Sizing.CPU_NANOS_PER_REQUEST;
        return nanos / 1e9;
    }
}
