package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.slb.model.ConfigCodec;
import dev.slb.model.ProxyConfig;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Tier;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: every sample under crds/samples/ in, every derived resource out, compared with
 * src/test/resources/golden/&lt;sample&gt;/out-&lt;Kind&gt;.yaml. Refresh them after an intended change
 * with {@code mvn -pl operator test -Dtest=DerivedResourcesTest -Dslb.golden.update=true} and
 * review the diff.
 */
class DerivedResourcesTest {
    private static final Path SAMPLES = Path.of("../crds/samples");
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final boolean UPDATE = Boolean.getBoolean("slb.golden.update");
    private static final String UID = "00000000-0000-0000-0000-000000000001";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final Set<Path> used = new TreeSet<>();

    @TestFactory
    Stream<DynamicNode> everySampleRendersItsGoldenResources() throws IOException {
        List<Path> samples;
        try (Stream<Path> files = Files.list(SAMPLES)) {
            samples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(samples).as("samples in %s", SAMPLES).isNotEmpty();
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path sample : samples) {
            nodes.add(sampleTests(sample));
        }
        nodes.add(dynamicTest("every golden file is used", this::noOrphans));
        return nodes.stream();
    }

    private DynamicNode sampleTests(Path sample) throws IOException {
        String sampleName = sample.getFileName().toString().replaceFirst("\\.yaml$", "");
        LoadBalancer lb = read(sample);
        Tier tier = lb.getSpec().tier;
        OperatorSettings settings = OperatorSettings.defaults();
        ProxyConfig config = ProxyConfigs.render(lb, tier, TestingEndpoints.RESOLVED, settings);

        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("ConfigMap", ProxyResources.configMap(lb, config, tier));
        outputs.put("Deployment", ProxyResources.deployment(lb, tier, settings));
        outputs.put("Service", ProxyResources.service(lb));
        outputs.put("ServiceAccount", ProxyResources.serviceAccount(lb));
        outputs.put("Role", ProxyResources.role(lb));
        outputs.put("RoleBinding", ProxyResources.roleBinding(lb));
        ProxyResources.podDisruptionBudget(lb, tier).ifPresent(pdb -> outputs.put("PodDisruptionBudget", pdb));
        outputs.put("ListenerStatuses", ListenerStatuses.of(lb, tier));

        List<DynamicNode> tests = new ArrayList<>();
        tests.add(dynamicTest(
                "the sample is valid",
                () -> assertThat(Specs.validate(lb.getSpec())).isEmpty()));
        tests.add(dynamicTest("every field of the sample is one the API knows", () -> {
            // fabric8 drops unknown fields silently; a typo in a sample would otherwise go unseen.
            Map<?, ?> raw = SERIALIZATION.unmarshal(Files.readString(sample), Map.class);
            LoadBalancer typed = SERIALIZATION.unmarshal(Files.readString(sample), LoadBalancer.class);
            assertEquals(raw, SERIALIZATION.convertValue(typed, Map.class));
        }));
        outputs.forEach((kind, resource) -> tests.add(dynamicTest(
                "out-" + kind + ".yaml",
                () -> compare(
                        GOLDEN.resolve(sampleName).resolve("out-" + kind + ".yaml"), SERIALIZATION.asYaml(resource)))));
        tests.add(dynamicTest("the ConfigMap's config.yaml parses back with model/", () -> {
            ConfigMap cm = (ConfigMap) outputs.get("ConfigMap");
            ProxyConfig parsed = ConfigCodec.parse(cm.getData().get(Names.CONFIG_KEY));
            assertThat(parsed).isEqualTo(config);
            assertThat(cm.getMetadata().getAnnotations())
                    .containsEntry(Names.CONFIG_VERSION_ANNOTATION, parsed.version());
        }));
        return dynamicContainer(sampleName, tests);
    }

    static LoadBalancer read(Path sample) throws IOException {
        try (InputStream in = Files.newInputStream(sample)) {
            LoadBalancer lb = SERIALIZATION.unmarshal(in, LoadBalancer.class);
            lb.getMetadata().setUid(UID);
            return Specs.normalize(lb);
        }
    }

    private void compare(Path golden, String actual) throws IOException {
        used.add(golden.normalize());
        if (UPDATE) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual);
            return;
        }
        assertThat(golden)
                .as("%s is missing; write it with -Dslb.golden.update=true and review it", golden)
                .exists();
        assertEquals(
                Files.readString(golden),
                actual,
                golden
                        + " differs; if the change is intended, rerun with -Dslb.golden.update=true and review the diff");
    }

    private void noOrphans() throws IOException {
        Set<Path> present = new TreeSet<>();
        try (Stream<Path> files = Files.walk(GOLDEN)) {
            files.filter(Files::isRegularFile).map(Path::normalize).forEach(present::add);
        }
        present.removeAll(used);
        if (UPDATE) {
            for (Path orphan : present) {
                Files.delete(orphan);
            }
            return;
        }
        assertThat(present)
                .as("golden files no sample produces (delete them, or rerun with -Dslb.golden.update=true)")
                .isEmpty();
    }
}
