package dev.slb.operator.desired;

import static dev.slb.operator.desired.TestingSpecs.lb;
import static dev.slb.operator.desired.TestingSpecs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.InstanceServiceSpec;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Tier;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** spec.service.annotations: what is refused and why, what the Service carries, and what is removed from it. */
class ServiceAnnotationsTest {

    private static LoadBalancerSpec with(Map<String, String> annotations) {
        LoadBalancerSpec spec = spec();
        spec.service = new InstanceServiceSpec();
        spec.service.annotations = annotations;
        return spec;
    }

    private static Map<String, String> many(int n, int valueLength) {
        Map<String, String> annotations = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            annotations.put("example.com/key-" + i, "v".repeat(valueLength));
        }
        return annotations;
    }

    @Test
    void cloudAnnotationsAtTheirBoundsAreValid() {
        Map<String, String> annotations = new LinkedHashMap<>(many(62, 4));
        annotations.put("service.beta.kubernetes.io/aws-load-balancer-internal", "true");
        annotations.put("empty", "");
        assertThat(Specs.validate(Specs.normalize(with(annotations)))).isEmpty();
        assertThat(Specs.validate(Specs.normalize(with(many(15, 4096)))))
                .as("15 values of 4,096 characters: under 64 KiB")
                .isEmpty();
        String longest =
                "a".repeat(63) + ("." + "b".repeat(63)).repeat(2) + "." + "b".repeat(61) + "/" + "c".repeat(63);
        assertThat(longest).hasSize(InstanceServiceSpec.MAX_ANNOTATION_KEY_LENGTH);
        assertThat(Specs.validate(Specs.normalize(with(Map.of(longest, "x"))))).isEmpty();
        assertThat(Specs.validate(Specs.normalize(with(Map.of("Example.COM/Upper_Name", "x")))))
                .as("checked lower-cased, as Kubernetes checks annotation keys")
                .isEmpty();
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("65 annotations", many(65, 1), "spec.service.annotations", "at most 64"),
                Arguments.of(
                        "the operator's own prefix",
                        Map.of("slb.dev/proxy-protocol-ports", "web"),
                        "spec.service.annotations[slb.dev/proxy-protocol-ports]",
                        "the operator's own"),
                Arguments.of(
                        "a key of 318 characters",
                        Map.of("a".repeat(254) + "/" + "c".repeat(63), "x"),
                        "spec.service.annotations[" + "a".repeat(254) + "/" + "c".repeat(63) + "]",
                        "at most 317"),
                Arguments.of(
                        "a name of 64 characters",
                        Map.of("example.com/" + "n".repeat(64), "x"),
                        "spec.service.annotations[example.com/" + "n".repeat(64) + "]",
                        "is not a Kubernetes annotation key"),
                Arguments.of(
                        "a prefix that is no DNS name",
                        Map.of("example_com/x", "x"),
                        "spec.service.annotations[example_com/x]",
                        "is not a Kubernetes annotation key"),
                Arguments.of(
                        "two slashes",
                        Map.of("a/b/c", "x"),
                        "spec.service.annotations[a/b/c]",
                        "is not a Kubernetes annotation key"),
                Arguments.of(
                        "an empty key",
                        Map.of("", "x"),
                        "spec.service.annotations[]",
                        "is not a Kubernetes annotation key"),
                Arguments.of(
                        "a value of 4,097 characters",
                        Map.of("example.com/big", "v".repeat(4097)),
                        "spec.service.annotations[example.com/big]",
                        "at most 4096"),
                Arguments.of(
                        "no value",
                        nullValue("example.com/none"),
                        "spec.service.annotations[example.com/none]",
                        "has no value"),
                Arguments.of(
                        "more than 64 KiB together",
                        many(16, 4096),
                        "spec.service.annotations",
                        "at most 65536 (64 KiB) together"));
    }

    private static Map<String, String> nullValue(String key) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(key, null);
        return annotations;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void eachRefusalNamesTheKeyAndWhatToDo(String name, Map<String, String> annotations, String field, String says) {
        List<Problem> problems = Specs.validate(Specs.normalize(with(annotations)));
        assertThat(problems).as(name).anySatisfy(p -> {
            assertThat(p.field()).isEqualTo(field);
            assertThat(p.message()).contains(says);
        });
    }

    @Test
    void theServiceCarriesTheAnnotationsSortedWithARecordOfTheirKeys() {
        Service none = ProxyResources.service(lb(spec(), Tier.SHARED));
        assertThat(none.getMetadata().getAnnotations())
                .as("absent: the Service as before the field existed")
                .containsOnlyKeys(Names.PROXY_PROTOCOL_PORTS_ANNOTATION);
        assertThat(ProxyResources.service(lb(with(Map.of()), Tier.SHARED))).isEqualTo(none);

        Service set = ProxyResources.service(lb(with(Map.of("example.com/b", "2", "example.com/a", "1")), Tier.SHARED));
        assertThat(set.getMetadata().getAnnotations())
                .containsExactly(
                        Map.entry(Names.PROXY_PROTOCOL_PORTS_ANNOTATION, ""),
                        Map.entry("example.com/a", "1"),
                        Map.entry("example.com/b", "2"),
                        Map.entry(Names.USER_ANNOTATIONS_ANNOTATION, "example.com/a,example.com/b"));
        assertThat(set.getSpec()).isEqualTo(none.getSpec());
    }

    @Test
    void whatTheUserRemovedIsStaleAndWhatOthersWroteIsKept() {
        Service written =
                ProxyResources.service(lb(with(Map.of("example.com/a", "1", "example.com/b", "2")), Tier.SHARED));
        // The Service as the cluster holds it: a cloud controller has added its own annotation.
        Service actual = new ServiceBuilder(written)
                .editMetadata()
                .addToAnnotations("cloud.example/lb-id", "lb-123")
                .endMetadata()
                .build();

        Service same =
                ProxyResources.service(lb(with(Map.of("example.com/a", "1", "example.com/b", "2")), Tier.SHARED));
        assertThat(ServiceAnnotations.stale(actual, same)).isEmpty();
        assertThat(ServiceAnnotations.withoutStale(actual, same)).isSameAs(actual);

        Service fewer = ProxyResources.service(lb(with(Map.of("example.com/a", "9")), Tier.SHARED));
        assertThat(ServiceAnnotations.stale(actual, fewer)).containsExactly("example.com/b");
        Service trimmed = ServiceAnnotations.withoutStale(actual, fewer);
        assertThat(trimmed.getMetadata().getAnnotations())
                .containsKeys("example.com/a", "cloud.example/lb-id", Names.USER_ANNOTATIONS_ANNOTATION)
                .doesNotContainKey("example.com/b");
        assertThat(actual.getMetadata().getAnnotations())
                .as("the informer's copy is left alone")
                .containsKey("example.com/b");

        Service none = ProxyResources.service(lb(spec(), Tier.SHARED));
        assertThat(ServiceAnnotations.stale(actual, none))
                .containsExactlyInAnyOrder("example.com/a", "example.com/b", Names.USER_ANNOTATIONS_ANNOTATION);
        assertThat(ServiceAnnotations.withoutStale(actual, none).getMetadata().getAnnotations())
                .containsOnlyKeys(Names.PROXY_PROTOCOL_PORTS_ANNOTATION, "cloud.example/lb-id");
        assertThat(ServiceAnnotations.stale(none, none))
                .as("a Service that never had any")
                .isEmpty();
    }
}
