package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.address;
import static dev.slb.operator.desired.TestingSpecs.group;
import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.rule;
import static dev.slb.operator.desired.TestingSpecs.service;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.BackendGroup;
import dev.slb.model.ConfigCodec;
import dev.slb.model.ConfigValidator;
import dev.slb.model.ForwardingRule;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.model.SchedulerKind;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Scheduler;
import dev.slb.operator.api.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Backend groups and forwarding rules: what Specs refuses, and what the proxies are given. */
class BackendGroupsTest {
    private static final OperatorSettings SETTINGS = OperatorSettings.defaults();
    private static final Map<ServiceKey, List<ResolvedEndpoint>> ENDPOINTS = Map.of(
            new ServiceKey("app", 8080), List.of(new ResolvedEndpoint("10.0.0.1", 8080, true)),
            new ServiceKey("api", 8080), List.of(new ResolvedEndpoint("10.0.2.1", 8080, true)));

    /** web (HTTP) routes api.example.com and /static; secure (HTTPS) defaults to the static group. */
    private static LoadBalancerSpec grouped() {
        LoadBalancerSpec spec = spec();
        spec.backendGroups = new ArrayList<>(List.of(
                group("api", Scheduler.WLC, service("api", 8080)),
                group("static", null, address("192.0.2.5", 8080)),
                group("unused", null, address("192.0.2.9", 8080))));
        spec.listeners.get(0).rules =
                new ArrayList<>(List.of(rule("api.example.com", null, "api"), rule(null, "/static", "static")));
        spec.listeners.get(1).defaultBackendGroup = "static";
        return spec;
    }

    private static List<String> problems(LoadBalancerSpec spec) {
        return Specs.validate(Specs.normalize(spec)).stream()
                .map(p -> p.field() + ": " + p.message())
                .toList();
    }

