package dev.slb.operator.desired;

import dev.slb.operator.api.BackendGroupSpec;
import dev.slb.operator.api.BackendSpec;
import dev.slb.operator.api.ForwardingRuleSpec;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Scheduler;
import dev.slb.operator.api.ServiceBackendRef;
import dev.slb.operator.api.Tier;
import dev.slb.operator.api.TlsSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;

/** LoadBalancer specs built in Java for unit tests. */
final class TestingSpecs {
    private TestingSpecs() {}

    static ListenerSpec listener(String name, ListenerProtocol protocol, int port) {
        ListenerSpec l = new ListenerSpec();
        l.name = name;
        l.protocol = protocol;
        l.port = port;
        return l;
    }

    static ListenerSpec https(String name, int port, String secretName) {
        ListenerSpec l = listener(name, ListenerProtocol.HTTPS, port);
        l.tls = new TlsSpec();
        l.tls.secretName = secretName;
        return l;
    }

    static BackendSpec service(String name, int port) {
        BackendSpec b = new BackendSpec();
        b.service = new ServiceBackendRef();
        b.service.name = name;
        b.service.port = port;
        return b;
    }

    static BackendSpec address(String address, int port) {
        BackendSpec b = new BackendSpec();
        b.address = address;
        b.port = port;
        return b;
    }

    /** A backend group; a null scheduler is the default (wrr). */
    static BackendGroupSpec group(String name, Scheduler scheduler, BackendSpec... backends) {
        BackendGroupSpec g = new BackendGroupSpec();
        g.name = name;
        g.scheduler = scheduler;
        g.backends = new ArrayList<>(List.of(backends));
        return g;
    }

    /** A forwarding rule; a null host or path is absent. */
    static ForwardingRuleSpec rule(String host, String path, String group) {
        ForwardingRuleSpec r = new ForwardingRuleSpec();
        r.host = host;
        r.path = path;
        r.backendGroup = group;
        return r;
    }

    /** Shared tier, HTTP 80 + HTTPS 443 (Secret web-tls), Service backend app:8080; not normalized. */
    static LoadBalancerSpec spec() {
        LoadBalancerSpec spec = new LoadBalancerSpec();
        spec.listeners.add(listener("web", ListenerProtocol.HTTP, 80));
        spec.listeners.add(https("secure", 443, "web-tls"));
        spec.backends.add(service("app", 8080));
        return spec;
    }

    /** A normalized LoadBalancer default/web with the given spec and tier. */
    static LoadBalancer lb(LoadBalancerSpec spec, Tier tier) {
        spec.tier = tier;
        LoadBalancer lb = new LoadBalancer();
        lb.setMetadata(new ObjectMetaBuilder()
                .withName("web")
                .withNamespace("default")
                .withUid("uid-1")
                .build());
        lb.setSpec(spec);
        return Specs.normalize(lb);
    }

    static LoadBalancer lb(Tier tier) {
        return lb(spec(), tier);
    }
}
