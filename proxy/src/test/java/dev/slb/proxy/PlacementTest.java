package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.Admin;
import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a config is placed: wildcard addresses become {@code --bind-address}, absolute file paths are
 * read under {@code --root}, relative ones from the config's folder; nothing else changes.
 */
class PlacementTest {
    private static final Path BASE = Path.of("/srv/slb/config");
    private static final Path ROOT = Path.of("/var/lib/slb-local/pods/chat-0");

    private static Listener listener(String name, String bindAddress, int port, Tls tls) {
        return Listener.builder(name, tls == null ? Protocol.HTTP : Protocol.HTTPS, port)
                .bindAddress(bindAddress)
                .tls(tls)
                .backends(List.of(new Backend("10.0.0.7", 8080, 100)))
                .build();
    }

    private static ProxyConfig config(Admin admin, Listener... listeners) {
        return new ProxyConfig("v1", "chat", null, admin, null, List.of(listeners));
    }

    @Test
    void everyWildcardSpellingBindsTheGivenAddress() {
        Placement pod = new Placement(null, null, "127.0.0.2");
        for (String wildcard : new String[] {null, "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "::ffff:0.0.0.0"}) {
            assertThat(pod.address(wildcard)).as("%s", wildcard).isEqualTo("127.0.0.2");
        }
    }

    @Test
    void anExplicitAddressIsKept() {
        Placement pod = new Placement(null, null, "127.0.0.2");
        for (String explicit : new String[] {"127.0.0.1", "10.1.2.3", "::1", "localhost", ""}) {
            assertThat(pod.address(explicit)).as("'%s'", explicit).isEqualTo(explicit);
        }
    }

    @Test
    void withoutBindAddressTheWildcardStays() {
        Placement asWritten = new Placement(BASE, ROOT, null);
        assertThat(asWritten.address(null)).isNull();
        assertThat(asWritten.address("0.0.0.0")).isEqualTo("0.0.0.0");
    }

    @Test
    void listenersAndTheAdminPortAreBothPlaced() {
        ProxyConfig rendered = config(
                new Admin(null, 9901),
                listener("web", null, 8080, null),
                listener("all", "0.0.0.0", 8081, null),
                listener("own", "127.0.0.9", 8082, null));

        ProxyConfig placed = new Placement(BASE, null, "127.0.0.3").apply(rendered);

        assertThat(placed.admin()).isEqualTo(new Admin("127.0.0.3", 9901));
        assertThat(placed.listeners())
                .extracting(Listener::bindAddress)
                .containsExactly("127.0.0.3", "127.0.0.3", "127.0.0.9");
        assertThat(placed.withAdmin(rendered.admin()).withListeners(rendered.listeners()))
                .as("nothing else changes")
                .isEqualTo(rendered);
        assertThat(new Placement(BASE, null, "127.0.0.3")
                        .apply(config(new Admin("127.0.0.1", 9901)))
                        .admin())
                .as("an explicit admin address is kept")
                .isEqualTo(new Admin("127.0.0.1", 9901));
    }

    @Test
    void absolutePathsAreReadUnderTheRootAndRelativeOnesFromTheConfigFolder() {
        Placement pod = new Placement(BASE, ROOT, null);
        assertThat(pod.file("/etc/slb/tls/demo-tls/tls.crt"))
                .isEqualTo("/var/lib/slb-local/pods/chat-0/etc/slb/tls/demo-tls/tls.crt");
        assertThat(pod.file("certs/tls.crt")).isEqualTo("/srv/slb/config/certs/tls.crt");
        assertThat(pod.file("/../../etc/passwd"))
                .as("as in a container, '/..' is '/'")
                .isEqualTo("/var/lib/slb-local/pods/chat-0/etc/passwd");
    }

    @Test
    void withoutRootPathsAreAsToday() {
        Placement file = new Placement(BASE, null, null);
        assertThat(file.file("/etc/slb/tls/demo-tls/tls.crt")).isEqualTo("/etc/slb/tls/demo-tls/tls.crt");
        assertThat(file.file("certs/tls.crt")).isEqualTo("/srv/slb/config/certs/tls.crt");

        Placement configMap = new Placement(null, ROOT, null);
        assertThat(configMap.file("certs/tls.crt"))
                .as("a ConfigMap has no folder: relative stays as written")
                .isEqualTo("certs/tls.crt");
    }

    @Test
    void tlsFilesOfEveryHttpsListenerArePlacedAndThePolicyKept() {
        Tls rendered = new Tls("/etc/slb/tls/demo-tls/tls.crt", "/etc/slb/tls/demo-tls/tls.key", TlsPolicy.DEFAULT);
        ProxyConfig placed =
                new Placement(BASE, ROOT, "127.0.0.2").apply(config(null, listener("secure", null, 8443, rendered)));

        Listener secure = placed.listener("secure").orElseThrow();
        assertThat(secure.tls())
                .isEqualTo(new Tls(
                        ROOT + "/etc/slb/tls/demo-tls/tls.crt",
                        ROOT + "/etc/slb/tls/demo-tls/tls.key",
                        TlsPolicy.DEFAULT));
        assertThat(secure.bindAddress()).isEqualTo("127.0.0.2");
    }

    @Test
    void aTlsSecretIsReadThroughTheApiAndHasNoFileToPlace() {
        Tls secret = Tls.fromSecret("demo-tls", TlsPolicy.DEFAULT);
        ProxyConfig placed =
                new Placement(BASE, ROOT, "127.0.0.2").apply(config(null, listener("secure", null, 8443, secret)));

        assertThat(placed.listener("secure").orElseThrow().tls()).isEqualTo(secret);
    }

    /** A reload is placed the same way, so ProxyServer sees the same address for a kept port and no change at all for the same text. */
    @Test
    void placingIsTheSameForEveryCopyOfTheConfig() {
        Placement pod = new Placement(BASE, ROOT, "127.0.0.2");
        ProxyConfig rendered = config(
                null,
                listener("web", null, 8080, null),
                listener("secure", null, 8443, new Tls("/etc/slb/tls/x/tls.crt", "/etc/slb/tls/x/tls.key", null)));
        assertThat(pod.apply(rendered)).isEqualTo(pod.apply(rendered));
        assertThat(Placement.AS_WRITTEN.apply(rendered)).isEqualTo(rendered);
    }

    @Test
    void theBindAddressIsALiteralNeverAHostName() {
        assertThat(Placement.isIpLiteral("127.0.0.2")).isTrue();
        assertThat(Placement.isIpLiteral("::1")).isTrue();
        for (String notLiteral : new String[] {"localhost", "pod-2", "127.0.0", "127.0.0.256", " 127.0.0.2", ""}) {
            assertThat(Placement.isIpLiteral(notLiteral)).as("'%s'", notLiteral).isFalse();
        }
        assertThatThrownBy(() -> new Placement(null, null, "localhost")).hasMessageContaining("'localhost'");
    }
}
