package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.listener;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Tier;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerStatusesTest {

    @Test
    void sharedSaysDisabledWhyAndWhatToDo() {
        List<ListenerStatus> statuses = ListenerStatuses.of(lb(Tier.SHARED), Tier.SHARED);

        assertThat(statuses).extracting(s -> s.name).containsExactly("web", "secure");
        assertThat(statuses).extracting(s -> s.port).containsExactly(80, 443);
        assertThat(statuses).allSatisfy(s -> {
            assertThat(s.websocket).isEqualTo("Disabled");
            assertThat(s.websocketReason).isEqualTo("RequiresGuaranteedPerformance");
            assertThat(s.websocketMessage).contains("spec.tier", "slb.s1.small or larger", "kubectl patch slb web");
        });
    }

    @Test
    void guaranteedSaysEnabledAndTcpNotApplicable() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(listener("db", ListenerProtocol.TCP, 5432));
        List<ListenerStatus> statuses = ListenerStatuses.of(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL);

        assertThat(statuses).extracting(s -> s.websocket).containsExactly("Enabled", "Enabled", "NotApplicable");
        assertThat(statuses).allSatisfy(s -> assertThat(s.websocketReason).isNull());
    }
}
