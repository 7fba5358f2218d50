package dev.slb.local.apiserver.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed CRD's CEL rules, and the API server's ways with rules in general, without a server. */
class CelValidationTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path SAMPLES = Path.of("..", "crds", "samples");
    private static JsonNode crd;
    private static ObjectNode shared;
    /** The TCP sample: listener 0 plain, listener 1 with persistence. */
    private static ObjectNode tcp;

    @BeforeAll
    static void load() throws IOException {
        crd = YAML.readTree(CRD.toFile());
        shared = (ObjectNode) YAML.readTree(SAMPLES.resolve("shared.yaml").toFile());
        tcp = (ObjectNode) YAML.readTree(SAMPLES.resolve("tcp.yaml").toFile());
    }

    private static List<String> errors(JsonNode object, JsonNode old) {
        return CelValidation.validate(crd, "v1alpha1", object, old).stream()
                .map(Violation::error)
                .toList();
    }

    private static ObjectNode demo() {
        return shared.deepCopy();
    }

    private static ObjectNode listener(ObjectNode lb, int i) {
        return (ObjectNode) lb.withObject("spec").withArray("listeners").get(i);
    }

    private static ObjectNode backend(ObjectNode lb, int i) {
        return (ObjectNode) lb.withObject("spec").withArray("backends").get(i);
    }

    @Test
    void everySampleIsValidOnCreateAndOnANoChangeUpdate() throws IOException {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                JsonNode sample = YAML.readTree(file.toFile());
                assertThat(errors(sample, null)).as(file.toString()).isEmpty();
                assertThat(errors(sample, sample)).as(file.toString()).isEmpty();
            }
        }
    }

    @Test
    void aBackendNamesEitherAServiceOrAnAddress() {
        ObjectNode neither = demo();
        backend(neither, 0).remove("service");
        assertThat(errors(neither, null))
                .containsExactly("spec.backends[0]: Invalid value: \"object\": a backend names"
                        + " either service or address, not both and not neither");

        ObjectNode both = demo();
        backend(both, 0).put("address", "192.0.2.1").put("port", 8080);
        assertThat(errors(both, null))
                .containsExactly(
                        "spec.backends[0]: Invalid value: \"object\": a backend names either service or address, not both and not"
                                + " neither",
                        "spec.backends[0]: Invalid value: \"object\": a service backend takes its port from service.port; remove port");
    }

    @Test
    void aStaticAddressBackendNeedsAPortAndAServiceBackendTakesNone() {
        ObjectNode address = demo();
        ArrayNode backends = address.withObject("spec").putArray("backends");
        backends.addObject().put("address", "192.0.2.1");
        assertThat(errors(address, null))
                .containsExactly("spec.backends[0]: Invalid value: \"object\": a static address backend needs a port");
        ((ObjectNode) backends.get(0)).put("port", 8080);
        assertThat(errors(address, null)).isEmpty();

        ObjectNode service = demo();
        backend(service, 0).put("port", 8080);
        assertThat(errors(service, null))
                .containsExactly("spec.backends[0]: Invalid value: \"object\": a service backend"
                        + " takes its port from service.port; remove port");
    }

    @Test
    void onlyHttpsListenersTakeTlsAndThoseNeedIt() {
        ObjectNode noTls = demo();
        listener(noTls, 1).remove("tls");
        assertThat(errors(noTls, null))
                .containsExactly("spec.listeners[1]: Invalid value: \"object\": an HTTPS listener"
                        + " needs tls.secretName (a kubernetes.io/tls Secret)");

        ObjectNode httpTls = demo();
        listener(httpTls, 0).putObject("tls").put("secretName", "x");
        assertThat(errors(httpTls, null))
                .containsExactly("spec.listeners[0]: Invalid value: \"object\": only HTTPS listeners take tls");
    }

    @Test
    void aListenerNameHasALetterNoDoubleDashAndIsNotAdmin() {
        String refusal = "spec.listeners[0]: Invalid value: \"object\": a listener name needs a letter, has no '--' and"
                + " is not 'admin' (it names a container port)";
        for (String name : List.of("8080", "a--b", "admin")) {
            ObjectNode lb = demo();
            listener(lb, 0).put("name", name);
            assertThat(errors(lb, null)).as(name).containsExactly(refusal);
        }
        ObjectNode fine = demo();
        listener(fine, 0).put("name", "h2-80");
        assertThat(errors(fine, null)).isEmpty();
    }

    @Test
    void tcpListenersTakeNoWebsocketKeepalive() {
        ObjectNode tcp = demo();
        listener(tcp, 0).put("protocol", "TCP").put("websocketKeepaliveSeconds", 30);
        assertThat(errors(tcp, null))
                .containsExactly("spec.listeners[0]: Invalid value: \"object\": TCP listeners carry"
                        + " no WebSocket; remove websocketKeepaliveSeconds");
        listener(tcp, 0).put("protocol", "HTTP");
        assertThat(errors(tcp, null)).isEmpty();
    }

    @Test
    void http2IsForHttpsListenersAndCompressionNotForTcp() {
        ObjectNode lb = demo();
        listener(lb, 0).put("protocol", "HTTP").put("http2", true);
        assertThat(errors(lb, null))
                .containsExactly("spec.listeners[0]: Invalid value: \"object\": only HTTPS listeners speak HTTP/2"
                        + " (it is negotiated in the TLS handshake); remove http2");
        listener(lb, 0).remove("http2");
        listener(lb, 0).put("protocol", "TCP").put("compression", false);
        assertThat(errors(lb, null))
                .containsExactly("spec.listeners[0]: Invalid value: \"object\": TCP listeners relay bytes and"
                        + " compress nothing; remove compression");
        listener(lb, 0).put("protocol", "HTTP");
        assertThat(errors(lb, null)).isEmpty();
    }

    @Test
    void trustedProxyProtocolPeersNeedProxyProtocol() {
        ObjectNode lb = demo();
        listener(lb, 0).putArray("proxyProtocolTrustedCidrs").add("10.0.0.0/8");
        assertThat(errors(lb, null))
                .containsExactly("spec.listeners[0]: Invalid value: \"object\": proxyProtocolTrustedCidrs names who"
                        + " may send a PROXY protocol header: set proxyProtocol: true, or remove it");
        listener(lb, 0).put("proxyProtocol", false);
        assertThat(errors(lb, null)).hasSize(1);
        listener(lb, 0).put("proxyProtocol", true);
        assertThat(errors(lb, null)).isEmpty();
    }

    /** The Service annotations' rules run here as in a cluster: over the map's keys, with their own messages. */
    @Test
    void serviceAnnotationsKeepOffTheOperatorsPrefixAndHaveQualifiedNameLengths() {
        ObjectNode lb = demo();
        ObjectNode annotations = lb.withObject("spec").withObject("service").withObject("annotations");
        annotations.put("service.beta.kubernetes.io/aws-load-balancer-internal", "true");
        assertThat(errors(lb, null)).isEmpty();

        annotations.put("slb.dev/proxy-protocol-ports", "web");
        assertThat(errors(lb, null))
                .singleElement()
                .asString()
                .startsWith("spec.service.annotations: Invalid value: ")
                .contains("annotations under slb.dev/ are the operator's own");

        annotations.remove("slb.dev/proxy-protocol-ports");
        annotations.put("a".repeat(254) + "/" + "b".repeat(63), "x");
        assertThat(errors(lb, null)).singleElement().asString().contains("an annotation key is at most 317 characters");
    }

    @Test
    void listenerNamesAndPortsAreUnique() {
        ObjectNode names = demo();
        listener(names, 1).put("name", "web");
        assertThat(errors(names, null))
                .containsExactly("spec.listeners: Invalid value: \"array\": listener names must be unique");

        ObjectNode ports = demo();
        listener(ports, 1).put("port", 80);
        assertThat(errors(ports, null))
                .containsExactly(
                        "spec.listeners: Invalid value: \"array\": listener ports must be unique (TCP, HTTP and"
                                + " HTTPS listeners all use TCP, so none of them may share a port)");
    }

    @Test
    void aGuaranteedTierCannotGoBackToSharedButATransitionRuleNeedsAnOldObject() {
        String refusal = "spec: Invalid value: \"object\": a guaranteed-performance tier cannot be changed back to"
                + " shared; keep the tier, or create a new shared LoadBalancer and move traffic to it";
        ObjectNode guaranteed = demo();
        guaranteed.withObject("spec").put("tier", "slb.s2.small");
        ObjectNode backToShared = demo();

        assertThat(errors(backToShared, null)).as("create").isEmpty();
        assertThat(errors(backToShared, guaranteed)).containsExactly(refusal);
        assertThat(errors(guaranteed, backToShared)).as("raising the tier").isEmpty();
        ObjectNode larger = guaranteed.deepCopy();
        larger.withObject("spec").put("tier", "slb.s3.small");
        assertThat(errors(larger, guaranteed)).isEmpty();

        // As in a cluster, the rule sees the schema default: a removed tier is the shared tier.
        ObjectNode removed = guaranteed.deepCopy();
        removed.withObject("spec").remove("tier");
        assertThat(errors(removed, guaranteed)).containsExactly(refusal);
    }

    @Test
    void severalBrokenRulesAreAllReportedInTheOrderOfTheObject() {
        ObjectNode lb = demo();
        backend(lb, 0).put("port", 1);
        listener(lb, 1).put("name", "web").remove("tls");
        List<Violation> violations = CelValidation.validate(crd, "v1alpha1", lb, null);
        assertThat(violations)
                .extracting(Violation::field)
                .containsExactly("spec.listeners", "spec.listeners[1]", "spec.backends[0]");
        assertThat(violations).extracting(Violation::reason).containsOnly("FieldValueInvalid");
        assertThat(violations.get(0).message()).isEqualTo("Invalid value: \"array\": listener names must be unique");
        assertThat(CelValidation.statusMessage("LoadBalancer", "slb.dev", "demo", violations))
                .startsWith(
                        "LoadBalancer.slb.dev \"demo\" is invalid: [spec.listeners: Invalid value: \"array\": listener"
                                + " names must be unique, spec.listeners[1]: Invalid value: \"object\": an HTTPS listener needs")
                .endsWith("remove port]");
        assertThat(CelValidation.statusMessage("LoadBalancer", "slb.dev", "demo", violations.subList(0, 1)))
                .isEqualTo(
                        "LoadBalancer.slb.dev \"demo\" is invalid: spec.listeners: Invalid value: \"array\": listener names"
                                + " must be unique");
    }

    @Test
    void anUnchangedValueThatBreaksARuleIsRatchetedOnUpdate() {
        // Stored before the rule existed (or while it was not enforced): duplicate listener names.
        ObjectNode stored = demo();
        listener(stored, 1).put("name", "web");
        String refusal = "spec.listeners: Invalid value: \"array\": listener names must be unique";

        ObjectNode statusOnly = stored.deepCopy();
        statusOnly.putObject("status").put("tier", "shared");
        assertThat(errors(statusOnly, stored)).isEmpty();
        ObjectNode otherField = stored.deepCopy();
        backend(otherField, 0).put("weight", 50);
        assertThat(errors(otherField, stored)).isEmpty();

        ObjectNode touched = stored.deepCopy();
        listener(touched, 0).put("port", 8080);
        assertThat(errors(touched, stored)).containsExactly(refusal);
        assertThat(errors(stored, null)).as("create").containsExactly(refusal);
    }

    @Test
    void prunedFieldsAreInvisibleAndRootMetadataShowsOnlyTheName() throws IOException {
        JsonNode rules = crdWith("""
        type: object
        x-kubernetes-validations:
        - rule: "self.metadata.name.startsWith('lb-') && !has(self.metadata.labels)"
          message: name must start with lb-
        - rule: "!has(self.spec.extra)"
        properties:
          spec:
            type: object
            properties:
              port: {type: integer}
        """);
        ObjectNode lb = (ObjectNode) YAML.readTree("""
        apiVersion: slb.dev/v1alpha1
        kind: LoadBalancer
        metadata: {name: demo, labels: {a: b}}
        spec: {port: 80, extra: pruned}
        """);
        List<Violation> violations = CelValidation.validate(rules, "v1alpha1", lb, null);
        assertThat(violations)
                .extracting(Violation::error)
                .containsExactly("<nil>: Invalid value: \"object\": name must start with lb-");
        lb.withObject("metadata").put("name", "lb-demo");
        assertThat(CelValidation.validate(rules, "v1alpha1", lb, null)).isEmpty();
    }

    @Test
    void messageExpressionFieldPathAndReasonShapeTheError() throws IOException {
        JsonNode rules = crdWith("""
        type: object
        properties:
          spec:
            type: object
            properties:
              ports:
                type: array
                items: {type: integer}
                x-kubernetes-validations:
                - rule: "self.all(p, p >= 1024)"
                  messageExpression: >-
                    'ports below 1024 are taken: ' + self.filter(p, p < 1024).map(p, string(p)).join(', ')
              host:
                type: object
                properties:
                  name: {type: string}
                x-kubernetes-validations:
                - rule: "self.name != 'localhost'"
                  message: localhost is not reachable
                  fieldPath: .name
                  reason: FieldValueForbidden
                - rule: "self.name != ''"
                  messageExpression: "''"
                  message: name is empty
                  reason: FieldValueRequired
              tags:
                type: array
                items: {type: string}
                x-kubernetes-validations:
                - rule: "self.all(t, self.exists_one(u, u == t))"
                  reason: FieldValueDuplicate
        """);
        JsonNode lb = YAML.readTree("""
        metadata: {name: demo}
        spec: {ports: [80, 8080, 443], host: {name: localhost}, tags: [a, a]}
        """);
        assertThat(CelValidation.validate(rules, "v1alpha1", lb, null))
                .containsExactly(
                        new Violation(
                                "spec.ports",
                                "Invalid value: \"array\": ports below 1024 are taken: 80, 443",
                                "FieldValueInvalid"),
                        new Violation("spec.host.name", "Forbidden: localhost is not reachable", "FieldValueForbidden"),
                        new Violation("spec.tags", "Duplicate value: \"array\"", "FieldValueDuplicate"));

        JsonNode empty = YAML.readTree("{metadata: {name: demo}, spec: {host: {name: ''}}}");
        // A messageExpression that gives an empty string falls back to the message.
        assertThat(CelValidation.validate(rules, "v1alpha1", empty, null))
                .extracting(Violation::error)
                .containsExactly("spec.host: Required value: name is empty");
    }

    @Test
    void anEvaluationErrorIsReportedWithTheRule() throws IOException {
        JsonNode rules = crdWith("""
        type: object
        properties:
          spec:
            type: object
            properties:
              mode: {type: string}
            x-kubernetes-validations:
            - rule: "self.mode == 'fast'"
        """);
        assertThat(CelValidation.validate(rules, "v1alpha1", YAML.readTree("{spec: {}}"), null))
                .extracting(Violation::error)
                .containsExactly(
                        "spec: Invalid value: \"object\": no such key: mode evaluating rule: self.mode == 'fast'");
    }

    @Test
    void aRuleThatDoesNotCompileIsSkippedAndTheOthersStillHold() throws IOException {
        ObjectNode broken = crd.deepCopy();
        ObjectNode listeners = (ObjectNode)
                broken.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties" + "/listeners");
        listeners
                .withArray("x-kubernetes-validations")
                .addObject()
                .put("rule", "self.all(l, l.name.(")
                .put("message", "x");
        listeners.withArray("x-kubernetes-validations").addObject().put("rule", "self.size() + 'one'");
        listeners.withArray("x-kubernetes-validations").addObject().put("rule", "self.size()");

        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(CelValidation.validate(broken, "v1alpha1", shared, null))
                        .isEmpty();
            }
        } finally {
            System.setErr(err);
        }
        String warnings = log.toString(StandardCharsets.UTF_8);
        // Each reported once, not on every write.
        assertThat(warnings.split("WARN .*self.size\\(\\) \\+ 'one'", -1)).hasSize(2);
        assertThat(warnings)
                .contains("found no matching overload for '_+_' applied to '(int, string)'")
                .contains("Syntax error")
                .contains("a rule must evaluate to a bool");
        ObjectNode duplicate = demo();
        listener(duplicate, 1).put("name", "web");
        assertThat(CelValidation.validate(broken, "v1alpha1", duplicate, null))
                .extracting(Violation::error)
                .containsExactly("spec.listeners: Invalid value: \"array\": listener names must be unique");
    }

    @Test
    void aVersionWithoutRulesOrUnknownValidatesNothing() {
        ObjectNode noRules = crd.deepCopy();
        ((ObjectNode) noRules.at("/spec/versions/0"))
                .putObject("schema")
                .putObject("openAPIV3Schema")
                .put("type", "object");
        ObjectNode lb = demo();
        listener(lb, 1).put("name", "web");
        assertThat(CelValidation.validate(noRules, "v1alpha1", lb, null)).isEmpty();
        assertThat(CelValidation.validate(crd, "v1", lb, null)).isEmpty();
    }

    @Test
    void fieldPathsAreNormalizedAgainstTheSchema() throws IOException {
        JsonNode schema = YAML.readTree("""
        type: object
        properties:
          a:
            type: object
            properties:
              "b.c": {type: string}
          m:
            type: object
            additionalProperties: {type: object, properties: {x: {type: string}}}
        """);
        assertThat(CelRules.normalizeFieldPath(".a['b.c']", schema)).isEqualTo("a.b.c");
        assertThat(CelRules.normalizeFieldPath(".m.k1.x", schema)).isEqualTo("m[k1].x");
        assertThatThrownBy(() -> CelRules.normalizeFieldPath(".nope", schema))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CelRules.normalizeFieldPath(".a[0]", schema))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A CRD of one version, v1alpha1, with the given openAPIV3Schema. */
    private static JsonNode crdWith(String schemaYaml) throws IOException {
        ObjectNode crd = (ObjectNode) YAML.readTree("""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: loadbalancers.slb.dev}
        spec:
          group: slb.dev
          names: {kind: LoadBalancer, plural: loadbalancers}
          versions:
          - name: v1alpha1
            schema: {}
        """);
        ((ObjectNode) crd.at("/spec/versions/0/schema")).set("openAPIV3Schema", YAML.readTree(schemaYaml));
        return crd;
    }

    @Test
    void persistenceIsForTcpListenersOnly() {
        assertThat(listener(tcp, 1).has("persistence")).isTrue();
        ObjectNode lb = tcp.deepCopy();
        listener(lb, 1).put("protocol", "HTTP");
        assertThat(errors(lb, null))
                .containsExactly("spec.listeners[1]: Invalid value: \"object\": only TCP and UDP listeners keep"
                        + " clients by source address; HTTP and HTTPS listeners use stickySession");
    }

    @Test
    void aUdpListenerTakesPersistenceAndV2AndRefusesWhatOnlyStreamsOrHttpHave() {
        ObjectNode lb = tcp.deepCopy();
        listener(lb, 1).put("protocol", "UDP").put("backendProxyProtocol", "v2");
        // A UDP listener on a TCP listener's port number is another port.
        listener(lb, 1).put("port", 5432);
        assertThat(errors(lb, null)).isEmpty();

        listener(lb, 1).put("backendProxyProtocol", "v1").put("proxyProtocol", true);
        listener(lb, 1).withObject("stickySession").put("type", "Insert");
        listener(lb, 1).withObject("healthCheck").put("protocol", "UDP");
        listener(lb, 0).withObject("healthCheck").put("protocol", "UDP");
        assertThat(errors(lb, null))
                .containsExactlyInAnyOrder(
                        "spec.listeners[0]: Invalid value: \"object\": healthCheck.protocol UDP checks the backends of"
                                + " UDP listeners; use TCP or HTTP here",
                        "spec.listeners[1]: Invalid value: \"object\": a UDP listener sends backendProxyProtocol v2"
                                + " only (v2 names a datagram flow; v1 is a text line for TCP streams): use v2",
                        "spec.listeners[1]: Invalid value: \"object\": a UDP listener reads no PROXY protocol header"
                                + " (an outer load balancer sends one per TCP connection): remove proxyProtocol",
                        "spec.listeners[1]: Invalid value: \"object\": a UDP listener relays datagrams: it has no"
                                + " requests, cookies, headers or WebSocket; remove rules, stickySession,"
                                + " forwardedHeaders, websocketKeepaliveSeconds and compression");

        ObjectNode twoUdp = tcp.deepCopy();
        listener(twoUdp, 0).put("protocol", "UDP");
        listener(twoUdp, 1).put("protocol", "UDP").put("port", 5432);
        assertThat(errors(twoUdp, null))
                .containsExactly("spec.listeners: Invalid value: \"array\": listener ports must be unique (TCP, HTTP"
                        + " and HTTPS listeners all use TCP, so none of them may share a port)");
    }

    @Test
    void theBackendProxyHeaderIsTakenOnTcpAndRefusedOnHttp() {
        ObjectNode lb = tcp.deepCopy();
        listener(lb, 0).put("backendProxyProtocol", "v2");
        assertThat(errors(lb, null)).isEmpty();
        listener(lb, 1).remove("persistence");
        listener(lb, 1).put("protocol", "HTTP").put("backendProxyProtocol", "v1");
        assertThat(errors(lb, null))
                .containsExactly("spec.listeners[1]: Invalid value: \"object\": only TCP and UDP listeners send a"
                        + " PROXY protocol header to backends; HTTP and HTTPS listeners tell them the client in"
                        + " X-Forwarded-For");
    }

    @Test
    void aTcpListenerSharesNoPortWithAnHttpOne() {
        ObjectNode lb = tcp.deepCopy();
        listener(lb, 1).remove("persistence");
        listener(lb, 1).put("protocol", "HTTP").put("port", 5432);
        assertThat(errors(lb, null))
                .containsExactly("spec.listeners: Invalid value: \"array\": listener ports must be unique (TCP, HTTP"
                        + " and HTTPS listeners all use TCP, so none of them may share a port)");
    }
}
