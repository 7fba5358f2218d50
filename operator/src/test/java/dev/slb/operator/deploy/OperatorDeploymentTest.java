package dev.slb.operator.deploy;

import static dev.slb.operator.deploy.DeployManifests.SERVICE_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.desired.OperatorSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operator's pod runs as the README says: non-root, read-only root with /tmp writable, probed. */
class OperatorDeploymentTest {
    static final long OPERATOR_UID = 10001;
    private static final int HEALTH_PORT = 8080;

    private final Deployment deployment = DeployManifests.one(Deployment.class, "slb-operator");
    private final PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    private final Container container = singleContainer();

    @Test
    void runsAsNonRootWithNothingToEscalate() {
        PodSecurityContext podContext = pod.getSecurityContext();
        SecurityContext context = container.getSecurityContext();
        assertThat(podContext.getRunAsNonRoot()).isTrue();
        assertThat(podContext.getRunAsUser()).isEqualTo(OPERATOR_UID);
        assertThat(podContext.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(context.getReadOnlyRootFilesystem()).isTrue();
        assertThat(context.getAllowPrivilegeEscalation()).isFalse();
        assertThat(context.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(context.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(context.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(context.getRunAsUser())
                .as("the container keeps the pod's user")
                .isNull();
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void tmpIsAWritableEmptyDir() {
        VolumeMount tmp = container.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals("/tmp"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounted at /tmp"));
        assertThat(tmp.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        Volume volume = pod.getVolumes().stream()
                .filter(v -> v.getName().equals(tmp.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + tmp.getName()));
        assertThat(volume.getEmptyDir()).as("volume %s", volume.getName()).isNotNull();
    }

    @Test
    void probesAskTheHealthEndpoints() {
        assertThat(container.getPorts()).anySatisfy(p -> {
            assertThat(p.getContainerPort()).isEqualTo(HEALTH_PORT);
            assertThat(p.getName()).isEqualTo("http");
        });
        assertHttpProbe(container.getLivenessProbe(), "/healthz");
        assertHttpProbe(container.getReadinessProbe(), "/readyz");
        assertHttpProbe(container.getStartupProbe(), "/healthz");
    }

    @Test
    void oneReplicaOfTheOperatorImageWithItsSettings() {
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(container.getImage()).isEqualTo("slb-operator:0.1.0-SNAPSHOT");
        assertThat(pod.getServiceAccountName()).isEqualTo(SERVICE_ACCOUNT);
        assertThat(DeployManifests.one(ServiceAccount.class, SERVICE_ACCOUNT)
                        .getMetadata()
                        .getNamespace())
                .isEqualTo(deployment.getMetadata().getNamespace());

        EnvVar namespace = env("POD_NAMESPACE");
        assertThat(namespace.getValue()).isNull();
        assertThat(namespace.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        assertThat(env("SLB_PROXY_IMAGE").getValue()).isEqualTo(OperatorSettings.DEFAULT_IMAGE);
        assertThat(env("SLB_SERVER_SIDE_APPLY").getValue()).isEqualTo("false");

        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");
    }

    private void assertHttpProbe(Probe probe, String path) {
        assertThat(probe).as("probe on %s", path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(port(probe.getHttpGet().getPort())).isEqualTo(HEALTH_PORT);
    }

    private int port(IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream()
                .filter(p -> port.getStrVal().equals(p.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()))
                .getContainerPort();
    }

    private EnvVar env(String name) {
        Optional<EnvVar> found = container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst();
        assertThat(found).as("env %s", name).isPresent();
        return found.get();
    }

    private Container singleContainer() {
        assertThat(pod.getContainers()).hasSize(1);
        assertThat(pod.getInitContainers()).isNullOrEmpty();
        return pod.getContainers().get(0);
    }
}
