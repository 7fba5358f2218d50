package dev.slb.operator.desired;

import dev.slb.model.Cidr;
import dev.slb.model.ConfigValidator;
import dev.slb.model.ExtraCertificate;
import dev.slb.model.ForwardingRule;
import dev.slb.model.Listener;
import dev.slb.model.StickySession;
import dev.slb.operator.api.AccessControlSpec;
import dev.slb.operator.api.AccessListSpec;
import dev.slb.operator.api.BackendGroupSpec;
import dev.slb.operator.api.BackendSpec;
import dev.slb.operator.api.ClientAuthenticationSpec;
import dev.slb.operator.api.DrainSpec;
import dev.slb.operator.api.ExternalTrafficPolicy;
import dev.slb.operator.api.ExtraCertificateSpec;
import dev.slb.operator.api.ForwardedHeadersSpec;
import dev.slb.operator.api.ForwardingRuleSpec;
import dev.slb.operator.api.HealthCheckMethod;
import dev.slb.operator.api.HealthCheckProtocol;
import dev.slb.operator.api.HealthCheckSpec;
import dev.slb.operator.api.ListenerProtocol;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.Scheduler;
import dev.slb.operator.api.ServiceBackendRef;
import dev.slb.operator.api.ServiceType;
import dev.slb.operator.api.StatusClass;
import dev.slb.operator.api.StickySessionSpec;
import dev.slb.operator.api.Tier;
import dev.slb.operator.api.TlsCipherPolicy;
import dev.slb.operator.api.TlsSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The CRD's defaults and validation rules, in Java: the fabric8 mock and {@code local/} apply no
 * schema, so a spec is normalized and validated here whatever the API server did.
 */
public final class Specs {
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
    /** A UDP flow's idle timeout when the spec gives none: the product's 90 s. */
    public static final int DEFAULT_UDP_IDLE_TIMEOUT_SECONDS = (int) Listener.DEFAULT_UDP_IDLE_TIMEOUT.toSeconds();

    public static final int DEFAULT_REQUEST_TIMEOUT_SECONDS = 60;
    public static final int DEFAULT_WEIGHT = 100;
    public static final int MAX_TIMEOUT_SECONDS = 3600;
    public static final int DEFAULT_MAX_HEADERS = 100;
    public static final int MAX_HEADERS = 1000;
    public static final int DEFAULT_REQUEST_HEADER_TIMEOUT_SECONDS = 10;
    public static final int MAX_REQUEST_HEADER_TIMEOUT_SECONDS = 60;
    public static final int DEFAULT_MIN_REQUEST_BODY_BYTES_PER_SECOND = 1024;
    public static final int MAX_MIN_REQUEST_BODY_BYTES_PER_SECOND = 1 << 20;
    public static final int DEFAULT_CONNECTION_DRAIN_SECONDS = 30;
    public static final int DEFAULT_HTTP_KEEPALIVE_TIMEOUT_SECONDS = 15;
    public static final int DEFAULT_CHECK_INTERVAL_SECONDS = 2;
    public static final int DEFAULT_CHECK_TIMEOUT_SECONDS = 5;
    public static final int DEFAULT_THRESHOLD = 3;
    /** The policy an HTTPS listener gets when it names none, and the only one the shared tier serves. */
    public static final TlsCipherPolicy DEFAULT_TLS_POLICY = TlsCipherPolicy.TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3;
    /**
     * The previous release's CRD wrote this policy into every HTTPS listener that named none, so a
     * shared instance created then carries it without anyone having chosen it: on shared it is
     * taken as no choice (the default is served) rather than refused, so no upgrade refuses a
     * running shared instance.
     */
    public static final TlsCipherPolicy PREVIOUS_DEFAULT_TLS_POLICY = TlsCipherPolicy.TLS_CIPHER_POLICY_1_2;

    // The same patterns as the CRD schema (api/).
    private static final Pattern LISTENER_NAME = Pattern.compile(ListenerSpec.NAME_PATTERN);
    private static final Pattern SECRET_NAME = Pattern.compile(TlsSpec.SECRET_NAME_PATTERN);
    private static final Pattern SERVICE_NAME = Pattern.compile(ServiceBackendRef.NAME_PATTERN);
    private static final Pattern ADDRESS = Pattern.compile(BackendSpec.ADDRESS_PATTERN);
    private static final Pattern PROBE_PATH = Pattern.compile(HealthCheckSpec.PATH_PATTERN);
    private static final Pattern PROBE_HOST = Pattern.compile(HealthCheckSpec.HOST_PATTERN);
    private static final Pattern DOMAIN = Pattern.compile(ExtraCertificate.DOMAIN_PATTERN);
    private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");

    private Specs() {}

    /** A copy of the resource whose spec has every CRD default filled in; the input is left as it was. */
    public static LoadBalancer normalize(LoadBalancer lb) {
        LoadBalancer copy = new LoadBalancer();
        copy.setMetadata(lb.getMetadata() == null ? null : new ObjectMetaBuilder(lb.getMetadata()).build());
        copy.setSpec(normalize(lb.getSpec()));
        copy.setStatus(lb.getStatus());
        return copy;
    }

    /**
     * A copy of the spec with the CRD defaults filled in: tier {@code shared}, serviceType
     * {@code LoadBalancer}, idle timeout 60 s, request timeout 60 s (HTTP and HTTPS; none on TCP),
     * scheduler {@code wrr}, backend weight 100, health checks on (HTTP HEAD / on HTTP and
     * HTTPS listeners, a connect on TCP ones; every 2 s, 5 s timeout, 3 and 3, 2xx and 3xx), connection
     * drain 30 s, no ejection on 5xx. An absent TLS policy stays absent (it means the default,
     * {@link #DEFAULT_TLS_POLICY}). A null spec stays null (validation says so).
     */
    public static LoadBalancerSpec normalize(LoadBalancerSpec spec) {
        if (spec == null) {
            return null;
        }
        LoadBalancerSpec copy = new LoadBalancerSpec();
        copy.tier = spec.tier == null ? Tier.SHARED : spec.tier;
        copy.serviceType = spec.serviceType == null ? ServiceType.LoadBalancer : spec.serviceType;
        copy.externalTrafficPolicy =
                spec.externalTrafficPolicy == null ? ExternalTrafficPolicy.Cluster : spec.externalTrafficPolicy;
        copy.listeners = new ArrayList<>();
        if (spec.listeners != null) {
            for (ListenerSpec l : spec.listeners) {
                copy.listeners.add(l == null ? null : normalize(l));
            }
        }
        if (spec.drain != null) {
            copy.drain = new DrainSpec();
            copy.drain.readinessGraceSeconds = spec.drain.readinessGraceSeconds;
            copy.drain.timeoutSeconds = spec.drain.timeoutSeconds;
        }
        copy.backends = new ArrayList<>();
        if (spec.backends != null) {
            for (BackendSpec b : spec.backends) {
                copy.backends.add(b == null ? null : normalize(b));
            }
        }
        copy.backendGroups = normalize(spec.backendGroups);
        copy.service = ServiceAnnotations.normalize(spec.service);
        return copy;
    }

