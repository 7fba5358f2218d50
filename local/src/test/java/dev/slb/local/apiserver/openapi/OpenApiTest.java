package dev.slb.local.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slb.local.apiserver.kinds.BuiltinKinds;
import dev.slb.local.apiserver.kinds.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAPI documents built for the committed LoadBalancer CRD and the built-in kinds. */
class OpenApiTest {

    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final String REF = "#/components/schemas/";
    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode crd;
    private static OpenApi.Documents docs;

    @BeforeAll
    static void build() throws IOException {
        crd = new ObjectMapper(new YAMLFactory()).readTree(CRD.toFile());
        docs = new OpenApi().documents(List.of(crd));
    }

    @Test
    void indexPointsAtEachGroupVersionWithAContentHash() {
        JsonNode paths = docs.index().path("paths");
        assertThat(paths.path("apis/slb.dev/v1alpha1").path("serverRelativeURL").asText())
                .matches("/openapi/v3/apis/slb\\.dev/v1alpha1\\?hash=[0-9A-F]{128}");
        assertThat(paths.path("api/v1").path("serverRelativeURL").asText()).startsWith("/openapi/v3/api/v1?hash=");
        List<String> groupVersions = new ArrayList<>();
        paths.fieldNames().forEachRemaining(groupVersions::add);
        assertThat(groupVersions)
                .contains(
                        "apis/apps/v1",
                        "apis/rbac.authorization.k8s.io/v1",
                        "apis/discovery.k8s.io/v1",
                        "apis/coordination.k8s.io/v1",
                        "apis/events.k8s.io/v1",
                        "apis/apiextensions.k8s.io/v1",
                        "apis/policy/v1");
    }

    @Test
    void crdSchemaGetsTypeMetaObjectMetaAndItsGroupVersionKind() {
        JsonNode schemas = slbDocument().path("components").path("schemas");
        JsonNode lb = schemas.path("dev.slb.v1alpha1.LoadBalancer");
        assertThat(lb.path("x-kubernetes-group-version-kind").toString())
                .isEqualTo("[{\"group\":\"slb.dev\",\"kind\":\"LoadBalancer\",\"version\":\"v1alpha1\"}]");
        assertThat(lb.path("properties").path("apiVersion").path("type").asText())
                .isEqualTo("string");
        assertThat(lb.path("properties").path("kind").path("type").asText()).isEqualTo("string");
        assertThat(lb.path("properties")
                        .path("metadata")
                        .path("allOf")
                        .get(0)
                        .path("$ref")
                        .asText())
                .isEqualTo(REF + META + "ObjectMeta");
        assertThat(schemas.path(META + "ObjectMeta")
                        .path("properties")
                        .path("labels")
                        .path("additionalProperties")
                        .path("type")
                        .asText())
                .isEqualTo("string");
        JsonNode tier = lb.at("/properties/spec/properties/tier");
        assertThat(tier.path("description").asText()).startsWith("Instance tier: shared");
        assertThat(tier.path("enum").toString()).contains("slb.s3.xxlarge");
        assertThat(lb.at("/properties/spec/required").toString()).isEqualTo("[\"listeners\"]");
        // The CRD as stored is left alone.
        assertThat(crd.at("/spec/versions/0/schema/openAPIV3Schema/properties").has("metadata"))
                .isFalse();
    }

    @Test
    void crdListTypeHoldsItsItems() {
        JsonNode list = slbDocument().path("components").path("schemas").path("dev.slb.v1alpha1.LoadBalancerList");
        assertThat(list.path("x-kubernetes-group-version-kind")
                        .get(0)
                        .path("kind")
                        .asText())
                .isEqualTo("LoadBalancerList");
        assertThat(list.at("/properties/items/items/$ref").asText()).isEqualTo(REF + "dev.slb.v1alpha1.LoadBalancer");
        assertThat(list.at("/properties/metadata/allOf/0/$ref").asText()).isEqualTo(REF + META + "ListMeta");
    }

