package dev.slb.operator.desired;

import dev.slb.model.AccessControl;
import dev.slb.model.Admin;
import dev.slb.model.Backend;
import dev.slb.model.BackendGroup;
import dev.slb.model.ClientAuthentication;
import dev.slb.model.ConfigCodec;
import dev.slb.model.ConfigValidator;
import dev.slb.model.ExtraCertificate;
import dev.slb.model.ForwardedHeaders;
import dev.slb.model.ForwardingRule;
import dev.slb.model.HealthCheck;
import dev.slb.model.Listener;
import dev.slb.model.Persistence;
import dev.slb.model.Protocol;
import dev.slb.model.ProxyConfig;
import dev.slb.model.ProxyProtocolVersion;
import dev.slb.model.Redirect;
import dev.slb.model.SchedulerKind;
import dev.slb.model.StickySession;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import dev.slb.model.WebSocket;
import dev.slb.operator.api.AccessControlSpec;
import dev.slb.operator.api.AccessListSpec;
import dev.slb.operator.api.BackendGroupSpec;
import dev.slb.operator.api.BackendProxyProtocol;
import dev.slb.operator.api.BackendSpec;
import dev.slb.operator.api.ClientAuthenticationSpec;
import dev.slb.operator.api.ForwardedHeadersSpec;
import dev.slb.operator.api.ForwardingRuleSpec;
import dev.slb.operator.api.HealthCheckProtocol;
import dev.slb.operator.api.HealthCheckSpec;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Reason;
import dev.slb.operator.api.StatusClass;
import dev.slb.operator.api.StickySessionSpec;
import dev.slb.operator.api.Tier;
import dev.slb.operator.api.TlsCipherPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Renders the proxy config (model/ records) a LoadBalancer's proxies serve, with its content-hash version. */
public final class ProxyConfigs {
    /** The proxy's admin port inside the pod: probes and the config version the operator checks. */
    public static final int ADMIN_PORT = Admin.DEFAULT_PORT;
    /** The reason WebSocket is off on a shared instance. */
    public static final String WEBSOCKET_REQUIRES_GUARANTEED = Reason.RequiresGuaranteedPerformance.name();

    /** What the proxy takes as an instance address; anything else a Service says is left out. */
    private static final Pattern INSTANCE_ADDRESS = Pattern.compile(ConfigValidator.INSTANCE_ADDRESS_PATTERN);

    private static final int PRIVILEGED_PORTS = 1024;
    private static final int POD_PORT_OFFSET = 10_000;

    private ProxyConfigs() {}

    /**
     * The port a listener binds inside the pod: ports below 1024 move up by 10000, as a non-root
     * process cannot bind them; the Service maps the listener port to this one.
     */
    public static int podPort(int listenerPort) {
        return listenerPort < PRIVILEGED_PORTS ? listenerPort + POD_PORT_OFFSET : listenerPort;
    }

    /**
     * The config for every proxy replica of a valid, normalized LoadBalancer on the tier in effect.
     * Service backends become their ready endpoints (a Service with no entry in {@code endpoints}
     * contributes none); static backends are used as given; each carries its BackendSpec's weight.
     * The version is a hash of the rest of the content: equal input, equal version.
     */
    public static ProxyConfig render(
            LoadBalancer lb,
            Tier inEffect,
            Map<ServiceKey, List<ResolvedEndpoint>> endpoints,
            OperatorSettings settings) {
        return render(lb, inEffect, endpoints, settings, Optional.empty());
    }