    /** Backend groups with their defaults (scheduler wrr, weights 100); absent stays absent. */
    private static List<BackendGroupSpec> normalize(List<BackendGroupSpec> groups) {
        if (groups == null) {
            return null;
        }
        List<BackendGroupSpec> copies = new ArrayList<>();
        for (BackendGroupSpec g : groups) {
            BackendGroupSpec copy = null;
            if (g != null) {
                copy = new BackendGroupSpec();
                copy.name = g.name;
                copy.scheduler = g.scheduler == null ? Scheduler.WRR : g.scheduler;
                copy.backends = new ArrayList<>();
                if (g.backends != null) {
                    for (BackendSpec b : g.backends) {
                        copy.backends.add(b == null ? null : normalize(b));
                    }
                }
            }
            copies.add(copy);
        }
        return copies;
    }

    private static ListenerSpec normalize(ListenerSpec l) {
        ListenerSpec copy = new ListenerSpec();
        copy.name = l.name;
        copy.protocol = l.protocol;
        copy.port = l.port;
        if (l.tls != null) {
            copy.tls = new TlsSpec();
            copy.tls.secretName = l.tls.secretName;
            // Absent stays absent: the CRD has no default for it, and absent means the model's default.
            copy.tls.policy = l.tls.policy;
            if (l.tls.clientAuthentication != null) {
                copy.tls.clientAuthentication = new ClientAuthenticationSpec();
                copy.tls.clientAuthentication.caSecretName = l.tls.clientAuthentication.caSecretName;
                copy.tls.clientAuthentication.mode = l.tls.clientAuthentication.mode == null
                        ? ClientAuthenticationSpec.Mode.Require
                        : l.tls.clientAuthentication.mode;
            }
            if (l.tls.extraCertificates != null) {
                copy.tls.extraCertificates = new ArrayList<>();
                for (ExtraCertificateSpec c : l.tls.extraCertificates) {
                    ExtraCertificateSpec e = null;
                    if (c != null) {
                        e = new ExtraCertificateSpec();
                        e.domain = c.domain;
                        e.secretName = c.secretName;
                    }
                    copy.tls.extraCertificates.add(e);
                }
            }
        }
        copy.idleTimeoutSeconds = l.idleTimeoutSeconds != null
                ? l.idleTimeoutSeconds
                : l.protocol == ListenerProtocol.UDP ? DEFAULT_UDP_IDLE_TIMEOUT_SECONDS : DEFAULT_IDLE_TIMEOUT_SECONDS;
        boolean http = l.protocol == null || l.protocol.isHttp();
        // TCP and UDP have no requests: the timeout is left out (and ignored if given) rather than defaulted.
        copy.requestTimeoutSeconds = !http
                ? null
                : l.requestTimeoutSeconds == null ? DEFAULT_REQUEST_TIMEOUT_SECONDS : l.requestTimeoutSeconds;
        copy.websocketKeepaliveSeconds = l.websocketKeepaliveSeconds;
        if (http) {
            // Limits of HTTP request heads and bodies: a TCP listener has neither, so they stay unset there.
            copy.maxHeaders = l.maxHeaders == null ? DEFAULT_MAX_HEADERS : l.maxHeaders;
            copy.requestHeaderTimeoutSeconds = l.requestHeaderTimeoutSeconds == null
                    ? DEFAULT_REQUEST_HEADER_TIMEOUT_SECONDS
                    : l.requestHeaderTimeoutSeconds;
            copy.minRequestBodyBytesPerSecond = l.minRequestBodyBytesPerSecond == null
                    ? DEFAULT_MIN_REQUEST_BODY_BYTES_PER_SECOND
                    : l.minRequestBodyBytesPerSecond;
            copy.httpKeepaliveTimeoutSeconds = l.httpKeepaliveTimeoutSeconds == null
                    ? DEFAULT_HTTP_KEEPALIVE_TIMEOUT_SECONDS
                    : l.httpKeepaliveTimeoutSeconds;
            copy.forwardedHeaders = normalize(l.forwardedHeaders);
        } else {
            // Kept so that validation can refuse it on TCP and UDP, as the schema does.
            copy.forwardedHeaders = l.forwardedHeaders;
        }
        copy.scheduler = l.scheduler == null ? Scheduler.WRR : l.scheduler;
        copy.healthCheck = normalize(l.healthCheck, l.protocol);
        copy.connectionDrainSeconds =
                l.connectionDrainSeconds == null ? DEFAULT_CONNECTION_DRAIN_SECONDS : l.connectionDrainSeconds;
        copy.ejectOnServerErrors = Boolean.TRUE.equals(l.ejectOnServerErrors);
        copy.redirectToListener = l.redirectToListener;
        if (l.stickySession != null) {
            copy.stickySession = new StickySessionSpec();
            copy.stickySession.type = l.stickySession.type;
            boolean insert = l.stickySession.type != StickySessionSpec.Type.Server;
            copy.stickySession.cookie = l.stickySession.cookie == null && insert
                    ? StickySession.DEFAULT_INSERT_COOKIE
                    : l.stickySession.cookie;
            copy.stickySession.cookieTimeoutSeconds = l.stickySession.cookieTimeoutSeconds == null && insert
                    ? Integer.valueOf((int) StickySession.DEFAULT_COOKIE_TIMEOUT.toSeconds())
                    : l.stickySession.cookieTimeoutSeconds;
            copy.stickySession.sameSite = l.stickySession.sameSite == null && insert
                    ? StickySessionSpec.SameSite.Lax
                    : l.stickySession.sameSite;
        }
        Layer4Specs.normalize(l, copy);
        copy.defaultBackendGroup = l.defaultBackendGroup;
        if (l.rules != null) {
            copy.rules = new ArrayList<>();
            for (ForwardingRuleSpec r : l.rules) {
                ForwardingRuleSpec rc = null;
                if (r != null) {
                    rc = new ForwardingRuleSpec();
                    rc.host = r.host;
                    rc.path = r.path;
                    rc.backendGroup = r.backendGroup;
                }
                copy.rules.add(rc);
            }
        }
        copy.accessControl = l.accessControl;
        copy.proxyProtocol = Boolean.TRUE.equals(l.proxyProtocol);
        copy.proxyProtocolTrustedCidrs = l.proxyProtocolTrustedCidrs;
        copy.accessLog = Boolean.TRUE.equals(l.accessLog);
        // Absent stays absent: http2's default depends on the tier (ProxyConfigs.http2), compression's is on.
        copy.http2 = l.http2;
        copy.compression = l.compression;
        return copy;
    }

