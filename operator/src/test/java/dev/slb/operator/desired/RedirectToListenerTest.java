package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ConfigValidator;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Redirect;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Tier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** redirectToListener: what Specs refuses, and the port the proxies put in the Location. */
class RedirectToListenerTest {
    private static List<String> problems(LoadBalancerSpec spec) {
        return Specs.validate(Specs.normalize(spec)).stream()
                .map(p -> p.field() + ": " + p.message())
                .toList();
    }

    @Test
    void anHttpListenerRedirectsToTheHttpsListenersServicePort() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(0).redirectToListener = "secure";
        spec.listeners.get(1).port = 8443;
        ProxyConfig config =
                ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, Map.of(), OperatorSettings.defaults());
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(config.listener("web").orElseThrow().redirect())
                .as("the port clients reach, not the pod's")
                .isEqualTo(new Redirect(8443));
        assertThat(config.listener("secure").orElseThrow().redirect()).isNull();
    }

    @Test
    void onlyAnHttpListenerRedirectsAndOnlyToAnHttpsListener() {
        LoadBalancerSpec spec = spec();
        spec.listeners.add(TestingSpecs.listener("alt", ListenerProtocol.HTTP, 8080));
        spec.listeners.get(0).redirectToListener = "alt";
        spec.listeners.get(1).redirectToListener = "secure";
        spec.listeners.get(2).redirectToListener = "nowhere";
        assertThat(problems(spec))
                .containsExactly(
                        "spec.listeners[0].redirectToListener: 'alt' is not an HTTPS listener of this LoadBalancer;"
                                + " name one of [secure]",
                        "spec.listeners[1].redirectToListener: only HTTP listeners redirect to HTTPS; remove"
                                + " redirectToListener",
                        "spec.listeners[2].redirectToListener: 'nowhere' is not an HTTPS listener of this"
                                + " LoadBalancer; name one of [secure]");
    }
}
