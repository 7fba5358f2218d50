package dev.slb.proxy.testing;

import dev.slb.model.AccessControl;
import dev.slb.model.Backend;
import dev.slb.model.ForwardedHeaders;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.SchedulerKind;
import dev.slb.model.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link Listener} on 127.0.0.1 and a free port, every setting optional: {@link
 * Listener.Builder} with the test's address and port filled in.
 */
public final class TestingListener {
    private final Listener.Builder listener;
    private final List<Backend> backends = new ArrayList<>();

    private TestingListener(String name, Protocol protocol) {
        this.listener = Listener.builder(name, protocol, TestingPorts.free()).bindAddress(TestingPorts.LOOPBACK);
    }

    public static TestingListener http(String name) {
        return new TestingListener(name, Protocol.HTTP);
    }

    public static TestingListener tcp(String name) {
        return new TestingListener(name, Protocol.TCP);
    }

    /** A UDP listener on a port free for UDP (and TCP) now. */
    public static TestingListener udp(String name) {
        TestingListener l = new TestingListener(name, Protocol.UDP);
        l.listener.port(TestingPorts.freeUdp());
        return l;
    }

    public TestingListener port(int p) {
        listener.port(p);
        return this;
    }

    public TestingListener backends(Backend... bs) {
        backends.addAll(List.of(bs));
        return this;
    }

    public TestingListener websocket(WebSocket w) {
        listener.websocket(w);
        return this;
    }

    public TestingListener idleTimeout(Duration d) {
        listener.idleTimeout(d);
        return this;
    }

    public TestingListener httpKeepaliveTimeout(Duration d) {
        listener.httpKeepaliveTimeout(d);
        return this;
    }

    public TestingListener forwardedHeaders(ForwardedHeaders f) {
        listener.forwardedHeaders(f);
        return this;
    }

    public TestingListener proxyProtocol(boolean on) {
        listener.proxyProtocol(on);
        return this;
    }

    public TestingListener proxyProtocolTrustedCidrs(List<String> cidrs) {
        listener.proxyProtocolTrustedCidrs(cidrs);
        return this;
    }

    public TestingListener accessControl(AccessControl a) {
        listener.accessControl(a);
        return this;
    }

    public TestingListener servicePort(int p) {
        listener.servicePort(p);
        return this;
    }

    public TestingListener requestTimeout(Duration d) {
        listener.requestTimeout(d);
        return this;
    }

    public TestingListener connectTimeout(Duration d) {
        listener.connectTimeout(d);
        return this;
    }

    public TestingListener scheduler(SchedulerKind s) {
        listener.scheduler(s);
        return this;
    }

    public TestingListener maxRequestLineBytes(int n) {
        listener.maxRequestLineBytes(n);
        return this;
    }

    public TestingListener maxHeaderBytes(int n) {
        listener.maxHeaderBytes(n);
        return this;
    }

    public TestingListener maxHeaders(int n) {
        listener.maxHeaders(n);
        return this;
    }

    public TestingListener requestHeaderTimeout(Duration d) {
        listener.requestHeaderTimeout(d);
        return this;
    }

    public TestingListener minRequestBodyBytesPerSecond(int n) {
        listener.minRequestBodyBytesPerSecond(n);
        return this;
    }

    public TestingListener healthCheck(HealthCheck c) {
        listener.healthCheck(c);
        return this;
    }

    public TestingListener connectionDrain(Duration d) {
        listener.connectionDrain(d);
        return this;
    }

    public Listener build() {
        return listener.backends(List.copyOf(backends)).build();
    }
}
