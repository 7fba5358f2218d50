package dev.slb.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.Specs;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reads the install manifests under deploy/ and the samples under crds/samples/, as the tests see them. */
final class DeployManifests {
    static final Path REPO = Path.of("..");
    static final Path DEPLOY = REPO.resolve("deploy");
    static final Path CRDS = REPO.resolve("crds");
    static final Path SAMPLES = CRDS.resolve("samples");
    static final String KUSTOMIZATION = "kustomization.yaml";
    static final String NAMESPACE = "slb-system";
    static final String SERVICE_ACCOUNT = "slb-operator";
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private DeployManifests() {}

    /** The YAML files in deploy/ that hold Kubernetes objects: every one but the kustomization. */
    static List<Path> manifestFiles() {
        try (Stream<Path> files = Files.list(DEPLOY)) {
            return files.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
                    .filter(p -> !p.getFileName().toString().equals(KUSTOMIZATION))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every object of a (possibly multi-document) YAML file or text, in order. */
    static List<HasMetadata> parse(String yaml) {
        Object parsed = SERIALIZATION.unmarshal(yaml);
        List<HasMetadata> objects = new ArrayList<>();
        if (parsed instanceof List<?> documents) {
            for (Object document : documents) {
                objects.add(asObject(document));
            }
        } else {
            objects.add(asObject(parsed));
        }
        return objects;
    }

    static List<HasMetadata> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every object in every manifest file of deploy/. */
    static List<HasMetadata> all() {
        return manifestFiles().stream().flatMap(f -> read(f).stream()).toList();
    }

    /** The one object of this type and name in deploy/. */
    static <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = all().stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(o -> name.equals(o.getMetadata().getName()))
                .toList();
        assertThat(found).as("%s %s in deploy/", type.getSimpleName(), name).hasSize(1);
        return found.get(0);
    }

    static Map<String, Object> kustomization() {
        try {
            return SERIALIZATION.unmarshal(Files.readString(DEPLOY.resolve(KUSTOMIZATION)), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The samples under crds/samples/, defaults applied as the operator applies them. */
    static List<LoadBalancer> samples() {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            List<LoadBalancer> samples = new ArrayList<>();
            for (Path file :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                LoadBalancer lb = SERIALIZATION.unmarshal(Files.readString(file), LoadBalancer.class);
                lb.getMetadata().setUid("00000000-0000-0000-0000-000000000001");
                samples.add(Specs.normalize(lb));
            }
            assertThat(samples).as("samples in %s", SAMPLES).isNotEmpty();
            return samples;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HasMetadata asObject(Object document) {
        assertThat(document).as("a Kubernetes object").isInstanceOf(HasMetadata.class);
        HasMetadata object = (HasMetadata) document;
        assertThat(object.getApiVersion()).as("apiVersion").isNotBlank();
        assertThat(object.getKind()).as("kind").isNotBlank();
        assertThat(object.getMetadata().getName())
                .as("name of a %s", object.getKind())
                .isNotBlank();
        return object;
    }

    /** The command's file in a folder of PATH, if there is one. */
    static Optional<Path> onPath(String command) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, command))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** How a command ended, with what it wrote. */
    record Run(int exitCode, String stdout, String stderr) {}

    /** Runs a command to its end (at most 60 s), its output in temporary files. */
    static Run run(String... command) throws IOException, InterruptedException {
        List<String> args = List.of(command);
        Path out = Files.createTempFile("deploy-test", ".out");
        Path err = Files.createTempFile("deploy-test", ".err");
        try {
            Process process = new ProcessBuilder(args)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", args) + " did not finish in 60 s");
            }
            return new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