    private static ForwardedHeadersSpec normalize(ForwardedHeadersSpec f) {
        ForwardedHeadersSpec copy = new ForwardedHeadersSpec();
        copy.xForwardedProto = f == null || f.xForwardedProto == null || f.xForwardedProto;
        copy.slbIp = f != null && Boolean.TRUE.equals(f.slbIp);
        copy.slbId = f != null && Boolean.TRUE.equals(f.slbId);
        copy.xForwardedClientSrcport = f != null && Boolean.TRUE.equals(f.xForwardedClientSrcport);
        return copy;
    }

    private static HealthCheckSpec normalize(HealthCheckSpec c, ListenerProtocol listenerProtocol) {
        HealthCheckSpec in = c == null ? new HealthCheckSpec() : c;
        HealthCheckSpec copy = new HealthCheckSpec();
        copy.enabled = in.enabled == null || in.enabled;
        copy.protocol = in.protocol != null
                ? in.protocol
                : listenerProtocol == ListenerProtocol.TCP
                        ? HealthCheckProtocol.TCP
                        : listenerProtocol == ListenerProtocol.UDP ? HealthCheckProtocol.UDP : HealthCheckProtocol.HTTP;
        copy.path = in.path == null ? "/" : in.path;
        copy.host = in.host;
        copy.method = in.method == null ? HealthCheckMethod.HEAD : in.method;
        copy.port = in.port;
        copy.intervalSeconds = in.intervalSeconds == null ? DEFAULT_CHECK_INTERVAL_SECONDS : in.intervalSeconds;
        copy.timeoutSeconds = in.timeoutSeconds == null ? DEFAULT_CHECK_TIMEOUT_SECONDS : in.timeoutSeconds;
        copy.healthyThreshold = in.healthyThreshold == null ? DEFAULT_THRESHOLD : in.healthyThreshold;
        copy.unhealthyThreshold = in.unhealthyThreshold == null ? DEFAULT_THRESHOLD : in.unhealthyThreshold;
        copy.httpCodes =
                in.httpCodes == null ? List.of(StatusClass.S2XX, StatusClass.S3XX) : new ArrayList<>(in.httpCodes);
        return copy;
    }

    private static BackendSpec normalize(BackendSpec b) {
        BackendSpec copy = new BackendSpec();
        if (b.service != null) {
            copy.service = new ServiceBackendRef();
            copy.service.name = b.service.name;
            copy.service.port = b.service.port;
        }
        copy.address = b.address;
        copy.port = b.port;
        copy.weight = b.weight == null ? DEFAULT_WEIGHT : b.weight;
        return copy;
    }

    /**
     * Every problem with a normalized spec: each rule of the CRD schema, plus what a schema cannot
     * see (two listeners on the same pod port, a listener on the admin port, listener names a
     * container port cannot take). Empty when the spec can be served.
     */
    public static List<Problem> validate(LoadBalancerSpec spec) {
        List<Problem> problems = new ArrayList<>();
        if (spec == null) {
            problems.add(
                    Problem.invalid("spec", "is required: give the LoadBalancer a spec with at least one listener"));
            return problems;
        }
        listeners(spec.listeners, problems);
        if (spec.externalTrafficPolicy == ExternalTrafficPolicy.Local && spec.serviceType == ServiceType.ClusterIP) {
            problems.add(Problem.invalid(
                    "spec.externalTrafficPolicy",
                    "Local needs a LoadBalancer or NodePort serviceType; a ClusterIP Service takes no external"
                            + " traffic"));
        }
        if (spec.tier == Tier.SHARED && spec.listeners != null) {
            sharedTierChoices(spec.listeners, problems);
        }
        backends("spec.backends", spec.backends, problems);
        backendGroupsAndRules(spec, problems);
        redirects(spec.listeners, problems);
        stickySessions(spec.listeners, problems);
        Layer4Specs.validate(spec.listeners, problems);
        ServiceAnnotations.validate(spec.service, problems);
        if (spec.drain != null) {
            range(
                    "spec.drain.readinessGraceSeconds",
                    spec.drain.readinessGraceSeconds,
                    0,
                    DrainSpec.MAX_READINESS_GRACE_SECONDS,
                    "seconds",
                    problems);
            range(
                    "spec.drain.timeoutSeconds",
                    spec.drain.timeoutSeconds,
                    1,
                    DrainSpec.MAX_TIMEOUT_SECONDS,
                    "seconds",
                    problems);
        }
        return problems;
    }

    /** The longest LoadBalancer name whose derived names ({@code N-proxy-config}) still fit 63 characters. */
    public static final int MAX_NAME_LENGTH = 63 - "-proxy-config".length();

