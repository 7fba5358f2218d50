package dev.slb.proxy.testing;

import dev.slb.model.Backend;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.SchedulerKind;
import dev.slb.model.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds a {@link Listener} on 127.0.0.1 and a free port, every setting optional. */
public final class TestingListener {
    private final String name;
    private final Protocol protocol;
    private int port = TestingPorts.free();
    private WebSocket websocket;
    private Duration idleTimeout;
    private Duration requestTimeout;
    private Duration connectTimeout;
    private SchedulerKind scheduler;
    private Integer maxRequestLineBytes;
    private Integer maxHeaderBytes;
    private Integer maxHeaders;
    private Duration requestHeaderTimeout;
    private Integer minRequestBodyBytesPerSecond;
    private HealthCheck healthCheck;
    private Duration connectionDrain;
    private final List<Backend> backends = new ArrayList<>();

    private TestingListener(String name, Protocol protocol) {
        this.name = name;
        this.protocol = protocol;
    }

    public static TestingListener http(String name) {
        return new TestingListener(name, Protocol.HTTP);
    }

    public static TestingListener tcp(String name) {
        return new TestingListener(name, Protocol.TCP);
    }

    public TestingListener port(int p) {
        this.port = p;
        return this;
    }

    public TestingListener backends(Backend... bs) {
        backends.addAll(List.of(bs));
        return this;
    }

    public TestingListener websocket(WebSocket w) {
        this.websocket = w;
        return this;
    }

    public TestingListener idleTimeout(Duration d) {
        this.idleTimeout = d;
        return this;
    }

    public TestingListener requestTimeout(Duration d) {
        this.requestTimeout = d;
        return this;
    }

    public TestingListener connectTimeout(Duration d) {
        this.connectTimeout = d;
        return this;
    }

    public TestingListener scheduler(SchedulerKind s) {
        this.scheduler = s;
        return this;
    }

    public TestingListener maxRequestLineBytes(int n) {
        this.maxRequestLineBytes = n;
        return this;
    }

    public TestingListener maxHeaderBytes(int n) {
        this.maxHeaderBytes = n;
        return this;
    }

    public TestingListener maxHeaders(int n) {
        this.maxHeaders = n;
        return this;
    }

    public TestingListener requestHeaderTimeout(Duration d) {
        this.requestHeaderTimeout = d;
        return this;
    }

    public TestingListener minRequestBodyBytesPerSecond(int n) {
        this.minRequestBodyBytesPerSecond = n;
        return this;
    }

    public TestingListener healthCheck(HealthCheck c) {
        this.healthCheck = c;
        return this;
    }

    public TestingListener connectionDrain(Duration d) {
        this.connectionDrain = d;
        return this;
    }

    public Listener build() {
        return new Listener(
                name,
                protocol,
                TestingPorts.LOOPBACK,
                port,
                null,
                websocket,
                idleTimeout,
                requestTimeout,
                connectTimeout,
                scheduler,
                maxRequestLineBytes,
                maxHeaderBytes,
                maxHeaders,
                requestHeaderTimeout,
                minRequestBodyBytesPerSecond,
                healthCheck,
                connectionDrain,
                false,
                backends);
    }
}
