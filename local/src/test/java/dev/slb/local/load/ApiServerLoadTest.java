package dev.slb.local.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.local.apiserver.LocalApiServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load tool keeps working: a few LoadBalancers with their objects, created and collected. No timing is asserted. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiServerLoadTest {

    @Test
    void createsLoadBalancersWithTheirOwnedObjectsAndDeletesThemAll() throws Exception {
        try (LocalApiServer server = new LocalApiServer().start(0)) {
            ApiServerLoad.Report report = new ApiServerLoad(
                            server.url(),
                            Path.of("..").toAbsolutePath().normalize(),
                            Duration.ofSeconds(50),
                            () -> Duration.ZERO)
                    .run(4, 2);
            assertThat(report.loadBalancers()).isEqualTo(4);
            // What the operator owns for each (its golden files): a ConfigMap, a Deployment, a Service and more.
            int owned = report.ownedObjects();
            assertThat(owned).isGreaterThanOrEqualTo(4 * 3);
            assertThat(report.ownedLeft()).isZero();
            // Each object's creation and deletion, and each LoadBalancer's status write, reach the watches.
            assertThat(report.watchEvents()).isGreaterThanOrEqualTo(2L * (4 + owned) + 4);
            assertThat(report.createMicros()).hasSize(4 * 2 + owned);
        }
    }
}