    private static final java.util.regex.Pattern DNS_1035 =
            java.util.regex.Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    /**
     * The problem with a LoadBalancer's own name, if any: it names a Service (a DNS-1035 label)
     * and labels, so it must start with a letter, hold no dots, and leave room for the suffixes.
     */
    public static Optional<Problem> checkName(String name) {
        if (name == null || !DNS_1035.matcher(name).matches() || name.length() > MAX_NAME_LENGTH) {
            return Optional.of(Problem.invalid(
                    "metadata.name",
                    "'" + name + "' cannot name the proxy resources: use "
                            + "lower-case letters, digits and '-', starting with a letter, at most " + MAX_NAME_LENGTH
                            + " characters (create the LoadBalancer again under such a name)"));
        }
        return Optional.empty();
    }

    /**
     * The problem with moving from the tier in effect to the requested one, if any: a guaranteed
     * tier cannot go back to {@code shared} (the product refuses it), so the old tier keeps serving.
     */
    public static Optional<Problem> checkTierChange(Tier inEffect, Tier requested) {
        if (inEffect != null && inEffect.guaranteed() && requested == Tier.SHARED) {
            return Optional.of(new Problem(
                    Problem.TIER_DOWNGRADE_NOT_SUPPORTED,
                    "spec.tier",
                    "a guaranteed-performance tier cannot be changed back to shared; the instance keeps serving on "
                            + inEffect + ". Set spec.tier back to " + inEffect + " (or any guaranteed tier), or "
                            + "create a new LoadBalancer with tier shared and move traffic to it."));
        }
        return Optional.empty();
    }

    private static void listeners(List<ListenerSpec> listeners, List<Problem> problems) {
        if (listeners == null || listeners.isEmpty()) {
            problems.add(Problem.invalid("spec.listeners", "needs at least one listener (name, protocol, port)"));
            return;
        }
        if (listeners.size() > LoadBalancerSpec.MAX_LISTENERS) {
            problems.add(Problem.invalid(
                    "spec.listeners",
                    "has " + listeners.size() + " listeners; at most " + LoadBalancerSpec.MAX_LISTENERS
                            + " are allowed: split them over two LoadBalancers"));
        }
        Map<String, Integer> names = new HashMap<>();
        // By transport and port: a port number is unique per transport (TCP, HTTP and HTTPS all use TCP), and so
        // is a pod port.
        Map<String, Integer> ports = new HashMap<>();
        Map<String, Integer> podPorts = new HashMap<>();
        for (int i = 0; i < listeners.size(); i++) {
            String at = "spec.listeners[" + i + "]";
            ListenerSpec l = listeners.get(i);
            if (l == null) {
                problems.add(Problem.invalid(at, "is empty: give it a name, protocol and port, or remove it"));
                continue;
            }
            listener(at, l, problems);
            if (l.name != null) {
                Integer first = names.putIfAbsent(l.name, i);
                if (first != null) {
                    problems.add(Problem.invalid(
                            at + ".name",
                            "'" + l.name + "' is already the name of listeners[" + first
                                    + "]; listener names must be unique"));
                }
            }
            if (l.port != null && validPort(l.port)) {
                String transport = l.protocol == null ? "TCP" : l.protocol.transport();
                Integer first = ports.putIfAbsent(transport + "/" + l.port, i);
                if (first != null) {
                    problems.add(Problem.invalid(
                            at + ".port",
                            l.port + " is already the port of listeners[" + first
                                    + "]; listener ports must be unique per transport (TCP, HTTP and HTTPS"
                                    + " listeners all use TCP, so none of them may share a port; a UDP listener may"
                                    + " have a TCP listener's port number)"));
                    continue;
                }
                int podPort = ProxyConfigs.podPort(l.port);
                // The admin port is TCP: a UDP listener may have its number.
                if (podPort == ProxyConfigs.ADMIN_PORT && transport.equals("TCP")) {
                    problems.add(Problem.invalid(
                            at + ".port",
                            l.port + " is the proxy's admin port inside the pod (" + ProxyConfigs.ADMIN_PORT
                                    + "); pick another port"));
                    continue;
                }
                Integer other = podPorts.putIfAbsent(transport + "/" + podPort, i);
                if (other != null) {
                    problems.add(Problem.invalid(
                            at + ".port",
                            "listeners[" + other + "] (port "
                                    + listeners.get(other).port + ") and this one (port " + l.port
                                    + ") both need pod port "
                                    + podPort
                                    + " (a port below 1024 is served on port + 10000 inside the pod, as a non-root "
                                    + "process cannot bind it); pick another port for one of them"));
                }
            }
        }
    }

