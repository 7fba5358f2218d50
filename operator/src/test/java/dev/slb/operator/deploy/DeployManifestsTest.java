package dev.slb.operator.deploy;

import static dev.slb.operator.deploy.DeployManifests.CRDS;
import static dev.slb.operator.deploy.DeployManifests.DEPLOY;
import static dev.slb.operator.deploy.DeployManifests.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** deploy/ parses, its kustomization lists every manifest once, and kubectl builds it (when kubectl is here). */
class DeployManifestsTest {
    private static final String CRD_FILE = "loadbalancers.slb.dev-v1.yml";

    @Test
    void everyManifestParsesIntoKubernetesObjects() {
        assertThat(DeployManifests.manifestFiles()).isNotEmpty();
        for (Path file : DeployManifests.manifestFiles()) {
            assertThat(DeployManifests.read(file)).as("objects in %s", file).isNotEmpty();
        }
    }

    @Test
    void theKustomizationListsEveryManifestAndTheGeneratedCrdOnce() throws IOException {
        @SuppressWarnings("unchecked")
        List<String> resources = (List<String>) DeployManifests.kustomization().get("resources");
        assertThat(resources).as("resources in deploy/kustomization.yaml").doesNotHaveDuplicates();

        List<String> local =
                resources.stream().filter(r -> !r.startsWith("../")).sorted().toList();
        List<String> manifests = DeployManifests.manifestFiles().stream()
                .map(p -> p.getFileName().toString())
                .sorted()
                .toList();
        assertThat(local).as("deploy/ manifests listed in the kustomization").isEqualTo(manifests);

        // The CRD is generated into crds/ and referenced from there; every CRD file there is installed.
        List<String> outside =
                resources.stream().filter(r -> r.startsWith("../")).sorted().toList();
        List<String> crdFiles;
        try (Stream<Path> files = Files.list(CRDS)) {
            crdFiles = files.filter(Files::isRegularFile)
                    .map(p -> "../crds/" + p.getFileName())
                    .filter(r -> r.endsWith(".yml") || r.endsWith(".yaml"))
                    .sorted()
                    .toList();
        }
        assertThat(crdFiles).contains("../crds/" + CRD_FILE);
        assertThat(outside).isEqualTo(crdFiles);
        for (String crd : outside) {
            assertThat(DeployManifests.read(DEPLOY.resolve(crd)))
                    .singleElement()
                    .isInstanceOf(CustomResourceDefinition.class);
        }
    }

    @Test
    void noCrdIsCopiedIntoDeployAndEveryNamespacedObjectIsInTheOperatorsNamespace() {
        List<HasMetadata> objects = DeployManifests.all();
        assertThat(objects).noneMatch(CustomResourceDefinition.class::isInstance);
        assertThat(objects)
                .filteredOn(Namespace.class::isInstance)
                .singleElement()
                .extracting(o -> o.getMetadata().getName())
                .isEqualTo(NAMESPACE);
        Set<String> clusterScoped = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding");
        for (HasMetadata o : objects) {
            String where = o.getKind() + " " + o.getMetadata().getName();
            if (clusterScoped.contains(o.getKind())) {
                assertThat(o.getMetadata().getNamespace()).as(where).isNull();
            } else {
                assertThat(o.getMetadata().getNamespace()).as(where).isEqualTo(NAMESPACE);
            }
        }
    }

    @Test
    void kubectlBuildsTheKustomizationOnlyWithTheLoadRestrictorTheReadmeGives() throws Exception {
        Optional<Path> kubectl = DeployManifests.onPath("kubectl");
        assumeTrue(kubectl.isPresent(), "kubectl is not on PATH; skipping the kustomize build check");

        DeployManifests.Run built = DeployManifests.run(
                kubectl.get().toString(), "kustomize", "--load-restrictor=LoadRestrictionsNone", DEPLOY.toString());
        assertThat(built.exitCode())
                .as("kubectl kustomize failed:\n%s", built.stderr())
                .isZero();
        Set<String> expected = new TreeSet<>();
        DeployManifests.all().forEach(o -> expected.add(key(o)));
        DeployManifests.read(CRDS.resolve(CRD_FILE)).forEach(o -> expected.add(key(o)));
        Set<String> actual = new TreeSet<>();
        DeployManifests.parse(built.stdout()).forEach(o -> actual.add(key(o)));
        assertThat(actual).isEqualTo(expected);

        // If this starts passing, `kubectl apply -k deploy/` works and the README can say so.
        DeployManifests.Run plain = DeployManifests.run(kubectl.get().toString(), "kustomize", DEPLOY.toString());
        assertThat(plain.exitCode())
                .as("plain kubectl kustomize now accepts ../crds; simplify the README")
                .isNotZero();
        assertThat(plain.stderr()).contains("is not in or below");
    }

    private static String key(HasMetadata o) {
        return o.getKind() + " "
                + Optional.ofNullable(o.getMetadata().getNamespace()).orElse("-") + "/"
                + o.getMetadata().getName();
    }
}
