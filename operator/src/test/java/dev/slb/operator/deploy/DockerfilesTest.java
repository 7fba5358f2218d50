package dev.slb.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.desired.ProxyConfigs;
import dev.slb.operator.desired.ProxyResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The two Dockerfiles agree with what runs them: the user the pods run as, the proxy's admin port,
 * files that exist, no shell entrypoint. The images themselves are built and run by the tests in
 * deploy/images.
 */
class DockerfilesTest {
    private static final Path OPERATOR = DeployManifests.REPO.resolve("operator/Dockerfile");
    private static final Path PROXY = DeployManifests.REPO.resolve("proxy/Dockerfile");

    @Test
    void bothRunAsTheNonRootUserThePodsDeclare() throws IOException {
        assertThat(instructions(OPERATOR, "USER")).containsExactly(String.valueOf(OperatorDeploymentTest.OPERATOR_UID));
        assertThat(instructions(PROXY, "USER")).containsExactly(String.valueOf(ProxyResources.PROXY_UID));
    }

    @Test
    void bothStartFromABaseArgumentThatDefaultsToTheJreImageWithNoRegistryHostAndNoShell() throws IOException {
        for (Path dockerfile : List.of(OPERATOR, PROXY)) {
            // deploy/images/build passes its own base, made from Debian's packages; users get the public one.
            assertThat(instructions(dockerfile, "ARG"))
                    .as("%s", dockerfile)
                    .containsExactly("BASE=eclipse-temurin:17-jre");
            assertThat(instructions(dockerfile, "FROM")).as("%s", dockerfile).containsExactly("${BASE}");
            assertThat(instructions(dockerfile, "RUN")).as("%s", dockerfile).isEmpty();
            assertThat(instructions(dockerfile, "ENTRYPOINT"))
                    .as("%s: exec form", dockerfile)
                    .singleElement()
                    .asString()
                    .startsWith("[\"");
        }
    }

    @Test
    void theProxyImageExposesTheAdminPortAndShipsItsLauncher() throws IOException {
        assertThat(instructions(PROXY, "EXPOSE")).containsExactly(String.valueOf(ProxyConfigs.ADMIN_PORT));
        Path launcher = DeployManifests.REPO.resolve("proxy/bin/slb-proxy");
        assertThat(launcher).isExecutable();
        assertThat(String.join("\n", instructions(PROXY, "COPY")))
                .contains("proxy/bin/slb-proxy /opt/slb-proxy/bin/slb-proxy")
                // the launcher looks for the jar in ../target, next to bin/
                .contains("proxy/target/slb-proxy.jar /opt/slb-proxy/target/slb-proxy.jar");
        assertThat(instructions(PROXY, "ENTRYPOINT")).containsExactly("[\"/opt/slb-proxy/bin/slb-proxy\"]");
    }

    @Test
    void theOperatorImageShipsItsLauncherWithTheJvmFlags() throws IOException {
        Path launcher = DeployManifests.REPO.resolve("operator/bin/slb-operator");
        assertThat(launcher).isExecutable();
        assertThat(String.join("\n", instructions(OPERATOR, "COPY")))
                .contains("operator/bin/slb-operator /opt/slb-operator/bin/slb-operator")
                .contains("operator/target/slb-operator.jar /opt/slb-operator/target/slb-operator.jar");
        assertThat(instructions(OPERATOR, "ENTRYPOINT")).containsExactly("[\"/opt/slb-operator/bin/slb-operator\"]");
    }

    /** The arguments of every instruction of this kind, in order (no line continuations are used). */
    private static List<String> instructions(Path dockerfile, String keyword) throws IOException {
        return Files.readAllLines(dockerfile).stream()
                .map(String::strip)
                .filter(l -> !l.startsWith("#"))
                .filter(l -> l.regionMatches(true, 0, keyword + " ", 0, keyword.length() + 1))
                .map(l -> l.substring(keyword.length()).strip())
                .toList();
    }
}