    @Test
    void groupsRulesAndADefaultGroupRender() {
        ProxyConfig config = ProxyConfigs.render(lb(grouped(), Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(ConfigValidator.validate(config)).isEmpty();

        Listener web = config.listener("web").orElseThrow();
        assertThat(web.backends()).as("spec.backends stays the default").containsExactly(new Backend("10.0.0.1", 8080));
        assertThat(web.scheduler()).isEqualTo(SchedulerKind.WRR);
        assertThat(web.backendGroups())
                .as("the groups its rules name, in spec order")
                .containsExactly(
                        new BackendGroup("api", SchedulerKind.WLC, List.of(new Backend("10.0.2.1", 8080))),
                        new BackendGroup("static", SchedulerKind.WRR, List.of(new Backend("192.0.2.5", 8080))));
        assertThat(web.rules())
                .containsExactly(
                        new ForwardingRule("api.example.com", null, "api"),
                        new ForwardingRule(null, "/static", "static"));
        assertThat(web.noDefaultGroup()).isFalse();

        Listener secure = config.listener("secure").orElseThrow();
        assertThat(secure.backends()).containsExactly(new Backend("192.0.2.5", 8080));
        assertThat(secure.backendGroups()).isEmpty();
        assertThat(secure.rules()).isEmpty();
    }

    @Test
    void rulesWithNoDefaultGroupAnswer404ForTheRest() {
        LoadBalancerSpec spec = grouped();
        spec.backends.clear();
        spec.listeners.get(1).defaultBackendGroup = null;
        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(config.listener("web").orElseThrow().noDefaultGroup()).isTrue();
        assertThat(config.listener("secure").orElseThrow().noDefaultGroup())
                .as("no rules: no backends, answered 503 as before")
                .isFalse();
    }

    @Test
    void aSpecWithoutGroupsRendersAsBeforeAndTheConfigCarriesNoNewField() {
        ProxyConfig config = ProxyConfigs.render(lb(spec(), Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(ProxyConfigs.yaml(config))
                .doesNotContain("backendGroups")
                .doesNotContain("rules")
                .doesNotContain("noDefaultGroup")
                .doesNotContain("redirect");
    }

    /**
     * The upgrade test's heart: the configs an operator of the previous release wrote (the golden
     * ConfigMaps of the samples, committed before groups existed) read and write back byte for byte,
     * so a new proxy serves them unchanged and the new operator's render of them is no change.
     */
    @Test
    void configsWrittenBeforeGroupsReadAndWriteBackUnchanged() throws Exception {
        List<Path> configMaps;
        try (Stream<Path> files = Files.walk(Path.of("src/test/resources/golden"))) {
            configMaps = files.filter(p -> p.getFileName().toString().equals("out-ConfigMap.yaml"))
                    .sorted()
                    .toList();
        }
        assertThat(configMaps).hasSizeGreaterThanOrEqualTo(3);
        for (Path p : configMaps) {
            String yaml = configYaml(Files.readString(p));
            ProxyConfig read = ConfigCodec.parse(yaml);
            assertThat(ConfigCodec.write(read)).as("%s", p).isEqualTo(yaml);
        }
    }

    /** The config.yaml value of a golden ConfigMap, as the proxy reads it. */
    private static String configYaml(String configMap) {
        io.fabric8.kubernetes.api.model.ConfigMap cm = new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
                .unmarshal(configMap, io.fabric8.kubernetes.api.model.ConfigMap.class);
        return cm.getData().get(dev.slb.model.ProxyContract.CONFIG_MAP_KEY);
    }

    @Test
    void aRuleOrDefaultNamingAnUnknownGroupIsRefusedByName() {
        LoadBalancerSpec spec = grouped();
        spec.listeners.get(0).rules.add(rule(null, "/x", "apl"));
        spec.listeners.get(1).defaultBackendGroup = "statik";
        assertThat(problems(spec))
                .containsExactly(
                        "spec.listeners[0].rules[2].backendGroup: 'apl' is not in spec.backendGroups [api, static,"
                                + " unused]; add the group or correct the name",
                        "spec.listeners[1].defaultBackendGroup: 'statik' is not in spec.backendGroups [api, static,"
                                + " unused]; add the group or correct the name");
    }

    @Test
    void rulesAreBoundedCheckedAndHttpOnly() {
        LoadBalancerSpec spec = grouped();
        for (int i = 0; i < 40; i++) {
            spec.listeners.get(0).rules.add(rule(null, "/p" + i, "api"));
        }
        spec.listeners.get(0).rules.add(rule("API.example.com:80", "v1", "api"));
        spec.listeners.get(0).rules.add(rule(null, null, "api"));
        spec.listeners.add(TestingSpecs.listener("db", ListenerProtocol.TCP, 5432));
        spec.listeners.get(2).rules = new ArrayList<>(List.of(rule(null, "/", "api")));
        spec.backendGroups.add(group("api", null));

        assertThat(problems(spec))
                .anyMatch(p -> p.startsWith("spec.backendGroups[3].name: 'api' is already the name"))
                .anyMatch(p -> p.startsWith("spec.listeners[0].rules: has 44 rules; at most 40"))
                .anyMatch(p -> p.startsWith("spec.listeners[0].rules[42].host: 'API.example.com:80' is not a host"))
                .anyMatch(p -> p.startsWith("spec.listeners[0].rules[42].path: 'v1' is not a path prefix"))
                .anyMatch(p -> p.equals("spec.listeners[0].rules[43]: a rule needs a host, a path or both"))
                .anyMatch(p -> p.startsWith("spec.listeners[2].rules: TCP listeners have no host or path"));
    }

    @Test
    void wildcardsAndPathsOfTheRightShapePass() {
        LoadBalancerSpec spec = grouped();
        spec.listeners.get(0).rules.add(rule("*.rooms.example.com", "/v1/chat", "api"));
        spec.listeners.get(0).rules.add(rule("localhost", "/", "api"));
        assertThat(problems(spec)).isEmpty();
    }

    /**
     * Rules that read as one (case, ;parameters, a rule without path and one with "/") and a path
     * that does not read were accepted before the operator warned about them: refusing them now
     * would stop a running instance from taking any change, so Specs accepts them and the proxies
     * get them as written (StatusAggregatorTest has the warning).
     */
    @Test
    void rulesThatReadAsTheSameOrDoNotReadAreAcceptedAndRenderedAsWritten() {
        LoadBalancerSpec spec = grouped();
        spec.listeners.get(0).rules.add(rule(null, "/STATIC", "api"));
        spec.listeners.get(0).rules.add(rule(null, "/static;x", "api"));
        spec.listeners.get(0).rules.add(rule("api.example.com", "/", "static"));
        spec.listeners.get(0).rules.add(rule(null, "/%zz", "api"));
        assertThat(problems(spec)).isEmpty();

        ProxyConfig config = ProxyConfigs.render(lb(spec, Tier.S1_SMALL), Tier.S1_SMALL, ENDPOINTS, SETTINGS);
        assertThat(ConfigValidator.validate(config)).isEmpty();
        assertThat(config.listener("web").orElseThrow().rules())
                .extracting(ForwardingRule::path)
                .containsExactly(null, "/static", "/STATIC", "/static;x", "/", "/%zz");
    }

    @Test
    void groupServicesAreResolvedAndReferenced() {
        LoadBalancerSpec spec = grouped();
        assertThat(References.services(lb(spec, Tier.S1_SMALL))).containsExactly("api", "app");
        assertThat(Backends.allBackends(Specs.normalize(spec))).hasSize(4);
    }
}
