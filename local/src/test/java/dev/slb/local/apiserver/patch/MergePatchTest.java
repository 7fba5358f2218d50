package dev.slb.local.apiserver.patch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MergePatchTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The examples of RFC 7386 appendix A, one per row: original | patch | result. */
    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
      {"a":"b"}                         | {"a":"c"}                     | {"a":"c"}
      {"a":"b"}                         | {"b":"c"}                     | {"a":"b","b":"c"}
      {"a":"b"}                         | {"a":null}                    | {}
      {"a":"b","b":"c"}                 | {"a":null}                    | {"b":"c"}
      {"a":["b"]}                       | {"a":"c"}                     | {"a":"c"}
      {"a":"c"}                         | {"a":["b"]}                   | {"a":["b"]}
      {"a":{"b":"c"}}                   | {"a":{"b":"d","c":null}}      | {"a":{"b":"d"}}
      {"a":[{"b":"c"}]}                 | {"a":[1]}                     | {"a":[1]}
      ["a","b"]                         | ["c","d"]                     | ["c","d"]
      {"a":"b"}                         | ["c"]                         | ["c"]
      {"a":"foo"}                       | null                          | null
      {"a":"foo"}                       | "bar"                         | "bar"
      {"e":null}                        | {"a":1}                       | {"e":null,"a":1}
      [1,2]                             | {"a":"b","c":null}            | {"a":"b"}
      {}                                | {"a":{"bb":{"ccc":null}}}     | {"a":{"bb":{}}}
      """)
    void rfc7386AppendixA(String original, String patch, String result) throws Exception {
        assertThat(MergePatch.apply(json(original), json(patch))).isEqualTo(json(result));
    }

    @Test
    void rfc7386Section3Example() throws Exception {
        JsonNode target = json("""
        {"title": "Goodbye!",
         "author": {"givenName": "John", "familyName": "Doe"},
         "tags": ["example", "sample"],
         "content": "This will be unchanged"}""");
        JsonNode patch = json("""
        {"title": "Hello!",
         "phoneNumber": "+01-123-456-7890",
         "author": {"familyName": null},
         "tags": ["example"]}""");

        assertThat(MergePatch.apply(target, patch)).isEqualTo(json("""
        {"title": "Hello!",
         "author": {"givenName": "John"},
         "tags": ["example"],
         "content": "This will be unchanged",
         "phoneNumber": "+01-123-456-7890"}"""));
    }

    @Test
    void arraysAreReplacedNotAppendedAndNullsAreNotStored() throws Exception {
        JsonNode deployment = json("""
        {"metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
         "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:1"}]}}}}""");
        JsonNode patch = json("""
        {"metadata": {"labels": {"tier": null, "gone": null}},
         "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:2"}]}}}}""");

        assertThat(MergePatch.apply(deployment, patch)).isEqualTo(json("""
        {"metadata": {"name": "web", "labels": {"app": "web"}},
         "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:2"}]}}}}"""));
    }

    @Test
    void anObjectPatchOverAMissingTargetBuildsTheObjectWithoutItsNulls() throws Exception {
        assertThat(MergePatch.apply(null, json("{\"a\": {\"b\": null, \"c\": 1}}")))
                .isEqualTo(json("{\"a\": {\"c\": 1}}"));
    }

    @Test
    void neverChangesItsInputs() throws Exception {
        JsonNode target = json("{\"a\": {\"b\": [1, 2], \"c\": \"d\"}, \"e\": null}");
        JsonNode patch = json("{\"a\": {\"b\": [3], \"c\": null, \"x\": {\"y\": null}}}");
        JsonNode targetBefore = target.deepCopy();
        JsonNode patchBefore = patch.deepCopy();

        JsonNode result = MergePatch.apply(target, patch);
        ((ObjectNode) result.get("a")).put("mutated", true);

        assertThat(target).isEqualTo(targetBefore);
        assertThat(patch).isEqualTo(patchBefore);
    }

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }
}
