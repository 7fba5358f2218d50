package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.proxy.ProxyMain.Options;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: {@code --bind-address} and {@code --root} with either config source, and what a mistake prints. */
class ProxyMainOptionsTest {
    @TempDir
    Path dir;

    @Test
    void bothOptionsWorkWithAConfigFile() {
        // An absolute --config names a file in the pod's filesystem (a mounted ConfigMap) as well.
        Options options = Options.parse(
                "--config", "/etc/slb/config/config.yaml", "--bind-address", "127.0.0.2", "--root", dir.toString());
        Path mounted = dir.resolve("etc/slb/config/config.yaml");
        assertThat(options.configFile()).isEqualTo(mounted);
        assertThat(options.placement()).isEqualTo(new Placement(mounted.getParent(), dir, "127.0.0.2"));
    }

    @Test
    void aRelativeConfigFileIsNotMovedUnderTheRoot() {
        Options options = Options.parse("--config", "examples/websocket.yaml", "--root", dir.toString());
        assertThat(options.configFile()).isEqualTo(Path.of("examples/websocket.yaml"));
    }

    @Test
    void bothOptionsWorkWithAConfigMap() {
        Options options = Options.parse(
                "--root", dir.toString(), "--configmap", "default/chat-proxy-config", "--bind-address", "127.0.0.3");
        assertThat(options.namespace()).isEqualTo("default");
        assertThat(options.name()).isEqualTo("chat-proxy-config");
        assertThat(options.placement()).isEqualTo(new Placement(null, dir, "127.0.0.3"));
    }

    @Test
    void withoutThemPathsAndAddressesAreAsBefore() {
        assertThat(Options.parse("--config", "examples/websocket.yaml").placement())
                .isEqualTo(new Placement(Path.of("examples").toAbsolutePath(), null, null));
        assertThat(Options.parse("--configmap", "ns/name").placement()).isEqualTo(Placement.AS_WRITTEN);
    }

    @Test
    void aHostNameIsRefusedAsBindAddress() {
        assertThatThrownBy(() -> Options.parse("--config", "c.yaml", "--bind-address", "x"))
                .hasMessageStartingWith("--bind-address needs an IP literal, not 'x'");
        assertThatThrownBy(() -> Options.parse("--config", "c.yaml", "--bind-address", "pod-2.local"))
                .hasMessageStartingWith("--bind-address needs an IP literal, not 'pod-2.local'");
    }

    @Test
    void aRootThatIsNotADirectoryIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "");
        for (Path notDirectory : new Path[] {dir.resolve("absent"), file}) {
            assertThatThrownBy(() -> Options.parse("--config", "c.yaml", "--root", notDirectory.toString()))
                    .hasMessageStartingWith("--root needs an existing directory")
                    .hasMessageContaining("'" + notDirectory + "'");
        }
    }

    @Test
    void anOptionWithoutItsValueSaysWhatIsMissing() {
        assertThatThrownBy(() -> Options.parse("--config", "c.yaml", "--bind-address"))
                .hasMessage("--bind-address needs an IP literal such as 127.0.0.2 after it");
        assertThatThrownBy(() -> Options.parse("--config", "c.yaml", "--root", "--bind-address", "127.0.0.2"))
                .hasMessage("--root needs a directory after it");
    }

    @Test
    void theConfigSourceIsStillCheckedAsBefore() {
        assertThatThrownBy(() -> Options.parse("--bind-address", "127.0.0.2"))
                .hasMessage("give --config FILE or --configmap NAMESPACE/NAME");
        assertThatThrownBy(() -> Options.parse("--config", "c.yaml", "--configmap", "a/b"))
                .hasMessage("give --config or --configmap, not both");
        assertThatThrownBy(() -> Options.parse("--configmap", "a/b/c"))
                .hasMessage("--configmap takes NAMESPACE/NAME, not 'a/b/c'");
        assertThatThrownBy(() -> Options.parse("--config", "c.yaml", "--bind")).hasMessage("unknown argument: --bind");
        assertThat(Options.parse("--config", "c.yaml", "--help")).isSameAs(Options.HELP);
    }
}
