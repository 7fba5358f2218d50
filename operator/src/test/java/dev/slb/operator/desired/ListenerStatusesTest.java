package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.listener;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Tier;
import dev.slb.operator.api.TlsCipherPolicy;
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

    /** _1_2 keeps TLS 1.3 (the earlier release's stored default); _1_2_strict is TLS 1.2 alone. */
    @Test
    void tlsStatusSaysTheVersionsEachPolicyOffers() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(1).tls.policy = TlsCipherPolicy.TLS_CIPHER_POLICY_1_2;
        ListenerStatus v12 =
                ListenerStatuses.of(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL).get(1);
        assertThat(v12.tlsPolicy).isEqualTo("tls_cipher_policy_1_2");
        assertThat(v12.tlsVersions).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(v12.tlsMessage).contains("TLS 1.3", "tls_cipher_policy_1_2_strict");

        spec.listeners.get(1).tls.policy = TlsCipherPolicy.TLS_CIPHER_POLICY_1_2_STRICT;
        ListenerStatus strict =
                ListenerStatuses.of(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL).get(1);
        assertThat(strict.tlsVersions).containsExactly("TLSv1.2");
        assertThat(strict.tlsMessage).startsWith("No TLS 1.3:");

        ListenerStatus shared =
                ListenerStatuses.of(lb(spec(), Tier.SHARED), Tier.SHARED).get(1);
        assertThat(shared.tlsPolicy).isEqualTo("tls_cipher_policy_1_2_strict_with_1_3");
        assertThat(shared.tlsMessage).isNull();
    }
}
