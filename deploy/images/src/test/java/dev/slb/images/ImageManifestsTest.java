package dev.slb.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * deploy/, rendered as the README installs it, agrees with the images built: their names, the
 * operator's user, ports, entrypoint and writable paths. (The proxy pods the operator writes are
 * checked against the proxy image in ClusterImagesTest, which runs the operator to get them.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ImageManifestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestingImages.Built images;
    private static Deployment deployment;
    private static PodSpec pod;
    private static Container container;

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void build() throws Exception {
        images = TestingImages.require();
        deployment = TestingManifests.operatorDeployment();
        pod = deployment.getSpec().getTemplate().getSpec();
        container = pod.getContainers().get(0);
    }

    @Test
    void theImagesAreNamedAndArchivedAsTheManifestsNameThem() throws Exception {
        assertThat(container.getImage()).isEqualTo(images.operator().name());
        assertThat(env("SLB_PROXY_IMAGE")).isEqualTo(images.proxy().name());
        for (String image : List.of("proxy", "operator")) {
            String index = TestingPodman.run(
                            List.of("tar", "-xOf", images.properties().getProperty(image + ".archive"), "index.json"),
                            Duration.ofSeconds(30))
                    .ok()
                    .out();
            assertThat(JSON.readTree(index)
                            .path("manifests")
                            .get(0)
                            .path("annotations")
                            .path("org.opencontainers.image.ref.name")
                            .asText())
                    .as("the name %s's OCI archive loads as", image)
                    .isEqualTo("localhost/" + images.properties().getProperty(image + ".image"));
        }
    }

    @Test
    void theOperatorPodRunsTheImageAsItsUserWithItsPortsAndWritablePaths() throws Exception {
        JsonNode config = TestingImageConfig.of(images.operator().id());
        assertThat(TestingImageConfig.user(config))
                .isEqualTo(String.valueOf(pod.getSecurityContext().getRunAsUser()));
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getCommand()).as("the image's entrypoint runs").isNullOrEmpty();
        assertThat(TestingImageConfig.entrypoint(config)).containsExactly("/opt/slb-operator/bin/slb-operator");
        assertThat(container.getPorts())
                .allSatisfy(p ->
                        assertThat(TestingImageConfig.exposedPorts(config)).contains(p.getContainerPort() + "/tcp"));
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(TestingImageConfig.writableMounts(pod, container)).contains(TestingImageConfig.workingDir(config));
    }

    @Test
    void eachEntrypointCanBeRunByThePodsUserOnAReadOnlyRoot() throws Exception {
        String user = String.valueOf(pod.getSecurityContext().getRunAsUser());
        assertThat(TestingPodman.script(
                        images.operator().id(),
                        user,
                        "test -x /opt/slb-operator/bin/slb-operator && test -r /opt/slb-operator/target/slb-operator.jar"
                                + " && command -v java && echo runnable"))
                .contains("runnable");
        assertThat(TestingPodman.script(
                        images.proxy().id(),
                        user,
                        "test -x /opt/slb-proxy/bin/slb-proxy && test -r /opt/slb-proxy/target/slb-proxy.jar"
                                + " && command -v java && echo runnable"))
                .contains("runnable");
    }

    private static String env(String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name + " in the operator's Deployment"));
    }
}
