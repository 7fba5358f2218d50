package dev.slb.local.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodmanRunTest {

    /** A proxy pod as the operator writes it (ProxyResources), with one TLS Secret mounted. */
    private static final String PROXY_POD = """
            spec:
              terminationGracePeriodSeconds: 50
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                runAsGroup: 10001
                fsGroup: 10001
                seccompProfile: {type: RuntimeDefault}
              containers:
              - name: proxy
                image: slb-proxy:0.1.0-SNAPSHOT
                imagePullPolicy: IfNotPresent
                args: [--configmap, default/demo-proxy-config]
                env:
                - name: POD_NAME
                  valueFrom: {fieldRef: {fieldPath: metadata.name}}
                - name: POD_NAMESPACE
                  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
                ports:
                - {containerPort: 10080, protocol: TCP}
                - {name: admin, containerPort: 9901, protocol: TCP}
                resources:
                  requests: {cpu: "500m", memory: 1Gi}
                  limits: {cpu: "1", memory: 1Gi}
                securityContext:
                  readOnlyRootFilesystem: true
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL]}
                volumeMounts:
                - {name: tmp, mountPath: /tmp}
                - {name: tls-demo-tls, mountPath: /etc/slb/tls/demo-tls, readOnly: true}
              volumes:
              - name: tmp
                emptyDir: {}
              - name: tls-demo-tls
                secret: {secretName: demo-tls, defaultMode: 288, optional: true}
            """;

    private static final PodmanRun.Placement WHERE = new PodmanRun.Placement(
            "demo-proxy-abc",
            "sha256:1234",
            "default",
            "demo-proxy-abc",
            "127.0.9.1",
            Map.of("tls-demo-tls", Path.of("/pods/demo-proxy-abc/tls-demo-tls")),
            List.of(new PodmanRun.Mount(Path.of("/run/kubeconfig"), "/var/run/slb/kubeconfig", true)),
            Map.of("KUBECONFIG", "/var/run/slb/kubeconfig"),
            List.of("--rm"),
            List.of("--bind-address", "127.0.9.1"));

    @Test
    void runsTheProxyPodAsAKubeletWould() {
        PodSpec pod = pod(PROXY_POD);
        List<String> args = PodmanRun.arguments(pod, pod.getContainers().get(0), WHERE);

        assertThat(args.subList(0, 3)).containsExactly("run", "--name", "demo-proxy-abc");
        assertThat(args)
                .contains(
                        "--pull=missing",
                        "--network=host",
                        "--stop-timeout=50",
                        "--user=10001:10001",
                        "--group-add=10001",
                        "--read-only",
                        "--read-only-tmpfs=false",
                        "--security-opt=no-new-privileges",
                        "--cap-drop=ALL",
                        "--cpus=1",
                        "--memory=1073741824",
                        "--cpu-shares=512",
                        "--mount=type=tmpfs,destination=/tmp,tmpfs-mode=0777",
                        "--mount=type=bind,source=/pods/demo-proxy-abc/tls-demo-tls,destination=/etc/slb/tls/demo-tls,ro=true",
                        "--mount=type=bind,source=/run/kubeconfig,destination=/var/run/slb/kubeconfig,ro=true",
                        "--env=POD_NAME=demo-proxy-abc",
                        "--env=POD_NAMESPACE=default",
                        "--env=KUBECONFIG=/var/run/slb/kubeconfig")
                .doesNotContain("--privileged")
                .noneMatch(a -> a.startsWith("--entrypoint"))
                .noneMatch(a -> a.startsWith("--security-opt=seccomp"));
        // The image's entrypoint gets the container's args, then the caller's.
        int image = args.indexOf("sha256:1234");
        assertThat(args.get(image - 1)).isEqualTo("--rm");
        assertThat(args.subList(image + 1, args.size()))
                .containsExactly("--configmap", "default/demo-proxy-config", "--bind-address", "127.0.9.1");
    }

    @Test
    void theContainersSettingsWinOverThePodsAndACommandReplacesTheEntrypoint() {
        PodSpec pod = pod("""
                spec:
                  securityContext: {runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}
                  containers:
                  - name: tool
                    image: tool
                    imagePullPolicy: Never
                    command: [java, -jar, "/opt/a \\"b\\".jar"]
                    workingDir: /work
                    securityContext: {runAsUser: 20002, seccompProfile: {type: Unconfined}}
                    volumeMounts: [{name: scratch, mountPath: /scratch}]
                  volumes:
                  - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
                """);
        List<String> args = PodmanRun.arguments(pod, pod.getContainers().get(0), WHERE);
        assertThat(args)
                .contains(
                        "--pull=never",
                        "--user=20002:10001",
                        "--security-opt=seccomp=unconfined",
                        "--workdir=/work",
                        "--entrypoint=[\"java\",\"-jar\",\"/opt/a \\\"b\\\".jar\"]",
                        "--mount=type=tmpfs,destination=/scratch,tmpfs-mode=0777,tmpfs-size=67108864")
                .doesNotContain("--read-only");
    }

    @Test
    void whatCannotBeRunAsAClusterWouldIsRefusedWithEveryReason() {
        PodSpec pod = pod("""
                spec:
                  securityContext: {runAsNonRoot: true, runAsUser: 0}
                  containers:
                  - name: proxy
                    image: slb-proxy
                    env:
                    - name: TOKEN
                      valueFrom: {secretKeyRef: {name: s, key: k}}
                    resources: {limits: {nvidia.com/gpu: "1"}}
                    volumeMounts:
                    - {name: data, mountPath: /data}
                    - {name: config, mountPath: /etc/config}
                  volumes:
                  - {name: data, hostPath: {path: /srv}}
                  - {name: config, configMap: {name: c}}
                """);
        assertThatThrownBy(() -> PodmanRun.arguments(pod, pod.getContainers().get(0), WHERE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be run as a cluster would")
                .hasMessageContaining("runAsUser is 0")
                .hasMessageContaining("env TOKEN from a Secret")
                .hasMessageContaining("resource nvidia.com/gpu")
                .hasMessageContaining("volume data is neither")
                .hasMessageContaining("volume config has no directory");
    }

    private static PodSpec pod(String yaml) {
        return Serialization.unmarshal(yaml, PodTemplateSpec.class).getSpec();
    }
}
