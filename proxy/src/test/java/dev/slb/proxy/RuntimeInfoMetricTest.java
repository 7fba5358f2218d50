package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.core.Transport;
import dev.slb.proxy.testing.TestingClients;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingMetrics;
import dev.slb.proxy.testing.TestingProxy;
import dev.slb.proxy.tls.TlsProvider;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * /metrics says which transport and TLS provider the process runs on, so a replica that fell back
 * to NIO and JDK TLS (a read-only root with no usable /tmp) shows on a dashboard, not only in a log.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RuntimeInfoMetricTest {

    @AfterEach
    void forgetTheForcedProviders() {
        System.clearProperty("slb.transport");
        System.clearProperty(TlsProvider.PROPERTY);
    }

    @Test
    void reportsTheTransportAndTlsProviderInUse() throws Exception {
        try (TestingProxy proxy = TestingProxy.start(TestingListener.http("web").build())) {
            String text = metrics(proxy);
            assertThat(text).contains("# TYPE slb_runtime_info gauge\n");
            assertThat(TestingMetrics.parse(text)
                            .value(
                                    "slb_runtime_info",
                                    "transport",
                                    Transport.best().name().toLowerCase(Locale.ROOT),
                                    "tls",
                                    TlsProvider.configured().name().toLowerCase(Locale.ROOT)))
                    .isEqualTo(1);
        }
    }

    @Test
    void reportsNioAndJdkWhenThoseAreWhatRuns() throws Exception {
        System.setProperty("slb.transport", "nio");
        System.setProperty(TlsProvider.PROPERTY, "jdk");
        try (TestingProxy proxy = TestingProxy.start(TestingListener.http("web").build())) {
            assertThat(TestingMetrics.parse(metrics(proxy)).value("slb_runtime_info", "transport", "nio", "tls", "jdk"))
                    .isEqualTo(1);
        }
    }

    private static String metrics(TestingProxy proxy) throws Exception {
        return TestingClients.getText(TestingClients.http11(), proxy.adminUri("/metrics"))
                .body();
    }
}
