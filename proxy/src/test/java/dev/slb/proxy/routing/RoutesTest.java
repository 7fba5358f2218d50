package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ForwardingRule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoutesTest {
    private static final Map<String, Integer> GROUPS = Map.of("exact", 0, "wild", 1, "deep", 2, "any", 3, "v1", 4);

    private static final Routes ROUTES = Routes.of(
            List.of(
                    new ForwardingRule(null, "/v1", "v1"),
                    new ForwardingRule("*.example.com", null, "wild"),
                    new ForwardingRule("*.api.example.com", null, "deep"),
                    new ForwardingRule("api.example.com", null, "exact"),
                    new ForwardingRule(null, "/", "any")),
            GROUPS);

    @Test
    void anExactHostBeatsTheLongestWildcardWhichBeatsAShorterOne() {
        assertThat(ROUTES.route("api.example.com", "/x")).isEqualTo(0);
        assertThat(ROUTES.route("eu.api.example.com", "/x")).isEqualTo(2);
        assertThat(ROUTES.route("www.example.com", "/x")).isEqualTo(1);
    }

    @Test
    void aHostRuleBeatsAnyHostEvenWithALongerPath() {
        assertThat(ROUTES.route("www.example.com", "/v1/users")).isEqualTo(1);
        assertThat(ROUTES.route("other.test", "/v1/users")).isEqualTo(4);
    }

    @Test
    void hostsMatchWithoutCaseOrPortAndAWildcardNeedsALabelBeforeItsSuffix() {
        assertThat(ROUTES.route("API.Example.COM:8443", "/")).isEqualTo(0);
        assertThat(ROUTES.route("api.example.com.", "/")).isEqualTo(0);
        assertThat(ROUTES.route("example.com", "/")).as("the bare suffix").isEqualTo(3);
        assertThat(ROUTES.route("[::1]:80", "/")).isEqualTo(3);
    }

    @Test
    void pathPrefixesMatchWholeSegmentsOnlyAndTheLongestWins() {
        Routes r = Routes.of(
                List.of(new ForwardingRule(null, "/api", "exact"), new ForwardingRule(null, "/api/v1/", "wild")),
                GROUPS);
        assertThat(r.route("h", "/api")).isEqualTo(0);
        assertThat(r.route("h", "/api/")).isEqualTo(0);
        assertThat(r.route("h", "/api?x=1")).isEqualTo(0);
        assertThat(r.route("h", "/api/v1")).isEqualTo(1);
        assertThat(r.route("h", "/api/v1/users?x")).isEqualTo(1);
        assertThat(r.route("h", "/api/v10")).isEqualTo(0);
        assertThat(r.route("h", "/apiary")).isEqualTo(Routes.NO_MATCH);
        assertThat(r.route("h", "/API")).as("paths match without ASCII case").isEqualTo(0);
        assertThat(r.route("h", "*")).isEqualTo(Routes.NO_MATCH);
    }

    @Test
    void anAbsoluteTargetsHostCountsInsteadOfTheHeader() {
        assertThat(ROUTES.route("other.test", "http://api.example.com:80/x")).isEqualTo(0);
        assertThat(ROUTES.route("api.example.com", "https://other.test/v1")).isEqualTo(4);
        assertThat(ROUTES.route("api.example.com", "http://other.test?q")).isEqualTo(3);
    }

    @Test
    void noHostHeaderMatchesOnlyRulesWithoutAHost() {
        assertThat(ROUTES.route(null, "/v1")).isEqualTo(4);
        Routes hostOnly = Routes.of(List.of(new ForwardingRule("a.test", null, "exact")), GROUPS);
        assertThat(hostOnly.route(null, "/")).isEqualTo(Routes.NO_MATCH);
        assertThat(hostOnly.route("b.test", "/")).isEqualTo(Routes.NO_MATCH);
    }

    @Test
    void equalRulesGoToTheFirstWritten() {
        Routes r = Routes.of(
                List.of(new ForwardingRule("a.test", "/x", "exact"), new ForwardingRule("a.test", "/x", "wild")),
                GROUPS);
        assertThat(r.route("a.test", "/x/y")).isEqualTo(0);
    }

    private static final Routes ADMIN = Routes.of(
            List.of(new ForwardingRule(null, "/admin", "exact"), new ForwardingRule(null, "/public", "wild")), GROUPS);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/admin",
                "/admin/users",
                "//admin",
                "/%61dmin",
                "/%41DMIN/x",
                "/ADMIN",
                "/Admin?x=1",
                "/admin;x",
                "/admin;jsessionid=abc/users",
                "/;x/admin",
                "http://h//admin",
                "http://h/%61dmin",
            })
    void everyReadingOfAdminGoesToItsRule(String target) {
        assertThat(ADMIN.route("h", target)).isEqualTo(0);
        assertThat(ADMIN.problem("h", target)).isNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/../admin",
                "/public/../../admin",
                "/x/../admin",
                "/x/%2e%2e/admin",
                "/public/../admin/",
                "/public/..;/admin",
                "/./admin",
                "/admin/../public",
                "/admin//../public",
                "/admin/..;/public",
                "/admin/..%3B/public",
                "/admin/%2e%2e/public",
                "/%2e%2e/admin",
                "/..;/admin",
                "/public/..%2fadmin",
                "/public/..%2Fadmin",
                "/public/..%5cadmin",
                "/public/..\\admin",
                "/public%2F..%2F..%2Fadmin",
                "/x/%252e%252e/admin",
                "/public/%252e%252e%252fadmin",
                "/admin%00",
                "/public%00/../admin",
                "/adm%zzin",
                "/public#/../admin",
            })
    void pathsThatBackendsReadAsDifferentRulesAreRefused(String target) {
        assertThat(ADMIN.route("h", target)).isEqualTo(Routes.REFUSED);
        assertThat(ADMIN.problem("h", target)).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin/x/../users", "/admin/./users", "/public/a/../b", "/.well-known/x"})
    void aDotSegmentThatChangesNoRouteIsServed(String target) {
        assertThat(ADMIN.route("h", target)).isNotEqualTo(Routes.REFUSED);
        assertThat(ADMIN.problem("h", target)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%2Fb", "/public/a%2Fb", "/a\\b", "/docs/%25", "/admin/a%2Fb"})
    void anEncodedSlashThatChangesNoRouteIsServed(String target) {
        assertThat(ADMIN.route("h", target)).isNotEqualTo(Routes.REFUSED);
    }

    @Test
    void hostOnlyRulesReadNoPathSoNothingIsRefused() {
        Routes hostOnly = Routes.of(List.of(new ForwardingRule("a.test", null, "exact")), GROUPS);
        assertThat(hostOnly.route("a.test", "/../%00")).isEqualTo(0);
        Routes root = Routes.of(List.of(new ForwardingRule("a.test", "/", "exact")), GROUPS);
        assertThat(root.route("b.test", "/../%00")).isEqualTo(Routes.NO_MATCH);
    }
}