    @Test
    void operationsNameTheirKindAndDeclareNoServerSideFieldValidation() {
        JsonNode doc = slbDocument();
        JsonNode item = doc.path("paths").path("/apis/slb.dev/v1alpha1/namespaces/{namespace}/loadbalancers/{name}");
        JsonNode patch = item.path("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind").toString())
                .isEqualTo("{\"group\":\"slb.dev\",\"kind\":\"LoadBalancer\",\"version\":\"v1alpha1\"}");
        assertThat(patch.path("x-kubernetes-action").asText()).isEqualTo("patch");
        List<String> patchTypes = new ArrayList<>();
        patch.path("requestBody").path("content").fieldNames().forEachRemaining(patchTypes::add);
        assertThat(patchTypes).containsExactly("application/json-patch+json", "application/merge-patch+json");
        assertThat(item.has("get")).isTrue();
        assertThat(item.has("put")).isTrue();
        assertThat(item.has("delete")).isTrue();
        assertThat(doc.path("paths").has("/apis/slb.dev/v1alpha1/namespaces/{namespace}/loadbalancers/{name}/status"))
                .isTrue();
        assertThat(doc.path("paths")
                        .path("/apis/slb.dev/v1alpha1/loadbalancers")
                        .path("get")
                        .path("x-kubernetes-action")
                        .asText())
                .isEqualTo("list");
        // Declaring fieldValidation would make kubectl leave validation to this server, which does none.
        List<String> parameters = new ArrayList<>();
        docs.groupVersions()
                .values()
                .forEach(d -> d.path("paths").forEach(pathItem -> {
                    pathItem.path("parameters")
                            .forEach(p -> parameters.add(p.path("name").asText()));
                    pathItem.forEach(op -> op.path("parameters")
                            .forEach(p -> parameters.add(p.path("name").asText())));
                }));
        assertThat(parameters).isNotEmpty().containsOnly("name", "namespace");
    }

    @Test
    void deploymentSchemaComesFromFabric8Classes() {
        JsonNode schemas =
                docs.groupVersions().get("apis/apps/v1").path("components").path("schemas");
        JsonNode deployment = schemas.path("io.k8s.api.apps.v1.Deployment");
        assertThat(deployment.path("x-kubernetes-group-version-kind").toString())
                .isEqualTo("[{\"group\":\"apps\",\"kind\":\"Deployment\",\"version\":\"v1\"}]");
        assertThat(deployment.at("/properties/metadata/$ref").asText()).isEqualTo(REF + META + "ObjectMeta");
        assertThat(deployment.at("/properties/spec/$ref").asText())
                .isEqualTo(REF + "io.k8s.api.apps.v1.DeploymentSpec");
        JsonNode spec = schemas.path("io.k8s.api.apps.v1.DeploymentSpec");
        assertThat(spec.at("/properties/replicas/type").asText()).isEqualTo("integer");
        assertThat(spec.at("/properties/paused/type").asText()).isEqualTo("boolean");
        JsonNode podSpec = schemas.path("io.k8s.api.core.v1.PodSpec");
        assertThat(podSpec.at("/properties/containers/type").asText()).isEqualTo("array");
        assertThat(podSpec.at("/properties/containers/items/$ref").asText())
                .isEqualTo(REF + "io.k8s.api.core.v1.Container");
        assertThat(podSpec.at("/properties/nodeSelector/additionalProperties/type")
                        .asText())
                .isEqualTo("string");
        assertThat(schemas.path("io.k8s.api.apps.v1.RollingUpdateDeployment")
                        .at("/properties/maxSurge")
                        .path("x-kubernetes-int-or-string")
                        .asBoolean())
                .isTrue();
        assertThat(schemas.path("io.k8s.api.core.v1.ResourceRequirements")
                        .at("/properties/limits/additionalProperties")
                        .path("x-kubernetes-int-or-string")
                        .asBoolean())
                .as("Quantity")
                .isTrue();
        assertThat(schemas.has("io.k8s.api.apps.v1.DeploymentList")).isTrue();
    }

    @Test
    void everyBuiltinKindHasASchemaWithItsGroupVersionKind() {
        for (Kind r : BuiltinKinds.ALL) {
            String path = r.group().isEmpty() ? "api/" + r.version() : "apis/" + r.group() + "/" + r.version();
            JsonNode doc = docs.groupVersions().get(path);
            assertThat(doc).as(path).isNotNull();
            String gvk = OpenApi.gvk(r.group(), r.version(), r.kind()).toString();
            boolean found = false;
            for (JsonNode schema : doc.path("components").path("schemas")) {
                for (JsonNode each : schema.path("x-kubernetes-group-version-kind")) {
                    found |= each.toString().equals(gvk);
                }
            }
            assertThat(found).as("a schema for " + gvk + " in " + path).isTrue();
        }
    }

    @Test
    void everyReferenceResolvesInItsOwnDocument() {
        docs.groupVersions().forEach((path, doc) -> {
            JsonNode schemas = doc.path("components").path("schemas");
            OpenApi.references(
                    doc,
                    name -> assertThat(schemas.has(name))
                            .as(path + " refers to " + name)
                            .isTrue());
        });
    }

    @Test
    void hashIsStableForAContentAndChangesWithIt() throws IOException {
        OpenApi.Documents again = new OpenApi().documents(List.of(crd.deepCopy()));
        assertThat(again.indexJson()).isEqualTo(docs.indexJson());

        ObjectNode edited = crd.deepCopy();
        ((ObjectNode) edited.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/tier"))
                .put("description", "edited");
        OpenApi.Documents changed = new OpenApi().documents(List.of(edited));
        assertThat(url(changed, "apis/slb.dev/v1alpha1")).isNotEqualTo(url(docs, "apis/slb.dev/v1alpha1"));
        assertThat(url(changed, "apis/apps/v1")).isEqualTo(url(docs, "apis/apps/v1"));

        OpenApi openApi = new OpenApi();
        assertThat(openApi.documents(List.of(crd))).isSameAs(openApi.documents(List.of(crd.deepCopy())));
        assertThat(new OpenApi().documents(List.of()).index().path("paths").has("apis/slb.dev/v1alpha1"))
                .isFalse();
    }

    @Test
    void v2HasWhatKubectlsValidatorCanParse() {
        JsonNode definitions = docs.swagger().path("definitions");
        JsonNode lb = definitions.path("dev.slb.v1alpha1.LoadBalancer");
        // kubectl refuses allOf-wrapped references and references with a type beside them.
        assertThat(lb.at("/properties/metadata/$ref").asText()).isEqualTo("#/definitions/" + META + "ObjectMeta");
        assertThat(lb.at("/properties/spec/properties/listeners/items/properties/port/type")
                        .asText())
                .isEqualTo("integer");
        assertThat(lb.path("x-kubernetes-group-version-kind")
                        .get(0)
                        .path("kind")
                        .asText())
                .isEqualTo("LoadBalancer");
        JsonNode targetPort = definitions.path("io.k8s.api.core.v1.ServicePort").at("/properties/targetPort");
        assertThat(targetPort.toString()).isEqualTo("{\"type\":\"string\",\"format\":\"int-or-string\"}");
        assertThat(docs.swagger().toString()).doesNotContain("#/components/", "fieldValidation");
        OpenApi.references(docs.swagger(), name -> {
            throw new AssertionError("a v3 reference left in v2: " + name);
        });
        checkV2(docs.swagger().path("definitions"));
    }

    @Test
    void v2ProtobufCarriesTheSameDefinitions() {
        Set<String> names = new HashSet<>();
        // Document.definitions (9) holds NamedSchema (1) entries, whose name is field 1.
        for (byte[] definitions : fields(docs.swaggerProtobuf(), 9)) {
            for (byte[] named : fields(definitions, 1)) {
                names.add(new String(fields(named, 1).get(0), StandardCharsets.UTF_8));
            }
        }
        Set<String> expected = new HashSet<>();
        docs.swagger().path("definitions").fieldNames().forEachRemaining(expected::add);
        assertThat(names).isEqualTo(expected);
        assertThat(new String(fields(docs.swaggerProtobuf(), 1).get(0), StandardCharsets.UTF_8))
                .isEqualTo("2.0");
    }

    @Test
    void answersByPath() throws IOException {
        OpenApi openApi = new OpenApi();
        List<JsonNode> crds = List.of(crd);
        OpenApi.Answer v2 = openApi.answer("/openapi/v2", null, crds);
        assertThat(v2.code()).isEqualTo(200);
        assertThat(v2.contentType()).isEqualTo("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        OpenApi.Answer v2Json = openApi.answer("/openapi/v2", "application/json", crds);
        assertThat(JSON.readTree(v2Json.body()).path("swagger").asText()).isEqualTo("2.0");
        OpenApi.Answer doc = openApi.answer("/openapi/v3/apis/slb.dev/v1alpha1", "application/json", crds);
        assertThat(doc.contentType()).isEqualTo("application/json");
        assertThat(JSON.readTree(doc.body()).path("openapi").asText()).isEqualTo("3.0.0");
        OpenApi.Answer missing = openApi.answer("/openapi/v3/apis/nope.dev/v1", null, crds);
        assertThat(missing.code()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).path("message").asText()).contains("apis/nope.dev/v1");
    }

    private static JsonNode slbDocument() {
        return docs.groupVersions().get("apis/slb.dev/v1alpha1");
    }

    private static String url(OpenApi.Documents documents, String groupVersion) {
        return documents
                .index()
                .path("paths")
                .path(groupVersion)
                .path("serverRelativeURL")
                .asText();
    }

    /**
     * What kubectl's v2 parser refuses or ignores: a $ref with a type or properties, an array with
     * no items, anyOf and allOf. (JSONSchemaProps has properties named "$ref", "type" and "allOf",
     * hence the checks of the values' kinds.)
     */
    private static void checkV2(JsonNode node) {
        if (node.isObject()) {
            if (node.path("$ref").isTextual()) {
                assertThat(node.path("type").isTextual() || node.has("properties"))
                        .as(node.toString())
                        .isFalse();
            }
            assertThat(node.path("anyOf").isArray() || node.path("allOf").isArray())
                    .as(node.toString())
                    .isFalse();
            if ("array".equals(node.path("type").asText(null))) {
                assertThat(node.path("items").isObject()).as(node.toString()).isTrue();
            }
        }
        node.forEach(OpenApiTest::checkV2);
    }

    /** The payloads of the length-delimited fields numbered {@code field} in one protobuf message. */
    private static List<byte[]> fields(byte[] message, int field) {
        List<byte[]> result = new ArrayList<>();
        int[] at = {0};
        while (at[0] < message.length) {
            long key = varint(message, at);
            int wire = (int) (key & 7);
            assertThat(wire).as("only length-delimited fields are written").isEqualTo(2);
            int length = (int) varint(message, at);
            if (key >>> 3 == field) {
                byte[] payload = new byte[length];
                System.arraycopy(message, at[0], payload, 0, length);
                result.add(payload);
            }
            at[0] += length;
        }
        return result;
    }

    private static long varint(byte[] data, int[] at) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = data[at[0]++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }
}
