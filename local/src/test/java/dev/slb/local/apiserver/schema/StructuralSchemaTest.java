package dev.slb.local.apiserver.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slb.local.apiserver.json.GoValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pruning, defaulting and the OpenAPI constraints of CRD schemas, with the API server's messages, without a server. */
class StructuralSchemaTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path SAMPLES = Path.of("..", "crds", "samples");
    private static JsonNode crd;
    private static ObjectNode shared;

    @BeforeAll
    static void load() throws IOException {
        crd = YAML.readTree(CRD.toFile());
        shared = (ObjectNode) YAML.readTree(SAMPLES.resolve("shared.yaml").toFile());
    }

    /** A CRD whose one version, v1, has this openAPIV3Schema. */
    private static JsonNode crdWith(String schemaYaml) throws IOException {
        ObjectNode c = YAML.createObjectNode();
        c.putObject("metadata").put("name", "things.example.com");
        ObjectNode version = c.putObject("spec")
                .put("group", "example.com")
                .putArray("versions")
                .addObject();
        version.put("name", "v1").putObject("schema").set("openAPIV3Schema", YAML.readTree(schemaYaml));
        return c;
    }

    private static ObjectNode object(String yaml) throws IOException {
        return (ObjectNode) YAML.readTree(yaml);
    }

    private static List<String> errors(JsonNode c, JsonNode object) {
        ObjectNode prepared = StructuralSchema.apply(c, "v1", (ObjectNode) object);
        return StructuralSchema.validate(c, "v1", prepared).stream()
                .map(Violation::error)
                .toList();
    }

    private static List<String> lbErrors(JsonNode object) {
        ObjectNode prepared = StructuralSchema.apply(crd, "v1alpha1", (ObjectNode) object);
        return StructuralSchema.validate(crd, "v1alpha1", prepared).stream()
                .map(Violation::error)
                .toList();
    }

    private static ObjectNode listener(ObjectNode lb, int i) {
        return (ObjectNode) lb.withObject("spec").withArray("listeners").get(i);
    }

    // --- pruning ---

    @Test
    void unknownFieldsArePrunedAtEveryLevelButTheResourcesOwnFieldsStay() throws IOException {
        ObjectNode lb = shared.deepCopy();
        lb.put("extra", 1);
        lb.withObject("metadata").put("madeUp", "kept: metadata is ObjectMeta's business");
        lb.withObject("spec").put("color", "blue");
        listener(lb, 1).put("foo", "x").withObject("tls").put("bar", true);
        lb.putObject("status")
                .put("foo", "x")
                .putArray("listeners")
                .addObject()
                .put("name", "web")
                .put("baz", 1);

        ObjectNode pruned = StructuralSchema.apply(crd, "v1alpha1", lb);

        assertThat(pruned.has("extra")).isFalse();
        assertThat(pruned.path("apiVersion").asText()).isEqualTo("slb.dev/v1alpha1");
        assertThat(pruned.path("kind").asText()).isEqualTo("LoadBalancer");
        assertThat(pruned.path("metadata").path("madeUp").asText()).startsWith("kept");
        assertThat(pruned.path("spec").has("color")).isFalse();
        assertThat(listener(pruned, 1).has("foo")).isFalse();
        assertThat(listener(pruned, 1).path("tls").has("bar")).isFalse();
        assertThat(listener(pruned, 1).path("tls").path("secretName").asText()).isEqualTo("demo-tls");
        assertThat(pruned.path("status").has("foo")).isFalse();
        assertThat(pruned.path("status").path("listeners").get(0).has("baz")).isFalse();
        assertThat(pruned.path("status").path("listeners").get(0).path("name").asText())
                .isEqualTo("web");
        assertThat(lb.path("spec").has("color")).as("apply returns a copy").isTrue();
    }

    @Test
    void preserveUnknownFieldsKeepsWhatTheSchemaDoesNotDescribeAndStillPrunesBelowWhatItDoes() throws IOException {
        JsonNode c = crdWith("""
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              known:
                type: object
                properties:
                  a: {type: string}
              list:
                type: array
                items:
                  type: object
                  properties:
                    a: {type: string}
          loose:
            type: array
            x-kubernetes-preserve-unknown-fields: true
            items:
              type: object
              properties:
                a: {type: string}
        """);
        ObjectNode pruned = StructuralSchema.apply(c, "v1", object("""
        spec:
          anything: {deep: [1, 2, {x: y}]}
          known: {a: kept, b: pruned}
          list: [{a: kept, b: pruned}]
        loose: [{a: kept, b: kept too, items under a preserving node are not pruned}]
        """));
        assertThat(pruned.path("spec").path("anything")).isEqualTo(object("{deep: [1, 2, {x: y}]}"));
        assertThat(pruned.path("spec").path("known")).isEqualTo(object("{a: kept}"));
        assertThat(pruned.path("spec").path("list").get(0)).isEqualTo(object("{a: kept}"));
        assertThat(pruned.path("loose").get(0).size()).isEqualTo(3);
    }

    @Test
    void additionalPropertiesKeepsEveryKeyAndPrunesEachValueWithItsSchema() throws IOException {
        JsonNode c = crdWith("""
        type: object
        properties:
          labels:
            type: object
            additionalProperties: {type: string}
          ports:
            type: object
            additionalProperties:
              type: object
              properties:
                port: {type: integer}
          anyKeys:
            type: object
            additionalProperties: true
          embedded:
            type: object
            x-kubernetes-embedded-resource: true
            properties:
              spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """);
        ObjectNode pruned = StructuralSchema.apply(c, "v1", object("""
        labels: {a: "1", b: "2"}
        ports: {web: {port: 80, extra: x}}
        anyKeys: {k: v, nested: {x: 1}}
        embedded: {apiVersion: v1, kind: ConfigMap, metadata: {name: n}, spec: {x: 1}, other: 2}
        """));
        assertThat(pruned.path("labels")).isEqualTo(object("{a: '1', b: '2'}"));
        assertThat(pruned.path("ports")).isEqualTo(object("{web: {port: 80}}"));
        // additionalProperties: true keeps keys but has no schema for what is below them, so it prunes it.
        assertThat(pruned.path("anyKeys")).isEqualTo(object("{k: v, nested: {}}"));
        assertThat(pruned.path("embedded"))
                .isEqualTo(object("{apiVersion: v1, kind: ConfigMap, metadata: {name: n}, spec: {x: 1}}"));
    }

    // --- defaulting ---

    @Test
    void defaultsFillAbsentFieldsAndNonNullableNullsAndNullsWithoutADefaultAreDropped() throws IOException {
        JsonNode c = crdWith("""
        type: object
        properties:
          spec:
            type: object
            default: {}
            properties:
              mode: {type: string, default: fast}
              retries: {type: integer, default: 3}
              note: {type: string}
              keep: {type: string, nullable: true}
              nested:
                type: object
                default: {level: 1}
                properties:
                  level: {type: integer}
                  flag: {type: boolean, default: true}
              list:
                type: array
                items: {type: string, default: filler}
        """);
        assertThat(StructuralSchema.apply(c, "v1", object("{}")).path("spec"))
                .isEqualTo(object("{mode: fast, retries: 3, nested: {level: 1, flag: true}}"));
        assertThat(StructuralSchema.apply(
                                c,
                                "v1",
                                object("{spec: {mode: null, retries: 5, note: null, keep: null, list: [a, null]}}"))
                        .path("spec"))
                .isEqualTo(object(
                        "{mode: fast, retries: 5, keep: null, list: [a, filler], nested: {level: 1, flag: true}}"));
    }

    @Test
    void theCrdsDefaultsAreFilledIn() {
        ObjectNode lb = shared.deepCopy();
        ObjectNode spec = lb.withObject("spec");
        spec.remove("tier");
        ObjectNode applied = StructuralSchema.apply(crd, "v1alpha1", lb);
        assertThat(applied.path("spec").path("tier").asText()).isEqualTo("shared");
        assertThat(applied.path("spec").path("serviceType").asText()).isEqualTo("LoadBalancer");
        assertThat(listener(applied, 0).path("scheduler").asText()).isEqualTo("wrr");
        // Not defaulted by the schema: the operator does, 60 s, or 90 s on UDP listeners.
        assertThat(listener(applied, 0).has("idleTimeoutSeconds")).isFalse();
        // Not defaulted by the schema: a TCP listener has no requests (the operator defaults it for HTTP/HTTPS).
        assertThat(listener(applied, 0).has("requestTimeoutSeconds")).isFalse();
        // Not defaulted by the schema either: an absent TLS policy means the default, left out of the proxy config.
        assertThat(listener(applied, 1).path("tls").has("policy")).isFalse();
        assertThat(applied.path("spec").path("backends").get(0).path("weight").asInt())
                .isEqualTo(100);
    }

    @Test
    void everySampleIsAcceptedAndKeptAsWrittenApartFromDefaults() throws IOException {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            List<Path> samples =
                    files.filter(f -> f.toString().endsWith(".yaml")).toList();
            assertThat(samples).isNotEmpty();
            for (Path file : samples) {
                ObjectNode sample = (ObjectNode) YAML.readTree(file.toFile());
                ObjectNode applied = StructuralSchema.apply(crd, "v1alpha1", sample);
                assertContains(applied, sample, file.toString());
                assertThat(StructuralSchema.validate(crd, "v1alpha1", applied))
                        .as(file.toString())
                        .isEmpty();
                assertThat(StructuralSchema.admit(crd, "v1alpha1", applied, applied, null, false))
                        .as(file.toString())
                        .isEmpty();
            }
        }
    }

    /** Everything in {@code expected} is in {@code actual}, unchanged; {@code actual} may have more fields. */
    private static void assertContains(JsonNode actual, JsonNode expected, String where) {
        if (expected.isObject()) {
            assertThat(actual.isObject()).as(where).isTrue();
            for (Map.Entry<String, JsonNode> field : expected.properties()) {
                assertThat(actual.has(field.getKey()))
                        .as(where + "." + field.getKey())
                        .isTrue();
                assertContains(actual.get(field.getKey()), field.getValue(), where + "." + field.getKey());
            }
        } else if (expected.isArray()) {
            assertThat(actual.size()).as(where).isEqualTo(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertContains(actual.get(i), expected.get(i), where + "[" + i + "]");
            }
        } else {
            assertThat(actual).as(where).isEqualTo(expected);
        }
    }

    // --- the constraints, on the committed CRD ---

    @Test
    void aPortOutOfRangeIsRefusedWithTheBoundInTheMessage() {
        ObjectNode lb = shared.deepCopy();
        listener(lb, 0).put("port", 70000);
        listener(lb, 1).put("port", 0);
        assertThat(lbErrors(lb))
                .containsExactly(
                        "spec.listeners[0].port: Invalid value: 70000: spec.listeners[0].port in body should be less than or equal"
                                + " to 65535",
                        "spec.listeners[1].port: Invalid value: 0: spec.listeners[1].port in body should be greater than or equal"
                                + " to 1");
    }

    @Test
    void aPortThatIsNotAnIntegerIsATypeErrorAndAFractionIsStillCheckedAsANumber() {
        ObjectNode lb = shared.deepCopy();
        listener(lb, 0).put("port", "eighty");
        listener(lb, 1).put("port", 70000.5);
        assertThat(lbErrors(lb))
                .containsExactly(
                        "spec.listeners[0].port: Invalid value: \"string\": spec.listeners[0].port in body must be of type integer:"
                                + " \"string\"",
                        "spec.listeners[1].port: Invalid value: \"number\": spec.listeners[1].port in body must be of type integer:"
                                + " \"number\"",
                        "spec.listeners[1].port: Invalid value: 70000.5: spec.listeners[1].port in body should be less than or equal"
                                + " to 65535");
    }

    @Test
    void aWholeFloatIsAnInteger() {
        ObjectNode lb = shared.deepCopy();
        listener(lb, 0).put("port", 80.0);
        assertThat(lbErrors(lb)).isEmpty();
    }

    @Test
    void enumRequiredLengthPatternAndItemCountsHaveTheApiServersMessages() {
        ObjectNode lb = shared.deepCopy();
        listener(lb, 0).put("protocol", "SCTP");
        listener(lb, 1).remove("name");
        lb.withObject("spec").put("tier", "huge");
        assertThat(lbErrors(lb))
                .containsExactlyInAnyOrder(
                        "spec.listeners[0].protocol: Unsupported value: \"SCTP\": supported values: \"HTTP\", \"HTTPS\", \"TCP\", \"UDP\"",
                        "spec.listeners[1].name: Required value",
                        "spec.tier: Unsupported value: \"huge\": supported values: \"shared\", \"slb.s1.small\", \"slb.s2.medium\","
                                + " \"slb.s2.small\", \"slb.s3.large\", \"slb.s3.medium\", \"slb.s3.small\", \"slb.s3.xlarge\","
                                + " \"slb.s3.xxlarge\"");

        ObjectNode names = shared.deepCopy();
        listener(names, 0).put("name", "a-name-that-is-too-long");
        listener(names, 1).put("name", "Upper");
        assertThat(lbErrors(names))
                .containsExactly(
                        "spec.listeners[0].name: Too long: may not be more than 15 bytes",
                        "spec.listeners[1].name: Invalid value: \"Upper\": spec.listeners[1].name in body should match"
                                + " '^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$'");

        ObjectNode none = shared.deepCopy();
        none.withObject("spec").putArray("listeners");
        assertThat(lbErrors(none))
                .containsExactly(
                        "spec.listeners: Invalid value: 0: spec.listeners in body should have at least 1 items");

        ObjectNode many = shared.deepCopy();
        ArrayNode listeners = many.withObject("spec").putArray("listeners");
        for (int i = 0; i < 17; i++) {
            listeners.addObject().put("name", "l" + i).put("protocol", "TCP").put("port", 1000 + i);
        }
        assertThat(lbErrors(many)).containsExactly("spec.listeners: Too many: 17: must have at most 16 items");

        ObjectNode noSpec = shared.deepCopy();
        noSpec.remove("spec");
        // The generated CRD does not require spec at the root, so a cluster takes a LoadBalancer without one.
        assertThat(lbErrors(noSpec)).isEmpty();
    }

    @Test
    void eachErrorCarriesTheApiServersReason() {
        ObjectNode lb = shared.deepCopy();
        listener(lb, 0).put("protocol", "SCTP").put("port", "x").put("name", "n".repeat(20));
        listener(lb, 1).remove("name");
        listener(lb, 1).put("port", 70000);
        List<Violation> violations =
                StructuralSchema.validate(crd, "v1alpha1", StructuralSchema.apply(crd, "v1alpha1", lb));
        assertThat(violations)
                .extracting(Violation::field, Violation::reason)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("spec.listeners[0].name", "FieldValueTooLong"),
                        org.assertj.core.groups.Tuple.tuple("spec.listeners[0].port", "FieldValueTypeInvalid"),
                        org.assertj.core.groups.Tuple.tuple("spec.listeners[0].protocol", "FieldValueNotSupported"),
                        org.assertj.core.groups.Tuple.tuple("spec.listeners[1].port", "FieldValueInvalid"),
                        org.assertj.core.groups.Tuple.tuple("spec.listeners[1].name", "FieldValueRequired"));
    }

    // --- the constraints, one by one ---

    private static final String CONSTRAINTS = """
      type: object
      properties:
        spec:
          type: object
          properties:
            ratio: {type: number, minimum: 0, maximum: 1, exclusiveMaximum: true}
            count: {type: integer, minimum: 2, exclusiveMinimum: true, multipleOf: 2}
            code: {type: string, minLength: 3, maxLength: 5, pattern: '^[A-Z]+$'}
            level: {type: integer, enum: [1, 2, 3]}
            tags: {type: array, items: {type: string}, uniqueItems: true, minItems: 1, maxItems: 2}
            labels: {type: object, additionalProperties: {type: string}, minProperties: 1, maxProperties: 2}
            port: {x-kubernetes-int-or-string: true}
            maybe: {type: string, nullable: true}
            flag: {type: boolean}
            when: {type: string, format: date-time}
            day: {type: string, format: date}
            every: {type: string, format: duration}
            address: {type: string, format: ipv4}
            id: {type: string, format: uuid}
            blob: {type: string, format: byte}
            small: {type: integer, format: int32}
            names: {type: array, items: {type: string}, x-kubernetes-list-type: set}
            ports:
              type: array
              x-kubernetes-list-type: map
              x-kubernetes-list-map-keys: [name]
              items:
                type: object
                required: [name]
                properties:
                  name: {type: string}
                  port: {type: integer}
            routes:
              type: array
              x-kubernetes-list-type: map
              x-kubernetes-list-map-keys: [host, path]
              items:
                type: object
                properties:
                  host: {type: string}
                  path: {type: string}
          required: [code]
      """;

    private static List<String> constraintErrors(String spec) throws IOException {
        ObjectNode o = YAML.createObjectNode();
        o.set("spec", YAML.readTree(spec));
        return errors(crdWith(CONSTRAINTS), o);
    }

    @Test
    void numbers() throws IOException {
        assertThat(constraintErrors("{code: ABC, ratio: 0.5, count: 4}")).isEmpty();
        assertThat(constraintErrors("{code: ABC, ratio: 1}"))
                .containsExactly("spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1");
        assertThat(constraintErrors("{code: ABC, ratio: -0.25}"))
                .containsExactly(
                        "spec.ratio: Invalid value: -0.25: spec.ratio in body should be greater than or equal to 0");
        assertThat(constraintErrors("{code: ABC, count: 2}"))
                .containsExactly("spec.count: Invalid value: 2: spec.count in body should be greater than 2");
        assertThat(constraintErrors("{code: ABC, count: 5}"))
                .containsExactly("spec.count: Invalid value: 5: spec.count in body should be a multiple of 2");
        assertThat(constraintErrors("{code: ABC, ratio: 1500000.0}"))
                .containsExactly("spec.ratio: Invalid value: 1.5e+06: spec.ratio in body should be less than 1");
        // int32 is not among the formats the API server checks, so no range applies.
        assertThat(constraintErrors("{code: ABC, small: 9999999999}")).isEmpty();
    }

    @Test
    void strings() throws IOException {
        assertThat(constraintErrors("{code: AB}"))
                .containsExactly("spec.code: Invalid value: \"AB\": spec.code in body should be at least 3 chars long");
        assertThat(constraintErrors("{code: ABCDEF}"))
                .containsExactly("spec.code: Too long: may not be more than 5 bytes");
        assertThat(constraintErrors("{code: abc}"))
                .containsExactly("spec.code: Invalid value: \"abc\": spec.code in body should match '^[A-Z]+$'");
        assertThat(constraintErrors("{code: ÄÖÜ}"))
                .as("lengths count characters, not bytes")
                .containsExactly("spec.code: Invalid value: \"ÄÖÜ\": spec.code in body should match '^[A-Z]+$'");
        assertThat(constraintErrors("{}")).containsExactly("spec.code: Required value");
    }

    @Test
    void enumsOfNumbersListTheirValuesQuoted() throws IOException {
        assertThat(constraintErrors("{code: ABC, level: 2}")).isEmpty();
        assertThat(constraintErrors("{code: ABC, level: 5}"))
                .containsExactly("spec.level: Unsupported value: 5: supported values: \"1\", \"2\", \"3\"");
    }

    @Test
    void arraysAndMaps() throws IOException {
        assertThat(constraintErrors("{code: ABC, tags: [a, b], labels: {a: x}}"))
                .isEmpty();
        assertThat(constraintErrors("{code: ABC, tags: [a, a]}"))
                .containsExactly("spec.tags: Invalid value: \"\": spec.tags in body shouldn't contain duplicates");
        assertThat(constraintErrors("{code: ABC, tags: []}"))
                .containsExactly("spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items");
        assertThat(constraintErrors("{code: ABC, tags: [a, b, c]}"))
                .containsExactly("spec.tags: Too many: 3: must have at most 2 items");
        assertThat(constraintErrors("{code: ABC, tags: [a, 1]}"))
                .containsExactly(
                        "spec.tags[1]: Invalid value: \"integer\": spec.tags[1] in body must be of type string: \"integer\"");
        assertThat(constraintErrors("{code: ABC, labels: {}}"))
                .containsExactly(
                        "spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties");
        assertThat(constraintErrors("{code: ABC, labels: {a: x, b: y, c: z}}"))
                .containsExactly("spec.labels: Too many: 3: must have at most 2 items");
        assertThat(constraintErrors("{code: ABC, labels: {a: 1}}"))
                .containsExactly(
                        "spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"");
        assertThat(constraintErrors("{code: ABC, tags: {a: b}}"))
                .containsExactly(
                        "spec.tags: Invalid value: \"object\": spec.tags in body must be of type array: \"object\"");
    }

    @Test
    void intOrStringNullableAndBooleans() throws IOException {
        assertThat(constraintErrors("{code: ABC, port: 80, maybe: null, flag: true}"))
                .isEmpty();
        assertThat(constraintErrors("{code: ABC, port: http}")).isEmpty();
        assertThat(constraintErrors("{code: ABC, port: true}"))
                .containsExactly(
                        "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"");
        assertThat(constraintErrors("{code: ABC, flag: 'yes'}"))
                .containsExactly(
                        "spec.flag: Invalid value: \"string\": spec.flag in body must be of type boolean: \"string\"");
        assertThat(constraintErrors("{code: ABC, tags: [a, null]}"))
                .containsExactly(
                        "spec.tags[1]: Invalid value: \"null\": spec.tags[1] in body must be of type string: \"null\"");
    }

    @Test
    void formatsTheApiServerChecks() throws IOException {
        assertThat(constraintErrors("{code: ABC, when: '2024-02-29T12:30:00Z', day: '2024-02-29', every: 1h30m,"
                        + " address: 192.0.2.1, id: 123e4567-e89b-12d3-a456-426614174000, blob: aGVsbG8=}"))
                .isEmpty();
        assertThat(constraintErrors("{code: ABC, every: 3 days}")).isEmpty();
        assertThat(constraintErrors("{code: ABC, when: yesterday}"))
                .containsExactly(
                        "spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"");
        assertThat(constraintErrors("{code: ABC, when: '2024-02-29T25:00:00Z'}"))
                .hasSize(1);
        assertThat(constraintErrors("{code: ABC, day: '2023-02-29'}"))
                .containsExactly(
                        "spec.day: Invalid value: \"2023-02-29\": spec.day in body must be of type date: \"2023-02-29\"");
        assertThat(constraintErrors("{code: ABC, every: soon}"))
                .containsExactly(
                        "spec.every: Invalid value: \"soon\": spec.every in body must be of type duration: \"soon\"");
        assertThat(constraintErrors("{code: ABC, address: 300.1.1.1}"))
                .containsExactly(
                        "spec.address: Invalid value: \"300.1.1.1\": spec.address in body must be of type ipv4: \"300.1.1.1\"");
        assertThat(constraintErrors("{code: ABC, id: not-a-uuid}")).hasSize(1);
        assertThat(constraintErrors("{code: ABC, blob: '!!'}")).hasSize(1);
    }

    @Test
    void listTypeSetAndMapItemsMustBeUnique() throws IOException {
        assertThat(constraintErrors("{code: ABC, names: [a, b], ports: [{name: a}, {name: b}],"
                        + " routes: [{host: h, path: /a}, {host: h, path: /b}]}"))
                .isEmpty();
        assertThat(constraintErrors("{code: ABC, names: [a, b, a, a]}"))
                .containsExactly("spec.names[2]: Duplicate value: \"a\"");
        assertThat(constraintErrors("{code: ABC, ports: [{name: web, port: 80}, {name: web, port: 81}]}"))
                .containsExactly("spec.ports[1]: Duplicate value: map[string]interface {}{\"name\":\"web\"}");
        assertThat(constraintErrors("{code: ABC, routes: [{host: h, path: /a}, {path: /a, host: h}]}"))
                .containsExactly(
                        "spec.routes[1]: Duplicate value: map[string]interface {}{\"host\":\"h\", \"path\":\"/a\"}");
    }

    // --- updates and the status subresource ---

    @Test
    void anUnchangedInvalidValueIsRatchetedOnUpdateButAChangedOneIsNot() {
        ObjectNode old = StructuralSchema.apply(crd, "v1alpha1", shared);
        listener(old, 0).put("port", 70000); // stored before a tighter schema, say
        ObjectNode unchanged = old.deepCopy();
        unchanged.withObject("spec").put("tier", "slb.s1.small");
        assertThat(StructuralSchema.validate(crd, "v1alpha1", unchanged, old, false))
                .isEmpty();

        ObjectNode changed = unchanged.deepCopy();
        listener(changed, 0).put("port", 70001);
        assertThat(StructuralSchema.validate(crd, "v1alpha1", changed, old, false))
                .extracting(Violation::error)
                .containsExactly("spec.listeners[0].port: Invalid value: 70001:"
                        + " spec.listeners[0].port in body should be less than or equal to 65535");
    }

    @Test
    void aStatusWriteChecksTheStatusOnlyWithPathsInsideIt() {
        ObjectNode lb = StructuralSchema.apply(crd, "v1alpha1", shared);
        listener(lb, 0).put("port", 70000); // the spec is not the status write's business
        ObjectNode status = lb.putObject("status");
        status.put("replicas", "two").put("tier", "gold");
        status.putArray("conditions").addObject().put("type", "Ready").put("observedGeneration", "one");
        assertThat(StructuralSchema.validate(crd, "v1alpha1", lb, lb, true))
                .extracting(Violation::error)
                .containsExactlyInAnyOrder(
                        "status.replicas: Invalid value: \"string\": replicas in body must be of type integer: \"string\"",
                        "status.tier: Unsupported value: \"gold\": supported values: \"shared\", \"slb.s1.small\","
                                + " \"slb.s2.medium\", \"slb.s2.small\", \"slb.s3.large\", \"slb.s3.medium\", \"slb.s3.small\","
                                + " \"slb.s3.xlarge\", \"slb.s3.xxlarge\"",
                        "status.conditions[0].observedGeneration: Invalid value: \"string\": conditions[0].observedGeneration in"
                                + " body must be of type integer: \"string\"");
    }

    // --- admission: prune, default, schema, CEL ---

    @Test
    void admitPrunesAndDefaultsInPlaceAndABlockingErrorStopsTheRules() {
        ObjectNode lb = shared.deepCopy();
        listener(lb, 0).put("port", "eighty").put("unknown", 1);
        listener(lb, 1).put("name", "web"); // a CEL error, not reached
        List<Violation> violations = StructuralSchema.admit(crd, "v1alpha1", lb, lb, null, false);
        assertThat(listener(lb, 0).has("unknown")).isFalse();
        assertThat(listener(lb, 0).path("scheduler").asText()).isEqualTo("wrr");
        assertThat(violations)
                .extracting(Violation::error)
                .containsExactly(
                        "spec.listeners[0].port: Invalid value: \"string\": spec.listeners[0].port in body must be of type integer:"
                                + " \"string\"",
                        "<nil>: Invalid value: \"null\": " + StructuralSchema.RULES_NOT_CHECKED);
        assertThat(CelValidation.statusMessage("LoadBalancer", "slb.dev", "demo", violations))
                .isEqualTo(
                        "LoadBalancer.slb.dev \"demo\" is invalid: [spec.listeners[0].port: Invalid value: \"string\":"
                                + " spec.listeners[0].port in body must be of type integer: \"string\", <nil>: Invalid value: \"null\":"
                                + " some validation rules were not checked because the object was invalid; correct the existing errors"
                                + " to complete validation]");
    }

    @Test
    void aNonBlockingSchemaErrorIsReportedWithTheRulesErrors() {
        ObjectNode lb = shared.deepCopy();
        listener(lb, 0).put("port", 70000);
        listener(lb, 1).put("name", "web");
        assertThat(StructuralSchema.admit(crd, "v1alpha1", lb, lb, null, false))
                .extracting(Violation::error)
                .containsExactly(
                        "spec.listeners[0].port: Invalid value: 70000: spec.listeners[0].port in body should be less than or"
                                + " equal to 65535",
                        "spec.listeners: Invalid value: \"array\": listener names must be unique");
    }

    @Test
    void aStatusWritePrunesTheNewStatusOfTheWholeObject() throws IOException {
        ObjectNode stored = StructuralSchema.apply(crd, "v1alpha1", shared);
        ObjectNode request = stored.deepCopy();
        request.putObject("status").put("foo", "x").put("tier", "shared");
        ObjectNode whole = stored.deepCopy();
        whole.set("status", request.get("status"));
        assertThat(StructuralSchema.admit(crd, "v1alpha1", request, whole, stored, true))
                .isEmpty();
        assertThat(request.path("status")).isEqualTo(object("{tier: shared}"));
        assertThat(whole.path("status")).isEqualTo(object("{tier: shared}"));
    }

    // --- Go's printing ---

    @Test
    void floatsPrintAsGoPrintsThem() {
        assertThat(GoValues.floatV(65535.0)).isEqualTo("65535");
        assertThat(GoValues.floatV(0.5)).isEqualTo("0.5");
        assertThat(GoValues.floatV(999999.0)).isEqualTo("999999");
        assertThat(GoValues.floatV(1e6)).isEqualTo("1e+06");
        assertThat(GoValues.floatV(1.5e-5)).isEqualTo("1.5e-05");
        assertThat(GoValues.floatV(-2.25e21)).isEqualTo("-2.25e+21");
        assertThat(GoValues.quote("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
    }
}
