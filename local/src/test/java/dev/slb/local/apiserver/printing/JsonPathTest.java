package dev.slb.local.apiserver.printing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonPathTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final JsonNode LB = json("""
      {"metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"},
                    "creationTimestamp": "2024-05-01T10:00:00Z"},
       "spec": {"listeners": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                "weights": [1.5, 2.5]},
       "status": {"addresses": ["10.0.0.7", "lb.example.com"],
                  "conditions": [
                    {"type": "Accepted", "status": "True"},
                    {"type": "Programmed", "status": "False", "reason": "Pending"},
                    {"type": "Ready", "status": "True"}],
                  "tier": "shared",
                  "nothing": null}}
      """);

    @Test
    void followsFieldsAndIndexes() {
        assertThat(texts(".status.tier")).containsExactly("shared");
        assertThat(texts(".status.addresses[0]")).containsExactly("10.0.0.7");
        assertThat(texts(".status.addresses[-1]")).containsExactly("lb.example.com");
        assertThat(texts(".spec.listeners[1].port")).containsExactly("443");
        assertThat(texts("{.status.tier}")).as("braces as kubectl writes them").containsExactly("shared");
        assertThat(texts("$.status.tier")).containsExactly("shared");
        assertThat(texts("['status']['tier']")).containsExactly("shared");
    }

    @Test
    void missingKeysGiveNoValueAndBadIndexesNoValueAtAll() {
        assertThat(find(".status.missing.deeper")).isEmpty();
        assertThat(find(".status.addresses[5]")).isEmpty();
        assertThat(find(".status.tier[0]")).as("indexing a string").isEmpty();
        assertThat(find(".spec.listeners.name")).as("a field of an array").isEmpty();
        assertThat(find(".status.nothing")).hasSize(1).first().matches(JsonNode::isNull);
        assertThat(JsonPath.text(find(".status.nothing").get(0))).isNull();
    }

    @Test
    void wildcardsAndSlicesReachEveryElement() {
        assertThat(texts(".status.addresses[*]")).containsExactly("10.0.0.7", "lb.example.com");
        assertThat(texts(".spec.listeners[*].name")).containsExactly("http", "https");
        assertThat(texts(".spec.listeners.*.port")).containsExactly("80", "443");
        assertThat(texts(".status.addresses[0:1]")).containsExactly("10.0.0.7");
        assertThat(texts(".status.addresses[1:]")).containsExactly("lb.example.com");
    }

    @Test
    void filtersCompareStringsAndNumbers() {
        assertThat(texts(".status.conditions[?(@.type==\"Ready\")].status")).containsExactly("True");
        assertThat(texts(".status.conditions[?(@.type == 'Programmed')].reason"))
                .containsExactly("Pending");
        assertThat(texts(".status.conditions[?(@.type!=\"Ready\")].type")).containsExactly("Accepted", "Programmed");
        assertThat(texts(".spec.listeners[?(@.port==443)].name")).containsExactly("https");
        assertThat(texts(".spec.listeners[?(@.port>=80)].name")).containsExactly("http", "https");
        assertThat(texts(".status.conditions[?(@.reason)].type")).as("exists").containsExactly("Programmed");
        assertThat(texts(".status.conditions[?(@.type==\"Gone\")].status")).isEmpty();
    }

    @Test
    void filtersFailWholeWhereTheServerFails() {
        // An element lacking the compared field, or a string compared with a number, is an error in
        // the server's evaluator: the cell is empty even though other elements would match.
        JsonNode partial = json("""
        {"status": {"conditions": [{"status": "True"}, {"type": "Ready", "status": "True"}]}}
        """);
        assertThat(JsonPath.compile(".status.conditions[?(@.type==\"Ready\")].status")
                        .find(partial))
                .isEmpty();
        assertThat(find(".spec.listeners[?(@.port==\"80\")].name")).isEmpty();
        assertThat(find(".spec.weights[?(@==2)]"))
                .as("an integer never equals a float")
                .isEmpty();
    }

    @Test
    void escapedDotsStayInsideOneKey() {
        assertThat(texts(".metadata.labels.app\\.kubernetes\\.io/name")).containsExactly("web");
        assertThat(texts(".metadata.labels['app.kubernetes.io/name']")).containsExactly("web");
    }

    @Test
    void printsValuesAsTheServersPrinterDoes() {
        assertThat(JsonPath.text(json("\"x\""))).isEqualTo("x");
        assertThat(JsonPath.text(json("42"))).isEqualTo("42");
        assertThat(JsonPath.text(json("1.5"))).isEqualTo("1.5");
        assertThat(JsonPath.text(json("1e6"))).isEqualTo("1e+06");
        assertThat(JsonPath.text(json("123456.5"))).isEqualTo("123456.5");
        assertThat(JsonPath.text(json("0.00001"))).isEqualTo("1e-05");
        assertThat(JsonPath.text(json("true"))).isEqualTo("true");
        assertThat(JsonPath.text(json("{\"b\": 1, \"a\": \"<x>\"}"))).isEqualTo("{\"a\":\"\\u003cx\\u003e\",\"b\":1}");
        assertThat(JsonPath.text(json("[1, \"two\", 0.0000001]"))).isEqualTo("[1,\"two\",1e-7]");
        assertThat(JsonPath.text(find(".status.addresses[*]"))).isEqualTo("10.0.0.7 lb.example.com");
    }

    @Test
    void refusesSyntaxOutsideTheSubset() {
        assertThatThrownBy(() -> JsonPath.compile("status.tier")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonPath.compile("..name")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonPath.compile(".a[")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonPath.compile(".a[?(@.b=~\"x\")]")).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<JsonNode> find(String path) {
        return JsonPath.compile(path).find(LB);
    }

    private static List<String> texts(String path) {
        return find(path).stream().map(JsonPath::text).toList();
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
