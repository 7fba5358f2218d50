package dev.slb.local.apiserver.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CRD's CEL rules on backend groups and forwarding rules (issue 17), as cel-java runs them here. */
class BackendGroupCelTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path GROUPS = Path.of("..", "crds", "samples", "groups.yaml");
    private static JsonNode crd;
    private static ObjectNode sample;

    @BeforeAll
    static void load() throws IOException {
        crd = YAML.readTree(CRD.toFile());
        sample = (ObjectNode) YAML.readTree(GROUPS.toFile());
    }

    private static List<String> errors(JsonNode object) {
        return CelValidation.validate(crd, "v1alpha1", object, null).stream()
                .map(Violation::error)
                .toList();
    }

    private static ObjectNode listener(ObjectNode lb, int i) {
        return (ObjectNode) lb.withObject("spec").withArray("listeners").get(i);
    }

    @Test
    void theSampleIsValid() {
        assertThat(errors(sample)).isEmpty();
    }

    @Test
    void aRuleNamingAnUnknownGroupIsRefused() {
        ObjectNode lb = sample.deepCopy();
        ((ObjectNode) listener(lb, 2).withArray("rules").get(0)).put("backendGroup", "apl");
        assertThat(errors(lb))
                .containsExactly("spec: Invalid value: \"object\": a listener's rule names a backendGroup that"
                        + " spec.backendGroups does not have; add the group or correct the name");
    }

    @Test
    void aDefaultGroupNamingAnUnknownGroupIsRefused() {
        ObjectNode lb = sample.deepCopy();
        listener(lb, 1).put("defaultBackendGroup", "statik");
        assertThat(errors(lb))
                .containsExactly("spec: Invalid value: \"object\": a listener's defaultBackendGroup names a group that"
                        + " spec.backendGroups does not have; add the group or correct the name");
    }

    @Test
    void rulesWithoutAnyGroupAndRulesOnTcpAndEmptyRulesAreRefused() {
        ObjectNode noGroups = sample.deepCopy();
        noGroups.withObject("spec").remove("backendGroups");
        listener(noGroups, 1).remove("defaultBackendGroup");
        assertThat(errors(noGroups)).hasSize(1);

        ObjectNode tcp = sample.deepCopy();
        listener(tcp, 2).put("protocol", "TCP").remove("tls");
        assertThat(errors(tcp))
                .contains("spec.listeners[2]: Invalid value: \"object\": TCP listeners have no host or path to route"
                        + " by; remove rules (defaultBackendGroup picks their backends)");

        ObjectNode empty = sample.deepCopy();
        ((ObjectNode) listener(empty, 2).withArray("rules").get(0)).remove("host");
        assertThat(errors(empty))
                .containsExactly("spec.listeners[2].rules[0]: Invalid value: \"object\": a rule needs a host, a path"
                        + " or both");
    }

    @Test
    void groupNamesAreUnique() {
        ObjectNode lb = sample.deepCopy();
        ((ObjectNode) lb.withObject("spec").withArray("backendGroups").get(1)).put("name", "api");
        assertThat(errors(lb))
                .contains("spec.backendGroups: Invalid value: \"array\": backend group names must be unique");
    }

    @Test
    void aRedirectNamesAnHttpsListenerAndOnlyHttpListenersRedirect() {
        ObjectNode toHttp = sample.deepCopy();
        listener(toHttp, 0).put("redirectToListener", "assets");
        assertThat(errors(toHttp))
                .containsExactly("spec: Invalid value: \"object\": a listener's redirectToListener must name an HTTPS"
                        + " listener of this LoadBalancer");

        ObjectNode fromHttps = sample.deepCopy();
        listener(fromHttps, 2).put("redirectToListener", "secure");
        assertThat(errors(fromHttps))
                .containsExactly("spec.listeners[2]: Invalid value: \"object\": only HTTP listeners redirect to HTTPS;"
                        + " remove redirectToListener");
    }

    @Test
    void aServerStickySessionNamesTheBackendsCookieAndTcpHasNone() {
        ObjectNode server = sample.deepCopy();
        listener(server, 2).withObject("stickySession").put("type", "Server");
        assertThat(errors(server))
                .containsExactlyInAnyOrder(
                        "spec.listeners[2].stickySession: Invalid value: \"object\": type Server rewrites the backend's"
                                + " own cookie: name it in cookie (for example JSESSIONID)",
                        "spec.listeners[2].stickySession: Invalid value: \"object\": type Server keeps the backend's own"
                                + " cookie lifetime; remove cookieTimeoutSeconds");

        ObjectNode tcp = sample.deepCopy();
        listener(tcp, 1).put("protocol", "TCP").withObject("stickySession").put("type", "Insert");
        assertThat(errors(tcp))
                .contains("spec.listeners[1]: Invalid value: \"object\": TCP listeners have no cookies; remove"
                        + " stickySession");
    }

    @Test
    void sameSiteNoneNeedsAnHttpsListenerAndServerModeTakesNone() {
        ObjectNode none = sample.deepCopy();
        listener(none, 2).withObject("stickySession").put("sameSite", "None");
        assertThat(errors(none)).isEmpty();

        ObjectNode overHttp = sample.deepCopy();
        listener(overHttp, 1).withObject("stickySession").put("type", "Insert").put("sameSite", "None");
        assertThat(errors(overHttp))
                .containsExactly("spec.listeners[1]: Invalid value: \"object\": stickySession.sameSite None needs the"
                        + " Secure attribute, which browsers honour only over HTTPS and this load balancer sets only on"
                        + " HTTPS listeners: use Lax or Strict here");

        ObjectNode server = sample.deepCopy();
        listener(server, 2)
                .withObject("stickySession")
                .put("type", "Server")
                .put("cookie", "JSESSIONID")
                .put("sameSite", "Strict")
                .remove("cookieTimeoutSeconds");
        assertThat(errors(server))
                .containsExactly("spec.listeners[2].stickySession: Invalid value: \"object\": type Server keeps the"
                        + " backend's own cookie attributes; remove sameSite");
    }
}