    /**
     * As above, with {@code instanceAddress} the address of the instance's Service (its load
     * balancer's ip or hostname, empty while it has none). It is written only when some listener
     * sends SLB-IP: a Service getting or changing its address is then a reload, and for every other
     * instance it changes nothing, nor does it on operator upgrade.
     */
    public static ProxyConfig render(
            LoadBalancer lb,
            Tier inEffect,
            Map<ServiceKey, List<ResolvedEndpoint>> endpoints,
            OperatorSettings settings,
            Optional<String> instanceAddress) {
        List<Backend> backends = backends(lb.getSpec().backends, endpoints);
        Map<String, BackendGroup> groups = groups(lb.getSpec(), endpoints);
        List<Listener> listeners = new ArrayList<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            listeners.add(withLayer4(
                    withStickySession(
                            withRedirect(
                                    withGroups(listener(lb, inEffect, l, backends), lb.getSpec(), l, groups),
                                    lb.getSpec(),
                                    l),
                            lb,
                            l),
                    l));
        }
        ProxyConfig unversioned = new ProxyConfig(
                "",
                instance(lb),
                Sizing.of(inEffect).perReplica(),
                new Admin(null, ADMIN_PORT),
                settings.forInstance(lb.getSpec()).drain(),
                listeners,
                listeners.stream()
                                .anyMatch(l -> l.forwardedHeaders() != null
                                        && l.forwardedHeaders().slbIp())
                        ? instanceAddress
                                .filter(a -> INSTANCE_ADDRESS.matcher(a).matches())
                                .orElse(null)
                        : null);
        return unversioned.withVersion(Hashes.of(ConfigCodec.write(unversioned)));
    }

    /** The config as the ConfigMap holds it. */
    public static String yaml(ProxyConfig config) {
        return ConfigCodec.write(config);
    }

    /**
     * WebSocket for one listener on the tier in effect: null for TCP; on for HTTP/HTTPS on a
     * guaranteed tier; off on {@code shared}, with a message naming the field to edit.
     */
    public static WebSocket websocket(LoadBalancer lb, Tier inEffect, ListenerSpec l) {
        if (!protocol(l).isHttp()) {
            return null;
        }
        if (!inEffect.guaranteed()) {
            return WebSocket.disabled(WEBSOCKET_REQUIRES_GUARANTEED, websocketDisabledMessage(lb));
        }
        Duration keepalive =
                l.websocketKeepaliveSeconds == null ? null : Duration.ofSeconds(l.websocketKeepaliveSeconds);
        return new WebSocket(true, null, null, keepalive);
    }

    /** What a person reads when WebSocket is off on a shared instance: the field to edit and the tiers that allow it. */
    public static String websocketDisabledMessage(LoadBalancer lb) {
        String name = lb.getMetadata().getName();
        String namespace = lb.getMetadata().getNamespace();
        String lowest = Tier.S1_SMALL.wireName();
        return "WebSocket needs a guaranteed-performance tier. Set spec.tier of LoadBalancer " + namespace + "/" + name
                + " to " + lowest + " or larger (kubectl patch slb " + name + " -n " + namespace
                + " --type merge -p '{\"spec\":{\"tier\":\"" + lowest + "\"}}'); WebSocket is then on by default.";
    }

    private static Listener listener(LoadBalancer lb, Tier inEffect, ListenerSpec l, List<Backend> backends) {
        Tls tls = null;
        if (l.tls != null) {
            TlsPolicy policy = TlsPolicy.valueOf(tlsPolicy(inEffect, l).name());
            // By name: the proxies read the Secret through the API, so a new Secret is a reload, not a new pod.
            tls = Tls.fromSecret(l.tls.secretName, policy)
                    .withExtraCertificates(extraCertificates(l))
                    .withClientAuthentication(
                            l.tls.clientAuthentication == null
                                    ? null
                                    : new ClientAuthentication(
                                            l.tls.clientAuthentication.caSecretName,
                                            null,
                                            l.tls.clientAuthentication.mode == ClientAuthenticationSpec.Mode.Optional
                                                    ? ClientAuthentication.Mode.OPTIONAL
                                                    : ClientAuthentication.Mode.REQUIRE));
        }
        return Listener.builder(l.name, protocol(l), podPort(l.port))
                .tls(tls)
                .websocket(websocket(lb, inEffect, l))
                .idleTimeout(Duration.ofSeconds(l.idleTimeoutSeconds))
                .requestTimeout(seconds(l.requestTimeoutSeconds))
                .scheduler(SchedulerKind.valueOf(l.scheduler.name()))
                .maxHeaders(l.maxHeaders)
                .requestHeaderTimeout(seconds(l.requestHeaderTimeoutSeconds))
                .minRequestBodyBytesPerSecond(l.minRequestBodyBytesPerSecond)
                .healthCheck(healthCheck(l.healthCheck))
                .connectionDrain(seconds(l.connectionDrainSeconds))
                .ejectOnServerErrors(Boolean.TRUE.equals(l.ejectOnServerErrors))
                .httpKeepaliveTimeout(seconds(l.httpKeepaliveTimeoutSeconds))
                .forwardedHeaders(forwardedHeaders(l.forwardedHeaders))
                // X-Forwarded-Port names the port clients connect to, which the pod port is not below 1024.
                .servicePort(podPort(l.port) == l.port ? null : l.port)
                .accessControl(accessControl(l.accessControl))
                .proxyProtocol(Boolean.TRUE.equals(l.proxyProtocol))
                .proxyProtocolTrustedCidrs(l.proxyProtocolTrustedCidrs)
                .http2(http2(inEffect, l))
                .compression(l.compression)
                .accessLog(Boolean.TRUE.equals(l.accessLog))
                .backends(backends)
                .build();
    }

    // ---- sticky sessions ----

    /**
     * A listener's sticky session, keyed by the LoadBalancer's uid: the same on every replica and
     * across reloads, tier changes and scale-ups (all render from the same object), so every replica
     * reads a cookie alike; a LoadBalancer deleted and created again gets new cookies.
     */
    private static Listener withStickySession(Listener listener, LoadBalancer lb, ListenerSpec l) {
        if (l.stickySession == null) {
            return listener;
        }
        String uid = lb.getMetadata().getUid();
        String key = uid == null || uid.isEmpty() ? instance(lb) : uid;
        return listener.toBuilder()
                .stickySession(new StickySession(
                        l.stickySession.type == StickySessionSpec.Type.Server
                                ? StickySession.Type.SERVER
                                : StickySession.Type.INSERT,
                        l.stickySession.cookie,
                        seconds(l.stickySession.cookieTimeoutSeconds),
                        key,
                        l.stickySession.sameSite == null
                                ? null
                                : StickySession.SameSite.valueOf(
                                        l.stickySession.sameSite.name().toUpperCase(Locale.ROOT))))
                .build();
    }

    // ---- layer 4 ----

    /** The layer-4 settings: source-address persistence and the PROXY header to backends. */
    private static Listener withLayer4(Listener listener, ListenerSpec l) {
        if (l.persistence == null && l.backendProxyProtocol == null) {
            return listener;
        }
        return listener.toBuilder()
                .persistence(l.persistence == null ? null : Persistence.sourceIp(seconds(l.persistence.timeoutSeconds)))
                .backendProxyProtocol(
                        l.backendProxyProtocol == null
                                ? null
                                : l.backendProxyProtocol == BackendProxyProtocol.V1
                                        ? ProxyProtocolVersion.V1
                                        : ProxyProtocolVersion.V2)
                .build();
    }

    // ---- redirect to HTTPS ----

    /** An HTTP listener that redirects: the Location names the HTTPS listener's port as clients reach it (the Service's). */
    private static Listener withRedirect(Listener listener, LoadBalancerSpec spec, ListenerSpec l) {
        if (l.redirectToListener == null) {
            return listener;
        }
        int port = spec.listeners.stream()
                .filter(m -> l.redirectToListener.equals(m.name))
                .findFirst()
                .orElseThrow()
                .port;
        return listener.toBuilder().redirect(new Redirect(port)).build();
    }

    // ---- backend groups and forwarding rules ----

    /** Every backend group of the spec, rendered as its listeners would use it, by name. */
    private static Map<String, BackendGroup> groups(
            LoadBalancerSpec spec, Map<ServiceKey, List<ResolvedEndpoint>> endpoints) {
        Map<String, BackendGroup> groups = new LinkedHashMap<>();
        if (spec.backendGroups != null) {
            for (BackendGroupSpec g : spec.backendGroups) {
                groups.put(
                        g.name,
                        new BackendGroup(
                                g.name, SchedulerKind.valueOf(g.scheduler.name()), backends(g.backends, endpoints)));
            }
        }
        return groups;
    }

    /**
     * A listener with its default group and its rules: a named default group's backends and scheduler
     * take the place of spec.backends and the listener's scheduler, and only the groups its rules name
     * are written (in spec order). A listener that names no group and uses none renders as before
     * groups existed, byte for byte.
     */
    private static Listener withGroups(
            Listener listener, LoadBalancerSpec spec, ListenerSpec l, Map<String, BackendGroup> groups) {
        boolean hasRules = l.rules != null && !l.rules.isEmpty();
        if (l.defaultBackendGroup == null && !hasRules) {
            return listener;
        }
        Listener.Builder b = listener.toBuilder();
        if (l.defaultBackendGroup != null) {
            BackendGroup group = groups.get(l.defaultBackendGroup);
            b.backends(group.backends()).scheduler(group.scheduler());
        }
        if (hasRules) {
            Set<String> named = new LinkedHashSet<>();
            List<ForwardingRule> rules = new ArrayList<>();
            for (ForwardingRuleSpec r : l.rules) {
                named.add(r.backendGroup);
                rules.add(new ForwardingRule(r.host, r.path, r.backendGroup));
            }
            b.backendGroups(groups.values().stream()
                            .filter(g -> named.contains(g.name()))
                            .toList())
                    .rules(rules)
                    // No default group at all: what no rule matches is answered 404, not 503 "no backends".
                    .noDefaultGroup(
                            l.defaultBackendGroup == null && (spec.backends == null || spec.backends.isEmpty()));
        }
        return b.build();
    }

    /** A listener's access lists merged into one, as the proxy matches them; null when it has none. */
    private static AccessControl accessControl(AccessControlSpec a) {
        if (a == null) {
            return null;
        }
        List<String> cidrs = new ArrayList<>();
        for (AccessListSpec list : a.lists) {
            cidrs.addAll(list.cidrs);
        }
        return new AccessControl(
                a.type == AccessControlSpec.Type.Allow ? AccessControl.Type.ALLOW : AccessControl.Type.DENY, cidrs);
    }

    /** The header switches of a normalized listener: null on TCP, which has none. */
    private static ForwardedHeaders forwardedHeaders(ForwardedHeadersSpec f) {
        return f == null ? null : new ForwardedHeaders(f.xForwardedProto, f.slbIp, f.slbId, f.xForwardedClientSrcport);
    }

    /** A number of seconds the user may leave unset: null stays null, the proxy's default. */
    private static Duration seconds(Integer value) {
        return value == null ? null : Duration.ofSeconds(value);
    }

    /**
     * The proxy's health check for a normalized listener, null when turned off. Always written whole
     * when on, so what each replica probes is in the config the operator rendered, not in the
     * proxy's defaults.
     */
    static HealthCheck healthCheck(HealthCheckSpec c) {
        if (c == null || Boolean.FALSE.equals(c.enabled)) {
            return null;
        }
        // A connect or a datagram has no path, host, method or status.
        boolean notHttp = c.protocol == HealthCheckProtocol.TCP || c.protocol == HealthCheckProtocol.UDP;
        return new HealthCheck(
                c.protocol == null ? null : HealthCheck.Kind.valueOf(c.protocol.name()),
                notHttp ? null : c.path,
                notHttp ? null : c.host,
                notHttp || c.method == null ? null : HealthCheck.Method.valueOf(c.method.name()),
                c.port,
                c.intervalSeconds == null ? null : Duration.ofSeconds(c.intervalSeconds),
                c.timeoutSeconds == null ? null : Duration.ofSeconds(c.timeoutSeconds),
                c.healthyThreshold,
                c.unhealthyThreshold,
                notHttp || c.httpCodes == null
                        ? null
                        : c.httpCodes.stream().map(StatusClass::wireName).toList());
    }

    /**
     * Whether an HTTPS listener offers HTTP/2 on the tier in effect: as the user says on a
     * guaranteed tier (on when unsaid), never on {@code shared}; null (the model's default, left out
     * of the written config) wherever it is on or does not apply.
     */
    public static Boolean http2(Tier inEffect, ListenerSpec l) {
        if (l.protocol != ListenerProtocol.HTTPS) {
            return null;
        }
        return inEffect.guaranteed() && !Boolean.FALSE.equals(l.http2) ? null : Boolean.FALSE;
    }

    /**
     * The TLS policy an HTTPS listener serves on the tier in effect: the one it names on a
     * guaranteed tier, else the default (the shared tier offers no choice; validation refuses one
     * there).
     */
    public static TlsCipherPolicy tlsPolicy(Tier inEffect, ListenerSpec l) {
        return inEffect.guaranteed() && l.tls.policy != null ? l.tls.policy : Specs.DEFAULT_TLS_POLICY;
    }

    /** The listener's SNI certificates, by Secret name, in spec order (those waiting for a Secret already left out). */
    private static List<ExtraCertificate> extraCertificates(ListenerSpec l) {
        if (l.tls.extraCertificates == null) {
            return List.of();
        }
        return l.tls.extraCertificates.stream()
                .map(c -> ExtraCertificate.fromSecret(c.domain, c.secretName))
                .toList();
    }

    private static Protocol protocol(ListenerSpec l) {
        return Protocol.valueOf(l.protocol.name());
    }

    private static List<Backend> backends(List<BackendSpec> specs, Map<ServiceKey, List<ResolvedEndpoint>> endpoints) {
        List<Backend> backends = new ArrayList<>();
        for (BackendSpec b : specs) {
            if (b.address != null) {
                backends.add(new Backend(b.address, b.port, b.weight));
                continue;
            }
            // Sorted and de-duplicated (an endpoint may sit in two slices while they are rebalanced), so the
            // order EndpointSlices arrive in never changes the config version. A terminating endpoint stays,
            // marked draining, so the proxies stop sending it new work and drain what it has; one that is
            // merely not ready is left out (and so drains as well, as a removed backend does).
            Set<ResolvedEndpoint> kept = new LinkedHashSet<>();
            endpoints.getOrDefault(new ServiceKey(b.service.name, b.service.port), List.of()).stream()
                    .filter(e -> e.ready() || e.terminating())
                    .map(e -> new ResolvedEndpoint(e.ip(), e.port(), !e.terminating(), e.terminating()))
                    .sorted(Comparator.comparing(ResolvedEndpoint::ip)
                            .thenComparingInt(ResolvedEndpoint::port)
                            .thenComparing(ResolvedEndpoint::terminating))
                    .forEach(kept::add);
            Set<String> seen = new java.util.HashSet<>();
            for (ResolvedEndpoint e : kept) {
                // An address listed ready in one slice and terminating in another is taken as ready.
                if (seen.add(e.ip() + ":" + e.port())) {
                    backends.add(new Backend(e.ip(), e.port(), b.weight, e.terminating()));
                }
            }
        }
        return backends;
    }

    private static String instance(LoadBalancer lb) {
        return lb.getMetadata().getNamespace() + "/" + lb.getMetadata().getName();
    }
}
