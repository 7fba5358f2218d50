package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class KubeconfigWriterTest {

    @Test
    void writesAPlainHttpContextWithAnUncheckedTokenAndNoOtherCredential(@TempDir Path dir) throws Exception {
        Path file = KubeconfigWriter.write(dir.resolve("sub/kubeconfig"), "http://127.0.0.1:1234", "default");
        String text = Files.readString(file);
        assertThat(file).isAbsolute();
        assertThat(text)
                .contains("server: \"http://127.0.0.1:1234\"")
                .contains("current-context: slb-local")
                .contains("namespace: \"default\"")
                .doesNotContain("password")
                .doesNotContain("certificate");
        // Without a token the fabric8 client re-reads the kubeconfig before every request.
        assertThat(Config.fromKubeconfig(text).getAutoOAuthToken()).isEqualTo("slb-local-unchecked");
    }
}