    private static void listener(String at, ListenerSpec l, List<Problem> problems) {
        if (l.name == null) {
            problems.add(Problem.invalid(
                    at + ".name", "is required: lower-case letters, digits and '-', at most 15 " + "characters"));
        } else if (!LISTENER_NAME.matcher(l.name).matches()) {
            problems.add(
                    Problem.invalid(
                            at + ".name",
                            "'" + l.name + "' is not a listener name: use lower-case "
                                    + "letters, digits and '-', at most 15 characters, starting and ending with a letter or digit"));
        } else if (!HAS_LETTER.matcher(l.name).matches() || l.name.contains("--")) {
            problems.add(Problem.invalid(
                    at + ".name",
                    "'" + l.name + "' names a container port, which needs at least "
                            + "one letter and no '--'; rename it, e.g. 'web'"));
        } else if (l.name.equals(Names.ADMIN_PORT_NAME)) {
            problems.add(Problem.invalid(
                    at + ".name", "'admin' is the name of the proxy's admin port; rename the " + "listener"));
        }
        if (l.protocol == null) {
            problems.add(Problem.invalid(at + ".protocol", "is required: HTTP, HTTPS, TCP or UDP"));
        }
        if (l.port == null) {
            problems.add(Problem.invalid(at + ".port", "is required: the port clients connect to, 1..65535"));
        } else if (!validPort(l.port)) {
            problems.add(Problem.invalid(at + ".port", l.port + " is not a port: use 1..65535"));
        }
        if (l.protocol == ListenerProtocol.HTTPS && l.tls == null) {
            problems.add(Problem.invalid(
                    at + ".tls",
                    "an HTTPS listener needs tls.secretName, the name of a "
                            + "kubernetes.io/tls Secret in this namespace"));
        }
        if (l.protocol != null && l.protocol != ListenerProtocol.HTTPS && l.tls != null) {
            problems.add(Problem.invalid(
                    at + ".tls",
                    "only HTTPS listeners take tls (this one is " + l.protocol
                            + "): remove tls, or set protocol to HTTPS"));
        }
        if (l.tls != null) {
            secretName(
                    at + ".tls.secretName",
                    l.tls.secretName,
                    "the name of a kubernetes.io/tls Secret in this namespace",
                    problems);
            extraCertificates(at + ".tls.extraCertificates", l.tls.extraCertificates, problems);
            ClientAuthenticationSpec auth = l.tls.clientAuthentication;
            if (auth != null) {
                secretName(
                        at + ".tls.clientAuthentication.caSecretName",
                        auth.caSecretName,
                        "the name of a Secret in this namespace whose ca.crt holds the CA certificates client"
                                + " certificates must chain to",
                        problems);
            }
        }
        seconds(at + ".idleTimeoutSeconds", l.idleTimeoutSeconds, problems);
        seconds(at + ".requestTimeoutSeconds", l.requestTimeoutSeconds, problems);
        seconds(at + ".websocketKeepaliveSeconds", l.websocketKeepaliveSeconds, problems);
        between(at + ".maxHeaders", l.maxHeaders, 1, MAX_HEADERS, "header lines", problems);
        between(
                at + ".requestHeaderTimeoutSeconds",
                l.requestHeaderTimeoutSeconds,
                1,
                MAX_REQUEST_HEADER_TIMEOUT_SECONDS,
                "seconds",
                problems);
        between(
                at + ".minRequestBodyBytesPerSecond",
                l.minRequestBodyBytesPerSecond,
                1,
                MAX_MIN_REQUEST_BODY_BYTES_PER_SECOND,
                "bytes per second",
                problems);
        seconds(at + ".httpKeepaliveTimeoutSeconds", l.httpKeepaliveTimeoutSeconds, problems);
        if (l.accessControl != null) {
            accessControl(at + ".accessControl", l.accessControl, problems);
        }
        if (l.proxyProtocolTrustedCidrs != null) {
            trustedPeers(at + ".proxyProtocolTrustedCidrs", l, problems);
        }
        if (layer4(l) && l.forwardedHeaders != null) {
            problems.add(Problem.invalid(
                    at + ".forwardedHeaders", l.protocol + " listeners add no headers; remove forwardedHeaders"));
        }
        if (l.protocol != null && l.protocol != ListenerProtocol.HTTPS && l.http2 != null) {
            problems.add(Problem.invalid(
                    at + ".http2",
                    "only HTTPS listeners speak HTTP/2 (it is negotiated in the TLS handshake); remove http2"));
        }
        if (layer4(l) && l.compression != null) {
            problems.add(Problem.invalid(
                    at + ".compression",
                    l.protocol + " listeners relay bytes and compress nothing; remove compression"));
        }
        if (layer4(l) && l.websocketKeepaliveSeconds != null) {
            problems.add(Problem.invalid(
                    at + ".websocketKeepaliveSeconds",
                    l.protocol + " listeners carry no WebSocket; remove websocketKeepaliveSeconds"));
        }
        range(
                at + ".connectionDrainSeconds",
                l.connectionDrainSeconds,
                0,
                ListenerSpec.MAX_CONNECTION_DRAIN_SECONDS,
                "seconds (0 closes a leaving backend's connections at once)",
                problems);
        if (l.healthCheck != null) {
            healthCheck(at + ".healthCheck", l.healthCheck, problems);
        }
    }

    private static void trustedPeers(String at, ListenerSpec l, List<Problem> problems) {
        List<String> cidrs = l.proxyProtocolTrustedCidrs;
        if (!Boolean.TRUE.equals(l.proxyProtocol)) {
            problems.add(Problem.invalid(
                    at, "names who may send a PROXY protocol header: set proxyProtocol: true, or remove it"));
        }
        if (cidrs.isEmpty()) {
            problems.add(Problem.invalid(
                    at,
                    "is empty, which would trust no peer and refuse every connection: list the outer load"
                            + " balancer's addresses, or remove the field to trust every peer"));
        }
        if (cidrs.size() > Listener.MAX_PROXY_PROTOCOL_TRUSTED_CIDRS) {
            problems.add(Problem.invalid(
                    at,
                    cidrs.size() + " entries; a listener trusts at most " + Listener.MAX_PROXY_PROTOCOL_TRUSTED_CIDRS));
        }
        for (int j = 0; j < cidrs.size(); j++) {
            try {
                Cidr.parse(cidrs.get(j));
            } catch (IllegalArgumentException e) {
                problems.add(Problem.invalid(at + "[" + j + "]", e.getMessage()));
            }
        }
    }

    private static void accessControl(String at, AccessControlSpec a, List<Problem> problems) {
        if (a.type == null) {
            problems.add(
                    Problem.invalid(at + ".type", "is required: Allow (serve only the lists) or Deny (refuse them)"));
        }
        if (a.lists == null) {
            problems.add(Problem.invalid(at + ".lists", "is required: up to 3 lists of CIDR blocks"));
            return;
        }
        if (a.lists.size() > AccessControlSpec.MAX_LISTS) {
            problems.add(Problem.invalid(
                    at + ".lists", a.lists.size() + " lists; a listener takes at most " + AccessControlSpec.MAX_LISTS));
        }
        for (int i = 0; i < a.lists.size(); i++) {
            AccessListSpec list = a.lists.get(i);
            String lat = at + ".lists[" + i + "].cidrs";
            if (list == null || list.cidrs == null) {
                problems.add(Problem.invalid(lat, "is required (it may be empty)"));
                continue;
            }
            if (list.cidrs.size() > AccessListSpec.MAX_ENTRIES) {
                problems.add(Problem.invalid(
                        lat, list.cidrs.size() + " entries; a list holds at most " + AccessListSpec.MAX_ENTRIES));
            }
            for (int j = 0; j < list.cidrs.size(); j++) {
                try {
                    Cidr.parse(list.cidrs.get(j));
                } catch (IllegalArgumentException e) {
                    problems.add(Problem.invalid(lat + "[" + j + "]", e.getMessage()));
                }
            }
        }
    }

