package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ConfigValidator;
import dev.slb.model.ProxyConfig;
import dev.slb.model.StickySession;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.StickySessionSpec;
import dev.slb.operator.api.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** stickySession: its defaults, its refusals, and the key every replica is given. */
class StickySessionSpecTest {
    private static StickySessionSpec sticky(StickySessionSpec.Type type, String cookie, Integer timeout) {
        StickySessionSpec s = new StickySessionSpec();
        s.type = type;
        s.cookie = cookie;
        s.cookieTimeoutSeconds = timeout;
        return s;
    }

    private static ProxyConfig render(LoadBalancer lb, Tier tier) {
        return ProxyConfigs.render(lb, tier, Map.of(), OperatorSettings.defaults());
    }

    @Test
    void insertDefaultsToServeridFor1000SecondsKeyedByTheLoadBalancersUid() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(0).stickySession = sticky(StickySessionSpec.Type.Insert, null, null);
        LoadBalancer lb = lb(spec, Tier.S1_SMALL);
        ProxyConfig config = render(lb, Tier.S1_SMALL);
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(config.listener("web").orElseThrow().stickySession())
                .isEqualTo(new StickySession(StickySession.Type.INSERT, "SERVERID", Duration.ofSeconds(1000), "uid-1"));
        assertThat(config.listener("secure").orElseThrow().stickySession()).isNull();

        // The same LoadBalancer on another tier (more replicas) gives every replica the same key.
        assertThat(render(lb(spec, Tier.S3_LARGE), Tier.S3_LARGE)
                        .listener("web")
                        .orElseThrow()
                        .stickySession()
                        .key())
                .isEqualTo("uid-1");
    }

    @Test
    void serverModeCarriesTheBackendsCookieName() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(1).stickySession = sticky(StickySessionSpec.Type.Server, "JSESSIONID", null);
        StickySession s = render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL)
                .listener("secure")
                .orElseThrow()
                .stickySession();
        assertThat(s).isEqualTo(new StickySession(StickySession.Type.SERVER, "JSESSIONID", null, "uid-1"));
    }

    @Test
    void badSettingsAreRefusedSayingWhatToDo() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(0).stickySession = sticky(StickySessionSpec.Type.Server, null, 60);
        spec.listeners.get(1).stickySession = sticky(StickySessionSpec.Type.Insert, "my cookie", 86_401);
        spec.listeners.add(TestingSpecs.listener("db", ListenerProtocol.TCP, 5432));
        spec.listeners.get(2).stickySession = sticky(StickySessionSpec.Type.Insert, null, null);
        List<String> problems = Specs.validate(Specs.normalize(spec)).stream()
                .map(p -> p.field() + ": " + p.message())
                .toList();
        assertThat(problems)
                .containsExactly(
                        "spec.listeners[0].stickySession.cookie: type Server rewrites the backend's own cookie: name"
                                + " it in cookie (for example JSESSIONID)",
                        "spec.listeners[0].stickySession.cookieTimeoutSeconds: type Server keeps the backend's own"
                                + " cookie lifetime; remove cookieTimeoutSeconds",
                        "spec.listeners[1].stickySession.cookie: 'my cookie' is not a cookie name: letters, digits and"
                                + " !#$%&'*+.^_`|~-, at most 64 characters",
                        "spec.listeners[1].stickySession.cookieTimeoutSeconds: 86401 is out of range: use 1..86400"
                                + " seconds",
                        "spec.listeners[2].stickySession: TCP listeners have no cookies; remove stickySession");
    }

    @Test
    void sameSiteIsLaxByDefaultWrittenOnlyWhenChangedAndNoneOnlyOverHttps() {
        LoadBalancerSpec spec = spec();
        spec.listeners.get(1).stickySession = sticky(StickySessionSpec.Type.Insert, null, null);
        assertThat(render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL)
                        .listener("secure")
                        .orElseThrow()
                        .stickySession()
                        .sameSite())
                .as("Lax is left out of the config, so a config without it is unchanged")
                .isNull();

        spec.listeners.get(1).stickySession.sameSite = StickySessionSpec.SameSite.None;
        ProxyConfig config = render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL);
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(config.listener("secure").orElseThrow().stickySession().sameSite())
                .isEqualTo(StickySession.SameSite.NONE);

        spec.listeners.get(0).stickySession = sticky(StickySessionSpec.Type.Insert, null, null);
        spec.listeners.get(0).stickySession.sameSite = StickySessionSpec.SameSite.None;
        spec.listeners.get(1).stickySession = sticky(StickySessionSpec.Type.Server, "JSESSIONID", null);
        spec.listeners.get(1).stickySession.sameSite = StickySessionSpec.SameSite.Strict;
        assertThat(Specs.validate(Specs.normalize(spec)).stream()
                        .map(p -> p.field() + ": " + p.message())
                        .toList())
                .containsExactly(
                        "spec.listeners[0].stickySession.sameSite: None needs the Secure attribute, which browsers"
                                + " honour only over HTTPS and this load balancer sets only on HTTPS listeners: use Lax"
                                + " or Strict here",
                        "spec.listeners[1].stickySession.sameSite: type Server keeps the backend's own cookie"
                                + " attributes; remove sameSite");
    }
}
