package dev.slb.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD under crds/ must be the one the build generates from the api/ classes. */
class CrdUpToDateTest {
    private static final String FILE = "loadbalancers.slb.dev-v1.yml";

    @Test
    void committedCrdMatchesTheGeneratedOne() throws Exception {
        Path generated = Path.of("target/classes/META-INF/fabric8", FILE);
        Path committed = Path.of("../crds", FILE);
        assertThat(generated)
                .as("the build generates the CRD (crd-generator-maven-plugin)")
                .exists();
        assertThat(Files.readString(committed))
                .as("crds/%s is stale; refresh it with: cp operator/%s crds/", FILE, generated)
                .isEqualTo(Files.readString(generated));
    }
}