    private static void healthCheck(String at, HealthCheckSpec c, List<Problem> problems) {
        if (c.path != null && !PROBE_PATH.matcher(c.path).matches()) {
            problems.add(Problem.invalid(
                    at + ".path",
                    "'" + c.path + "' is not a probe path: start it with '/', at most 80 characters, no spaces"
                            + " (e.g. /healthz)"));
        }
        if (c.host != null && !PROBE_HOST.matcher(c.host).matches()) {
            problems.add(Problem.invalid(
                    at + ".host", "'" + c.host + "' is not a host name: letters, digits, '.', '-' and ':' only"));
        }
        if (c.port != null && !validPort(c.port)) {
            problems.add(Problem.invalid(at + ".port", c.port + " is not a port: use 1..65535"));
        }
        range(
                at + ".intervalSeconds",
                c.intervalSeconds,
                HealthCheckSpec.MIN_INTERVAL_SECONDS,
                HealthCheckSpec.MAX_INTERVAL_SECONDS,
                "seconds",
                problems);
        range(
                at + ".timeoutSeconds",
                c.timeoutSeconds,
                HealthCheckSpec.MIN_TIMEOUT_SECONDS,
                HealthCheckSpec.MAX_TIMEOUT_SECONDS,
                "seconds",
                problems);
        range(
                at + ".healthyThreshold",
                c.healthyThreshold,
                HealthCheckSpec.MIN_THRESHOLD,
                HealthCheckSpec.MAX_THRESHOLD,
                "probes in a row",
                problems);
        range(
                at + ".unhealthyThreshold",
                c.unhealthyThreshold,
                HealthCheckSpec.MIN_THRESHOLD,
                HealthCheckSpec.MAX_THRESHOLD,
                "probes in a row",
                problems);
        if (c.httpCodes != null
                && (c.httpCodes.isEmpty() || c.httpCodes.stream().anyMatch(Objects::isNull))) {
            problems.add(Problem.invalid(at + ".httpCodes", "needs one or more of 2xx, 3xx, 4xx and 5xx"));
        }
    }

    private static void range(String field, Integer value, int min, int max, String unit, List<Problem> problems) {
        if (value != null && (value < min || value > max)) {
            problems.add(Problem.invalid(field, value + " is out of range: use " + min + ".." + max + " " + unit));
        }
    }

    private static void extraCertificates(String at, List<ExtraCertificateSpec> extras, List<Problem> problems) {
        if (extras == null) {
            return;
        }
        if (extras.size() > ExtraCertificate.MAX_PER_LISTENER) {
            problems.add(Problem.invalid(
                    at,
                    "has " + extras.size() + " certificates; at most " + ExtraCertificate.MAX_PER_LISTENER
                            + " per listener: use a wildcard domain, or a certificate with several names"));
        }
        Map<String, Integer> domains = new HashMap<>();
        for (int i = 0; i < extras.size(); i++) {
            String cat = at + "[" + i + "]";
            ExtraCertificateSpec c = extras.get(i);
            if (c == null) {
                problems.add(Problem.invalid(cat, "is empty: give it a domain and a secretName, or remove it"));
                continue;
            }
            if (c.domain == null) {
                problems.add(Problem.invalid(cat + ".domain", "is required: the host name clients ask for by SNI"));
            } else if (c.domain.length() > ExtraCertificate.MAX_DOMAIN_LENGTH
                    || !DOMAIN.matcher(c.domain).matches()) {
                problems.add(Problem.invalid(
                        cat + ".domain",
                        "'" + c.domain + "' is not a domain name: write it in lower case, e.g. api.example.com, or"
                                + " *.example.com for any one label before example.com"));
            } else {
                Integer first = domains.putIfAbsent(c.domain, i);
                if (first != null) {
                    problems.add(Problem.invalid(
                            cat + ".domain",
                            "'" + c.domain + "' already has a certificate, in [" + first
                                    + "]; each domain takes one: remove one of them"));
                }
            }
            secretName(
                    cat + ".secretName",
                    c.secretName,
                    "the name of a kubernetes.io/tls Secret in this namespace",
                    problems);
        }
    }

    /** A Secret name a field must hold: present, and a DNS subdomain, as the schema's pattern has it. */
    private static void secretName(String field, String value, String what, List<Problem> problems) {
        if (value == null || value.isEmpty()) {
            problems.add(Problem.invalid(field, "is required: " + what));
        } else if (!SECRET_NAME.matcher(value).matches()) {
            problems.add(Problem.invalid(
                    field,
                    "'" + value + "' is not a Secret name "
                            + "(lower-case letters, digits, '-' and '.', at most 253 characters)"));
        }
    }

    /** What the shared tier does not let a user choose (the product's rule): the TLS policy, and HTTP/2. */
    private static void sharedTierChoices(List<ListenerSpec> listeners, List<Problem> problems) {
        for (int i = 0; i < listeners.size(); i++) {
            ListenerSpec l = listeners.get(i);
            if (l != null && Boolean.TRUE.equals(l.http2)) {
                problems.add(Problem.invalid(
                        "spec.listeners[" + i + "].http2",
                        "the shared tier has no HTTP/2 (its HTTPS listeners speak HTTP/1.1); remove http2, or set"
                                + " spec.tier to " + Tier.S1_SMALL.wireName() + " or larger, where HTTP/2 is on by"
                                + " default"));
            }
            if (l != null && l.tls != null && l.tls.policy != null && l.tls.policy != PREVIOUS_DEFAULT_TLS_POLICY) {
                problems.add(Problem.invalid(
                        "spec.listeners[" + i + "].tls.policy",
                        "the shared tier offers no choice of TLS policy (it serves "
                                + json(DEFAULT_TLS_POLICY) + ": TLS 1.2 and 1.3); remove tls.policy, or set spec.tier"
                                + " to " + Tier.S1_SMALL.wireName() + " or larger to choose "
                                + json(l.tls.policy)));
            }
        }
    }

