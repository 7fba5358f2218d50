package dev.slb.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TlsProviderTest {
    @Test
    void openSslWhenItLoadsJdkOtherwise() throws TlsException {
        assertThat(TlsProvider.choose(null, true)).isEqualTo(TlsProvider.OPENSSL);
        assertThat(TlsProvider.choose("auto", true)).isEqualTo(TlsProvider.OPENSSL);
        assertThat(TlsProvider.choose(null, false)).isEqualTo(TlsProvider.JDK);
    }

    @Test
    void jdkCanBeForced() throws TlsException {
        assertThat(TlsProvider.choose("jdk", true)).isEqualTo(TlsProvider.JDK);
        assertThat(TlsProvider.choose(" JDK ", true)).isEqualTo(TlsProvider.JDK);
    }

    @Test
    void openSslAskedForButMissingIsAnErrorThatSaysWhatToDo() {
        assertThatThrownBy(() -> TlsProvider.choose("openssl", false))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("emptyDir at /tmp")
                .hasMessageContaining("-Dslb.tls.provider=jdk");
    }

    @Test
    void anUnknownSettingIsRefused() {
        assertThatThrownBy(() -> TlsProvider.choose("boringssl", true))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("auto, openssl, jdk");
    }

    @Test
    void theStartupLineNamesTheProviderInUse() throws TlsException {
        assertThat(TlsProvider.describeConfigured())
                .startsWith(TlsProvider.configured().name());
    }
}
