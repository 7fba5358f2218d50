package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Limits;
import dev.slb.operator.api.Tier;
import dev.slb.operator.desired.Sizing.PodShape;
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

        assertThat(connectionShare(tier, n, sizing.shape()))
                .as("connections of one replica, as a share of C")
                .isLessThanOrEqualTo(HEADROOM);
        assertThat(cpuShare(tier, n))
                .as("CPU of one replica at its limits, in cores")
                .isLessThanOrEqualTo(HEADROOM);
        if (n > Sizing.MIN_GUARANTEED_REPLICAS) {
            assertThat(Math.max(connectionShare(tier, n - 1, sizing.shape()), cpuShare(tier, n - 1)))
                    .as("one replica fewer would be sold above 70%")
                    .isGreaterThan(HEADROOM);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Tier.class, names = "SHARED", mode = EnumSource.Mode.EXCLUDE)
    void noTierProvisionsItsOtherResourceMoreThanOneAndAHalfTimesItsNeed(Tier tier) {
        Sizing sizing = Sizing.of(tier);
        if (sizing.replicas() == Sizing.MIN_GUARANTEED_REPLICAS) {
            return; // held at the floor of two for availability, whatever it needs
        }
        assertThat(waste(tier, sizing.shape(), sizing.replicas()))
                .as("replicas over the need of the resource that does not bind")
                .isLessThanOrEqualTo(Sizing.MAX_OVERPROVISION_PERCENT / 100.0);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Tier.class, names = "SHARED", mode = EnumSource.Mode.EXCLUDE)
    void noOtherShapeWithinBoundsNeedsFewerReplicasOrAsManyWithLessMemory(Tier tier) {
        Sizing chosen = Sizing.of(tier);
        for (PodShape other : Sizing.SHAPES) {
            int replicas = replicasIn(tier, other);
            boolean withinBounds = replicas == Sizing.MIN_GUARANTEED_REPLICAS
                    || waste(tier, other, replicas) <= Sizing.MAX_OVERPROVISION_PERCENT / 100.0;
            if (!withinBounds || other.equals(chosen.shape())) {
                continue;
            }
            assertThat(replicas).as("replicas in %s", other).isGreaterThanOrEqualTo(chosen.replicas());
            if (replicas == chosen.replicas()) {
                assertThat(other.memoryBytes())
                        .as("memory of %s", other)
                        .isGreaterThan(chosen.shape().memoryBytes());
            }
        }
    }

    @Test
    void theSmallTiersKeepTheirPodsAndTheLargeOnesNeedAThirdOfThem() {
        PodShape oneGib = Sizing.SHAPES.get(0);
        assertThat(Sizing.of(Tier.S1_SMALL).shape()).isEqualTo(oneGib);
        assertThat(Sizing.of(Tier.S2_SMALL).shape()).isEqualTo(oneGib);
        assertThat(Sizing.of(Tier.S2_SMALL).replicas()).isEqualTo(2);
        // Bound by memory in 1 GiB pods: 181 replicas for 5,000,000 connections, while its CPU needs 67.
        assertThat(replicasIn(Tier.S3_XXLARGE, oneGib)).isEqualTo(181);
        assertThat(Sizing.of(Tier.S3_XXLARGE).replicas()).isEqualTo(67);
        assertThat(Sizing.of(Tier.S3_XXLARGE).shape().memoryQuantity()).isEqualTo("3Gi");
    }

    @Test
    void aSharedInstanceIsOneUnlimitedReplicaInTheSmallestPod() {
        assertThat(Sizing.of(Tier.SHARED)).isEqualTo(new Sizing(1, Limits.UNLIMITED, Sizing.SHAPES.get(0)));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Tier.class)
    void aReplicaAtFullCapacityStillFitsItsPod(Tier tier) {
        PodShape shape = Sizing.of(tier).shape();
        long atCapacity =
                shape.heapBytes() + Sizing.BASELINE_BYTES + shape.connections() * Sizing.KERNEL_BYTES_PER_CONNECTION;
        assertThat(atCapacity)
                .as("heap, the process beside it, and the kernel's socket memory at C connections")
                .isLessThanOrEqualTo(shape.memoryBytes());
    }

    @Test
    void quantitiesAreKubernetesQuantities() {
        assertThat(Sizing.SHAPES.get(0).cpuQuantity()).isEqualTo("1");
        assertThat(Sizing.SHAPES.get(0).memoryQuantity()).isEqualTo("1Gi");
        assertThat(new PodShape(500, 512L * 1024 * 1024).cpuQuantity()).isEqualTo("500m");
        assertThat(new PodShape(500, 512L * 1024 * 1024).memoryQuantity()).isEqualTo("512Mi");
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
        long byConnections = (long) Math.ceil(tier.maxConnections() / (s.shape().connections() * HEADROOM));
        long byCpu = (long) Math.ceil(cpuCores(tier) / HEADROOM);
        String bound = Math.max(byConnections, byCpu) <= Sizing.MIN_GUARANTEED_REPLICAS
                ? "two at least"
                : byConnections >= byCpu ? "connections" : "CPU";
        return String.format(
                "| %s | %s | %,d | %,d | %,d | %,d | %s |",
                tier.wireName(),
                s.shape().memoryQuantity().replace("Gi", " GiB"),
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

    /** Cores the tier's new connections and requests take at its limits. */
    private static double cpuCores(Tier tier) {
        return (tier.newConnectionsPerSecond() * Sizing.CPU_NANOS_PER_NEW_CONNECTION
                        + tier.requestsPerSecond() * Sizing.CPU_NANOS_PER_REQUEST)
                / 1e9;
    }

    /** The fewest replicas of {@code shape} that sell the tier at most at 70% each, two at least. */
    private static int replicasIn(Tier tier, PodShape shape) {
        int n = Sizing.MIN_GUARANTEED_REPLICAS;
        while (connectionShare(tier, n, shape) > HEADROOM || cpuShare(tier, n) > HEADROOM) {
            n++;
        }
        return n;
    }

    private static double waste(Tier tier, PodShape shape, int replicas) {
        double byConnections = tier.maxConnections() / (shape.connections() * HEADROOM);
        double byCpu = cpuCores(tier) / HEADROOM;
        return replicas / Math.min(byConnections, byCpu);
    }

    private static double connectionShare(Tier tier, int replicas, PodShape shape) {
        return Math.ceil((double) tier.maxConnections() / replicas) / shape.connections();
    }

    private static double cpuShare(Tier tier, int replicas) {
        double nanos =
                Math.ceil((double) tier.newConnectionsPerSecond() / replicas) * Sizing.CPU_NANOS_PER_NEW_CONNECTION
                        + Math.ceil((double) tier.requestsPerSecond() / replicas) * Sizing.CPU_NANOS_PER_REQUEST;
        return nanos / 1e9;
    }
}
