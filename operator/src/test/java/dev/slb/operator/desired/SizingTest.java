package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Limits;
import dev.slb.operator.api.Tier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SizingTest {

    // tier, replicas, per-replica max connections, new connections/s, requests/s (computed by hand from the
    // formula in Sizing's Javadoc: capacity 100k / 25k / 25k at 70%, at least two replicas when guaranteed)
    @ParameterizedTest(name = "{0}: {1} replicas of {2} conn, {3} new conn/s, {4} req/s")
    @CsvSource({
        "slb.s1.small,    2, 2500,  1500, 500",
        "slb.s2.small,    2, 25000, 2500, 2500",
        "slb.s2.medium,   2, 50000, 5000, 5000",
        "slb.s3.small,    3, 66667, 6667, 6667",
        "slb.s3.medium,   8, 62500, 6250, 3750",
        "slb.s3.large,   15, 66667, 6667, 3334",
        "slb.s3.xlarge,  29, 68966, 6897, 3449",
        "slb.s3.xxlarge, 72, 69445, 6945, 1389",
    })
    void guaranteedTiers(String tier, int replicas, long connections, long newConnections, long requests) {
        Sizing sizing = Sizing.of(Tier.parse(tier));

        assertThat(sizing.replicas()).isEqualTo(replicas);
        assertThat(sizing.perReplica()).isEqualTo(new Limits(connections, newConnections, requests));
        Tier t = Tier.parse(tier);
        assertThat(connections * replicas).as("the replicas together sell at least the tier").isGreaterThanOrEqualTo(t.maxConnections());
        assertThat(connections).as("no replica is sold above 70%").isLessThanOrEqualTo(70_000);
        assertThat(newConnections).isLessThanOrEqualTo(17_500);
        assertThat(requests).isLessThanOrEqualTo(17_500);
    }

    @ParameterizedTest(name = "shared: 1 replica, no limits")
    @CsvSource("shared")
    void sharedIsOneUnlimitedReplica(String tier) {
        assertThat(Sizing.of(Tier.parse(tier))).isEqualTo(new Sizing(1, Limits.UNLIMITED));
    }
}