    /** A policy as the user writes it. */
    public static String json(TlsCipherPolicy policy) {
        return policy.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static void backends(String field, List<BackendSpec> backends, List<Problem> problems) {
        if (backends == null) {
            return;
        }
        if (backends.size() > LoadBalancerSpec.MAX_BACKENDS) {
            problems.add(Problem.invalid(
                    field,
                    "has " + backends.size() + " backends; at most " + LoadBalancerSpec.MAX_BACKENDS
                            + " are allowed: put several pods behind one Service backend"));
        }
        for (int i = 0; i < backends.size(); i++) {
            String at = field + "[" + i + "]";
            BackendSpec b = backends.get(i);
            if (b == null) {
                problems.add(Problem.invalid(at, "is empty: give it a service, or an address and port, or remove it"));
                continue;
            }
            if ((b.service == null) == (b.address == null)) {
                problems.add(Problem.invalid(
                        at, "a backend names either service or address, not both and not " + "neither"));
            }
            if (b.address != null) {
                if (b.address.isBlank()) {
                    problems.add(Problem.invalid(at + ".address", "is empty: give an IP address or DNS name"));
                } else if (!isAddress(b.address)) {
                    problems.add(Problem.invalid(
                            at + ".address",
                            "'" + b.address + "' is not an IP address or DNS name: write it as 10.0.0.7, fd00::7 or"
                                    + " db.example.com, with no scheme, port or path (the port goes in port)"));
                }
                if (b.port == null) {
                    problems.add(Problem.invalid(at + ".port", "a static address backend needs a port"));
                }
            }
            if (b.service != null) {
                if (b.port != null) {
                    problems.add(Problem.invalid(
                            at + ".port", "a service backend takes its port from service.port; " + "remove port"));
                }
                if (b.service.name == null) {
                    problems.add(Problem.invalid(
                            at + ".service.name", "is required: the name of a Service in this " + "namespace"));
                } else if (!SERVICE_NAME.matcher(b.service.name).matches()) {
                    problems.add(
                            Problem.invalid(
                                    at + ".service.name",
                                    "'" + b.service.name + "' is not a Service name "
                                            + "(lower-case letters, digits and '-', starting with a letter, at most 63 characters)"));
                }
                if (b.service.port == null) {
                    problems.add(Problem.invalid(
                            at + ".service.port", "is required: the Service port to send " + "traffic to"));
                } else if (!validPort(b.service.port)) {
                    problems.add(Problem.invalid(
                            at + ".service.port", b.service.port + " is not a port: use " + "1..65535"));
                }
            }
            if (b.port != null && !validPort(b.port)) {
                problems.add(Problem.invalid(at + ".port", b.port + " is not a port: use 1..65535"));
            }
            if (b.weight != null && (b.weight < 0 || b.weight > 100)) {
                problems.add(Problem.invalid(
                        at + ".weight", b.weight + " is not a weight: use 0..100 (0 takes no new " + "connections)"));
            }
        }
    }

    // ---- sticky sessions ----

    private static final Pattern COOKIE_NAME = Pattern.compile(StickySession.COOKIE_NAME_PATTERN);

    private static void stickySessions(List<ListenerSpec> listeners, List<Problem> problems) {
        if (listeners == null) {
            return;
        }
        for (int i = 0; i < listeners.size(); i++) {
            ListenerSpec l = listeners.get(i);
            if (l == null || l.stickySession == null) {
                continue;
            }
            String at = "spec.listeners[" + i + "].stickySession";
            StickySessionSpec s = l.stickySession;
            if (layer4(l)) {
                problems.add(Problem.invalid(at, l.protocol + " listeners have no cookies; remove stickySession"));
            }
            if (s.type == null) {
                problems.add(Problem.invalid(at + ".type", "is required: Insert or Server"));
            }
            if (s.type == StickySessionSpec.Type.Server && s.cookie == null) {
                problems.add(Problem.invalid(
                        at + ".cookie",
                        "type Server rewrites the backend's own cookie: name it in cookie (for example JSESSIONID)"));
            }
            if (s.type == StickySessionSpec.Type.Server && s.cookieTimeoutSeconds != null) {
                problems.add(Problem.invalid(
                        at + ".cookieTimeoutSeconds",
                        "type Server keeps the backend's own cookie lifetime; remove cookieTimeoutSeconds"));
            }
            if (s.type == StickySessionSpec.Type.Server && s.sameSite != null) {
                problems.add(Problem.invalid(
                        at + ".sameSite", "type Server keeps the backend's own cookie attributes; remove sameSite"));
            }
            if (s.sameSite == StickySessionSpec.SameSite.None && l.protocol != ListenerProtocol.HTTPS) {
                problems.add(Problem.invalid(
                        at + ".sameSite",
                        "None needs the Secure attribute, which browsers honour only over HTTPS and this load"
                                + " balancer sets only on HTTPS listeners: use Lax or Strict here"));
            }
            if (s.cookie != null && !COOKIE_NAME.matcher(s.cookie).matches()) {
                problems.add(Problem.invalid(
                        at + ".cookie",
                        "'" + s.cookie + "' is not a cookie name: letters, digits and !#$%&'*+.^_`|~-, at most 64"
                                + " characters"));
            }
            range(
                    at + ".cookieTimeoutSeconds",
                    s.cookieTimeoutSeconds,
                    1,
                    StickySessionSpec.MAX_COOKIE_TIMEOUT_SECONDS,
                    "seconds",
                    problems);
        }
    }

    // ---- redirect to HTTPS ----

    private static void redirects(List<ListenerSpec> listeners, List<Problem> problems) {
        if (listeners == null) {
            return;
        }
        for (int i = 0; i < listeners.size(); i++) {
            ListenerSpec l = listeners.get(i);
            if (l == null || l.redirectToListener == null) {
                continue;
            }
            String at = "spec.listeners[" + i + "].redirectToListener";
            if (l.protocol != ListenerProtocol.HTTP) {
                problems.add(Problem.invalid(at, "only HTTP listeners redirect to HTTPS; remove redirectToListener"));
            }
            boolean https = listeners.stream()
                    .anyMatch(m ->
                            m != null && l.redirectToListener.equals(m.name) && m.protocol == ListenerProtocol.HTTPS);
            if (!https) {
                problems.add(Problem.invalid(
                        at,
                        "'" + l.redirectToListener + "' is not an HTTPS listener of this LoadBalancer; name one of "
                                + listeners.stream()
                                        .filter(m -> m != null && m.protocol == ListenerProtocol.HTTPS)
                                        .map(m -> m.name)
                                        .toList()));
            }
        }
    }

    // ---- backend groups and forwarding rules ----

    private static final Pattern GROUP_NAME = Pattern.compile(BackendGroupSpec.NAME_PATTERN);
    private static final Pattern RULE_HOST = Pattern.compile(ConfigValidator.RULE_HOST_PATTERN);
    private static final Pattern RULE_PATH = Pattern.compile(ConfigValidator.RULE_PATH_PATTERN);

    /** The groups (unique names, valid backends) and each listener's defaultBackendGroup and rules. */
    private static void backendGroupsAndRules(LoadBalancerSpec spec, List<Problem> problems) {
        Set<String> groups = new java.util.LinkedHashSet<>();
        if (spec.backendGroups != null) {
            if (spec.backendGroups.size() > LoadBalancerSpec.MAX_BACKEND_GROUPS) {
                problems.add(Problem.invalid(
                        "spec.backendGroups",
                        "has " + spec.backendGroups.size() + " groups; at most " + LoadBalancerSpec.MAX_BACKEND_GROUPS
                                + " are allowed"));
            }
            for (int i = 0; i < spec.backendGroups.size(); i++) {
                String at = "spec.backendGroups[" + i + "]";
                BackendGroupSpec g = spec.backendGroups.get(i);
                if (g == null) {
                    problems.add(Problem.invalid(at, "is empty: give it a name and backends, or remove it"));
                    continue;
                }
                if (g.name == null || !GROUP_NAME.matcher(g.name).matches()) {
                    problems.add(Problem.invalid(
                            at + ".name",
                            "'" + g.name + "' is not a group name (lower-case letters, digits and '-', at most 63"
                                    + " characters)"));
                } else if (!groups.add(g.name)) {
                    problems.add(Problem.invalid(
                            at + ".name",
                            "'" + g.name + "' is already the name of another group; names must be unique"));
                }
                if (g.backends == null) {
                    problems.add(Problem.invalid(at + ".backends", "is required (it may be empty)"));
                }
                backends(at + ".backends", g.backends, problems);
            }
        }
        if (spec.listeners == null) {
            return;
        }
        for (int i = 0; i < spec.listeners.size(); i++) {
            ListenerSpec l = spec.listeners.get(i);
            if (l == null) {
                continue;
            }
            String at = "spec.listeners[" + i + "]";
            if (l.defaultBackendGroup != null && !groups.contains(l.defaultBackendGroup)) {
                problems.add(Problem.invalid(
                        at + ".defaultBackendGroup",
                        "'" + l.defaultBackendGroup + "' is not in spec.backendGroups " + groups
                                + "; add the group or correct the name"));
            }
            if (l.rules == null) {
                continue;
            }
            if (layer4(l) && !l.rules.isEmpty()) {
                problems.add(Problem.invalid(
                        at + ".rules",
                        l.protocol + " listeners have no host or path to route by; remove rules (defaultBackendGroup"
                                + " picks their backends)"));
            }
            if (l.rules.size() > ForwardingRule.MAX_PER_LISTENER) {
                problems.add(Problem.invalid(
                        at + ".rules",
                        "has " + l.rules.size() + " rules; at most " + ForwardingRule.MAX_PER_LISTENER
                                + " are allowed"));
            }
            for (int r = 0; r < l.rules.size(); r++) {
                String rat = at + ".rules[" + r + "]";
                ForwardingRuleSpec rule = l.rules.get(r);
                if (rule == null) {
                    problems.add(Problem.invalid(rat, "is empty: give it a host or path and a backendGroup"));
                    continue;
                }
                if (rule.host == null && rule.path == null) {
                    problems.add(Problem.invalid(rat, "a rule needs a host, a path or both"));
                }
                if (rule.host != null
                        && (rule.host.length() > 253
                                || !RULE_HOST.matcher(rule.host).matches())) {
                    problems.add(Problem.invalid(
                            rat + ".host",
                            "'" + rule.host + "' is not a host or wildcard: write api.example.com or *.example.com,"
                                    + " lower case, with no scheme, port or path"));
                }
                if (rule.path != null && !RULE_PATH.matcher(rule.path).matches()) {
                    problems.add(Problem.invalid(
                            rat + ".path",
                            "'" + rule.path + "' is not a path prefix: it starts with '/' and has no query ('?'),"
                                    + " fragment ('#') or space, at most 1024 characters"));
                }
                if (rule.backendGroup == null) {
                    problems.add(Problem.invalid(rat + ".backendGroup", "is required: a name from spec.backendGroups"));
                } else if (!groups.contains(rule.backendGroup)) {
                    problems.add(Problem.invalid(
                            rat + ".backendGroup",
                            "'" + rule.backendGroup + "' is not in spec.backendGroups " + groups
                                    + "; add the group or correct the name"));
                }
            }
        }
    }

    private static void seconds(String field, Integer value, List<Problem> problems) {
        if (value != null && (value < 1 || value > MAX_TIMEOUT_SECONDS)) {
            problems.add(
                    Problem.invalid(field, value + " is out of range: use 1.." + MAX_TIMEOUT_SECONDS + " seconds"));
        }
    }

    /** An IPv4 or IPv6 address or a DNS name, as {@link BackendSpec#ADDRESS_PATTERN} has it, IPv6 checked exactly. */
    static boolean isAddress(String address) {
        if (address.length() > 253 || !ADDRESS.matcher(address).matches()) {
            return false;
        }
        if (!address.contains(":")) {
            return true;
        }
        try {
            // A literal with a colon is parsed as IPv6 and never looked up: no name service is asked.
            InetAddress.getByName(address);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void between(String field, Integer value, int min, int max, String unit, List<Problem> problems) {
        if (value != null && (value < min || value > max)) {
            problems.add(Problem.invalid(field, value + " is out of range: use " + min + ".." + max + " " + unit));
        }
    }

    /** True for TCP and UDP listeners, which relay bytes or datagrams and have no HTTP settings. */
    static boolean layer4(ListenerSpec l) {
        return l.protocol == ListenerProtocol.TCP || l.protocol == ListenerProtocol.UDP;
    }

    private static boolean validPort(int port) {
        return port >= 1 && port <= 65535;
    }
}
