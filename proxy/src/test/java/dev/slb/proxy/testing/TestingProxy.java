package dev.slb.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Admin;
import dev.slb.model.ConfigValidator;
import dev.slb.model.Drain;
import dev.slb.model.Limits;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.proxy.ProxyServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * An in-process proxy ({@link ProxyServer} with two worker threads) serving a config built in
 * the test: listeners and admin on 127.0.0.1 and free ports. Closed after the test.
 */
public final class TestingProxy implements AutoCloseable {
    public static final int WORKER_THREADS = 2;

    private final ProxyServer server;

    private TestingProxy(ProxyServer server) {
        this.server = server;
    }

    /** A valid config: admin on a free loopback port, a short drain, no limits. */
    public static ProxyConfig config(String version, Listener... listeners) {
        return new ProxyConfig(
                version,
                "testing",
                Limits.UNLIMITED,
                new Admin(TestingPorts.LOOPBACK, TestingPorts.free()),
                new Drain(Duration.ofMillis(200), Duration.ofSeconds(2)),
                List.of(listeners));
    }

    public static TestingProxy start(Listener... listeners) throws Exception {
        return start(config("v1", listeners));
    }

    public static TestingProxy start(ProxyConfig config) throws Exception {
        assertThat(ConfigValidator.validate(config))
                .as("the test's own config is valid")
                .isEmpty();
        return new TestingProxy(ProxyServer.start(config, WORKER_THREADS));
    }

    /** Starts {@code config}, writing the access log to {@code accessLog} instead of standard output. */
    public static TestingProxy start(ProxyConfig config, java.io.OutputStream accessLog) throws Exception {
        assertThat(ConfigValidator.validate(config))
                .as("the test's own config is valid")
                .isEmpty();
        return new TestingProxy(
                ProxyServer.start(config, WORKER_THREADS, dev.slb.proxy.tls.SecretStore.NONE, accessLog));
    }

    public ProxyServer server() {
        return server;
    }

    public ProxyConfig config() {
        return server.config();
    }

    /** The port a listener accepts on. */
    public int port(String listener) {
        return server.listenerAddress(listener).getPort();
    }

    public URI uri(String listener, String pathAndQuery) {
        return URI.create("http://" + TestingPorts.LOOPBACK + ":" + port(listener) + pathAndQuery);
    }

    public URI adminUri(String path) {
        return URI.create(
                "http://" + TestingPorts.LOOPBACK + ":" + server.adminAddress().getPort() + path);
    }

    /** Applies a new config (validated first, as the proxy process does). */
    public void apply(ProxyConfig next) throws Exception {
        assertThat(ConfigValidator.validate(next))
                .as("the test's own config is valid")
                .isEmpty();
        server.apply(next);
    }

    @Override
    public void close() {
        server.close();
    }
}
