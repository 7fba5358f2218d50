package dev.slb.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks a config for what a proxy cannot serve; each problem reads {@code field.path: reason}. */
public final class ConfigValidator {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern DOMAIN = Pattern.compile(ExtraCertificate.DOMAIN_PATTERN);
    /**
     * An IPv4 or IPv6 address or a DNS name, as a Service's load balancer ingress gives one: it is
     * sent as a header value, so nothing else (no space, no control character) gets through.
     */
    public static final String INSTANCE_ADDRESS_PATTERN = "[A-Za-z0-9.:-]{1,253}";

    private static final Pattern INSTANCE_ADDRESS = Pattern.compile(INSTANCE_ADDRESS_PATTERN);

    private ConfigValidator() {}

    public static List<String> validate(ProxyConfig config) {
        List<String> problems = new ArrayList<>();
        if (config.version() == null || config.version().isBlank()) {
            problems.add("version: is required (any string that changes when the config changes)");
        }
        if (config.instanceAddress() != null
                && !INSTANCE_ADDRESS.matcher(config.instanceAddress()).matches()) {
            problems.add("instanceAddress: '" + config.instanceAddress()
                    + "' is not an IP address or a host name (letters, digits, '.', ':' and '-', at most 253)");
        }
        limits(config.limits(), problems);
        port("admin.port", config.admin().port(), problems);
        positive("drain.timeout", config.drain().timeout(), problems, true);
        positive("drain.readinessGracePeriod", config.drain().readinessGracePeriod(), problems, true);

        Map<String, Integer> names = new HashMap<>();
        // Keyed by transport and port: a replica listens on one address, so a port of a transport is
        // taken once (the admin port is TCP).
        Map<String, String> ports = new HashMap<>();
        ports.put("TCP/" + config.admin().port(), "admin.port");
        for (int i = 0; i < config.listeners().size(); i++) {
            Listener l = config.listeners().get(i);
            String at = "listeners[" + i + "]";
            if (l == null) {
                problems.add(at + ": is empty");
                continue;
            }
            listener(at, l, problems);
            if (l.name() != null) {
                Integer first = names.putIfAbsent(l.name(), i);
                if (first != null) {
                    problems.add(at + ".name: '" + l.name() + "' is already used by listeners[" + first + "]");
                }
            }
            String other = ports.putIfAbsent(
                    (l.protocol() == null ? "TCP" : l.protocol().transport()) + "/" + l.port(), at + ".port");
            if (other != null) {
                problems.add(at + ".port: " + l.port() + " is already used by " + other);
            }
        }
        return problems;
    }

    private static void listener(String at, Listener l, List<String> problems) {
        if (l.name() == null || !NAME.matcher(l.name()).matches()) {
            problems.add(at + ".name: '" + l.name()
                    + "' is not a valid name (lower-case letters, digits and '-', 1..63 characters)");
        }
        if (l.protocol() == null) {
            problems.add(at + ".protocol: is required (HTTP, HTTPS, TCP or UDP)");
            return;
        }
        port(at + ".port", l.port(), problems);
        if (l.protocol() == Protocol.HTTPS) {
            if (l.tls() == null) {
                problems.add(at + ".tls: an HTTPS listener needs tls.certificateFile and tls.privateKeyFile, or"
                        + " tls.secretName");
            } else if (l.tls().secretName() != null) {
                if (l.tls().certificateFile() != null || l.tls().privateKeyFile() != null) {
                    problems.add(at + ".tls: give tls.secretName or the two files, not both");
                }
                if (!SECRET_NAME.matcher(l.tls().secretName()).matches()) {
                    problems.add(
                            at + ".tls.secretName: '" + l.tls().secretName()
                                    + "' is not a Secret name (lower-case letters, digits, '-' and '.', at most 253 characters)");
                }
            } else {
                required(at + ".tls.certificateFile", l.tls().certificateFile(), problems);
                required(at + ".tls.privateKeyFile", l.tls().privateKeyFile(), problems);
            }
            if (l.tls() != null) {
                extraCertificates(at + ".tls.extraCertificates", l.tls().extraCertificates(), problems);
                clientAuthentication(at + ".tls.clientAuthentication", l.tls().clientAuthentication(), problems);
            }
        } else if (l.tls() != null) {
            problems.add(at + ".tls: only HTTPS listeners take tls (this one is " + l.protocol() + ")");
        }
        if (!l.protocol().isHttp() && l.websocket() != null) {
            problems.add(at + ".websocket: only HTTP and HTTPS listeners carry WebSocket");
        }
        if (l.websocket() != null && l.websocket().keepalivePingInterval() != null) {
            positive(at + ".websocket.keepalivePingInterval", l.websocket().keepalivePingInterval(), problems, false);
        }
        positive(at + ".idleTimeout", l.idleTimeout(), problems, false);
        positive(at + ".requestTimeout", l.requestTimeout(), problems, false);
        positive(at + ".connectTimeout", l.connectTimeout(), problems, false);
        range(at + ".maxRequestLineBytes", l.maxRequestLineBytes(), 256, 1 << 20, problems);
        range(at + ".maxHeaderBytes", l.maxHeaderBytes(), 1024, 1 << 20, problems);
        range(at + ".maxHeaders", l.maxHeaders(), 1, MAX_HEADERS, problems);
        positive(at + ".requestHeaderTimeout", l.requestHeaderTimeout(), problems, false);
        if (l.requestHeaderTimeout().compareTo(MAX_REQUEST_HEADER_TIMEOUT) > 0) {
            problems.add(at + ".requestHeaderTimeout: " + Durations.format(l.requestHeaderTimeout())
                    + " is longer than a request head may take (at most "
                    + Durations.format(MAX_REQUEST_HEADER_TIMEOUT) + ")");
        }
        range(
                at + ".minRequestBodyBytesPerSecond",
                l.minRequestBodyBytesPerSecond(),
                1,
                MAX_MIN_REQUEST_BODY_BYTES_PER_SECOND,
                problems);
        positive(at + ".connectionDrain", l.connectionDrain(), problems, true);
        if (l.connectionDrain().compareTo(MAX_CONNECTION_DRAIN) > 0) {
            problems.add(at + ".connectionDrain: " + Durations.format(l.connectionDrain()) + " is longer than "
                    + Durations.format(MAX_CONNECTION_DRAIN));
        }
        positive(at + ".httpKeepaliveTimeout", l.httpKeepaliveTimeout(), problems, false);
        if (l.httpKeepaliveTimeout().compareTo(MAX_HTTP_KEEPALIVE_TIMEOUT) > 0) {
            problems.add(at + ".httpKeepaliveTimeout: " + Durations.format(l.httpKeepaliveTimeout())
                    + " is longer than " + Durations.format(MAX_HTTP_KEEPALIVE_TIMEOUT));
        }
        if (!l.protocol().isHttp() && l.forwardedHeaders() != null) {
            problems.add(at + ".forwardedHeaders: only HTTP and HTTPS listeners add headers");
        }
        if (l.accessControl() != null) {
            accessControl(at + ".accessControl", l.accessControl(), problems);
        }
        if (l.protocol() == Protocol.UDP && l.proxyProtocol()) {
            problems.add(at + ".proxyProtocol: a UDP listener reads no PROXY protocol header (an outer load balancer"
                    + " sends one per TCP connection); turn it off");
        }
        trustedPeers(at + ".proxyProtocolTrustedCidrs", l, problems);
        if (l.servicePort() != null) {
            port(at + ".servicePort", l.servicePort(), problems);
        }
        if (l.healthCheck() != null) {
            healthCheck(at + ".healthCheck", l.healthCheck(), problems);
            if (l.healthCheck().protocol() == HealthCheck.Kind.UDP && l.protocol() != Protocol.UDP) {
                problems.add(at + ".healthCheck.protocol: a UDP probe checks the backends of UDP listeners; this one"
                        + " is " + l.protocol() + " (use TCP or HTTP)");
            }
        }
        backends(at, l.backends(), problems);
        groupsAndRules(at, l, problems);
    }

    private static void backends(String at, List<Backend> backends, List<String> problems) {
        for (int b = 0; b < backends.size(); b++) {
            Backend backend = backends.get(b);
            String bat = at + ".backends[" + b + "]";
            if (backend == null) {
                problems.add(bat + ": is empty");
                continue;
            }
            required(bat + ".address", backend.address(), problems);
            port(bat + ".port", backend.port(), problems);
            if (backend.weightValue() < 0 || backend.weightValue() > 100) {
                problems.add(bat + ".weight: " + backend.weightValue() + " is not a weight (0..100)");
            }
        }
    }

    /** A host a rule may name: an exact name or {@code *.} and a suffix, lower case. */
    public static final String RULE_HOST_PATTERN =
            "^(\\*\\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
    /** A path prefix a rule may name: from {@code /}, no query, fragment, dot segment or space. */
    public static final String RULE_PATH_PATTERN = "^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$";

    private static final Pattern RULE_HOST = Pattern.compile(RULE_HOST_PATTERN);
    private static final Pattern RULE_PATH = Pattern.compile(RULE_PATH_PATTERN);

    private static final Pattern COOKIE_NAME = Pattern.compile(StickySession.COOKIE_NAME_PATTERN);

    private static void stickySession(String at, Listener l, List<String> problems) {
        StickySession s = l.stickySession();
        if (!l.protocol().isHttp()) {
            problems.add(at + ": only HTTP and HTTPS listeners keep sessions by cookie");
        }
        if (s.cookie() == null || !COOKIE_NAME.matcher(s.cookie()).matches()) {
            problems.add(at + ".cookie: '" + s.cookie() + "' is not a cookie name (letters, digits and"
                    + " !#$%&'*+.^_`|~-, 1..64 characters)");
        }
        if (s.type() == StickySession.Type.INSERT
                && (s.cookieTimeout().compareTo(Duration.ofSeconds(1)) < 0
                        || s.cookieTimeout().compareTo(StickySession.MAX_COOKIE_TIMEOUT) > 0)) {
            problems.add(at + ".cookieTimeout: " + Durations.format(s.cookieTimeout()) + " is not between 1s and "
                    + Durations.format(StickySession.MAX_COOKIE_TIMEOUT));
        }
        if (s.key() == null || s.key().isEmpty()) {
            problems.add(at + ".key: is required (the same on every replica, so they agree on the cookie)");
        }
        if (s.sameSite() != null && s.type() != StickySession.Type.INSERT) {
            problems.add(at + ".sameSite: only the proxy's own (INSERT) cookie takes it");
        }
        if (s.sameSite() == StickySession.SameSite.NONE && l.protocol() != Protocol.HTTPS) {
            problems.add(at + ".sameSite: NONE needs the Secure attribute, which only HTTPS listeners set");
        }
    }

    private static void persistence(String at, Listener l, List<String> problems) {
        Persistence p = l.persistence();
        if (l.protocol().isHttp()) {
            problems.add(at + ": only TCP and UDP listeners keep clients by source address; HTTP and HTTPS listeners"
                    + " use stickySession");
        }
        if (p.timeout().isNegative() || p.timeout().compareTo(Persistence.MAX_TIMEOUT) > 0) {
            problems.add(at + ".timeout: " + Durations.format(p.timeout()) + " is not between 0s and "
                    + Durations.format(Persistence.MAX_TIMEOUT));
        }
    }

    private static void groupsAndRules(String at, Listener l, List<String> problems) {
        boolean http = l.protocol().isHttp();
        if (!http && (!l.backendGroups().isEmpty() || !l.rules().isEmpty() || l.noDefaultGroup())) {
            problems.add(at + ": only HTTP and HTTPS listeners take backendGroups, rules and noDefaultGroup");
        }
        if (l.redirect() != null) {
            if (l.protocol() != Protocol.HTTP) {
                problems.add(at + ".redirect: only HTTP listeners redirect (to HTTPS)");
            }
            port(at + ".redirect.httpsPort", l.redirect().httpsPort(), problems);
        }
        if (l.stickySession() != null) {
            stickySession(at + ".stickySession", l, problems);
        }
        if (l.persistence() != null) {
            persistence(at + ".persistence", l, problems);
        }
        if (l.backendProxyProtocol() != null && l.protocol().isHttp()) {
            problems.add(at + ".backendProxyProtocol: only TCP and UDP listeners send a PROXY protocol header to"
                    + " backends; HTTP and HTTPS listeners tell them the client in X-Forwarded-For");
        }
        if (l.backendProxyProtocol() == ProxyProtocolVersion.V1 && l.protocol() == Protocol.UDP) {
            problems.add(at + ".backendProxyProtocol: a UDP listener sends v2 only (v2 names a datagram flow; v1 is a"
                    + " text line for TCP streams); use v2");
        }
        if (l.noDefaultGroup() && !l.backends().isEmpty()) {
            problems.add(at + ".backends: a listener with noDefaultGroup has no default backends; remove them");
        }
        Map<String, Integer> groups = new HashMap<>();
        for (int g = 0; g < l.backendGroups().size(); g++) {
            BackendGroup group = l.backendGroups().get(g);
            String gat = at + ".backendGroups[" + g + "]";
            if (group == null) {
                problems.add(gat + ": is empty");
                continue;
            }
            if (group.name() == null || !NAME.matcher(group.name()).matches()) {
                problems.add(gat + ".name: '" + group.name()
                        + "' is not a valid name (lower-case letters, digits and '-', 1..63 characters)");
            } else {
                Integer first = groups.putIfAbsent(group.name(), g);
                if (first != null) {
                    problems.add(gat + ".name: '" + group.name() + "' is already used by backendGroups[" + first + "]");
                }
            }
            backends(gat, group.backends(), problems);
        }
        if (l.rules().size() > ForwardingRule.MAX_PER_LISTENER) {
            problems.add(at + ".rules: has " + l.rules().size() + " rules; at most " + ForwardingRule.MAX_PER_LISTENER);
        }
        for (int r = 0; r < l.rules().size(); r++) {
            ForwardingRule rule = l.rules().get(r);
            String rat = at + ".rules[" + r + "]";
            if (rule == null) {
                problems.add(rat + ": is empty");
                continue;
            }
            if (rule.host() == null && rule.path() == null) {
                problems.add(rat + ": give a host, a path or both");
            }
            if (rule.host() != null
                    && (rule.host().length() > 253
                            || !RULE_HOST.matcher(rule.host()).matches())) {
                problems.add(rat + ".host: '" + rule.host()
                        + "' is not a host name or a wildcard (api.example.com, *.example.com; lower case, no port)");
            }
            if (rule.path() != null && !RULE_PATH.matcher(rule.path()).matches()) {
                problems.add(rat + ".path: '" + rule.path()
                        + "' is not a path prefix (it starts with '/', has no query, space or '#')");
            }
            if (rule.backendGroup() == null || !groups.containsKey(rule.backendGroup())) {
                problems.add(rat + ".backendGroup: '" + rule.backendGroup() + "' is not one of this listener's"
                        + " backendGroups " + groups.keySet().stream().sorted().toList());
            }
        }
    }

    /** The bounds of the CRD's healthCheck fields, so a hand-written config is held to the same. */
    public static final Duration MAX_CHECK_INTERVAL = Duration.ofSeconds(50);

    public static final Duration MAX_CHECK_TIMEOUT = Duration.ofSeconds(300);
    public static final int MIN_THRESHOLD = 2;
    public static final int MAX_THRESHOLD = 10;
    public static final Duration MAX_CONNECTION_DRAIN = Duration.ofSeconds(900);
    public static final Duration MAX_HTTP_KEEPALIVE_TIMEOUT = Duration.ofSeconds(3600);

    private static void accessControl(String at, AccessControl control, List<String> problems) {
        if (control.type() == null) {
            problems.add(at + ".type: is required (allow or deny)");
        }
        if (control.cidrs().size() > AccessControl.MAX_ENTRIES) {
            problems.add(at + ".cidrs: " + control.cidrs().size() + " entries; at most " + AccessControl.MAX_ENTRIES);
        }
        for (int i = 0; i < control.cidrs().size(); i++) {
            try {
                Cidr.parse(control.cidrs().get(i));
            } catch (IllegalArgumentException e) {
                problems.add(at + ".cidrs[" + i + "]: " + e.getMessage());
            }
        }
    }

    private static void trustedPeers(String at, Listener l, List<String> problems) {
        List<String> cidrs = l.proxyProtocolTrustedCidrs();
        if (cidrs.isEmpty()) {
            return;
        }
        if (!l.proxyProtocol()) {
            problems.add(at + ": only a listener with proxyProtocol: true reads a PROXY header to trust");
        }
        if (cidrs.size() > Listener.MAX_PROXY_PROTOCOL_TRUSTED_CIDRS) {
            problems.add(at + ": " + cidrs.size() + " entries; at most " + Listener.MAX_PROXY_PROTOCOL_TRUSTED_CIDRS);
        }
        for (int i = 0; i < cidrs.size(); i++) {
            try {
                Cidr.parse(cidrs.get(i));
            } catch (IllegalArgumentException e) {
                problems.add(at + "[" + i + "]: " + e.getMessage());
            }
        }
    }

    private static final Pattern HOST_HEADER = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");

    private static void healthCheck(String at, HealthCheck c, List<String> problems) {
        // Below a second only tests go, and they need it: the config is the proxy's, not the user's.
        positive(at + ".interval", c.interval(), problems, false);
        if (c.interval().compareTo(MAX_CHECK_INTERVAL) > 0) {
            problems.add(at + ".interval: " + Durations.format(c.interval()) + " is longer than "
                    + Durations.format(MAX_CHECK_INTERVAL));
        }
        positive(at + ".timeout", c.timeout(), problems, false);
        if (c.timeout().compareTo(MAX_CHECK_TIMEOUT) > 0) {
            problems.add(at + ".timeout: " + Durations.format(c.timeout()) + " is longer than "
                    + Durations.format(MAX_CHECK_TIMEOUT));
        }
        range(at + ".healthyThreshold", c.healthyThreshold(), MIN_THRESHOLD, MAX_THRESHOLD, problems);
        range(at + ".unhealthyThreshold", c.unhealthyThreshold(), MIN_THRESHOLD, MAX_THRESHOLD, problems);
        if (c.port() != null) {
            port(at + ".port", c.port(), problems);
        }
        if (!c.path().startsWith("/")
                || c.path().length() > HealthCheck.MAX_PATH_LENGTH
                || !c.path().chars().allMatch(ch -> ch > ' ' && ch < 127)) {
            problems.add(at + ".path: '" + c.path() + "' is not a request path (starts with '/', at most "
                    + HealthCheck.MAX_PATH_LENGTH + " printable characters, no spaces)");
        }
        if (c.host() != null && !HOST_HEADER.matcher(c.host()).matches()) {
            problems.add(at + ".host: '" + c.host() + "' is not a host name (letters, digits, '.', '-', ':')");
        }
        if (c.httpCodes().isEmpty() || !HealthCheck.STATUS_CLASSES.containsAll(c.httpCodes())) {
            problems.add(at + ".httpCodes: " + c.httpCodes() + " must be one or more of " + HealthCheck.STATUS_CLASSES);
        }
    }

    private static void extraCertificates(String at, List<ExtraCertificate> extras, List<String> problems) {
        if (extras.size() > ExtraCertificate.MAX_PER_LISTENER) {
            problems.add(at + ": " + extras.size() + " certificates; at most " + ExtraCertificate.MAX_PER_LISTENER
                    + " per listener");
        }
        Map<String, Integer> domains = new HashMap<>();
        for (int i = 0; i < extras.size(); i++) {
            ExtraCertificate c = extras.get(i);
            String cat = at + "[" + i + "]";
            if (c == null) {
                problems.add(cat + ": is empty");
                continue;
            }
            if (c.domain() == null
                    || c.domain().length() > ExtraCertificate.MAX_DOMAIN_LENGTH
                    || !DOMAIN.matcher(c.domain()).matches()) {
                problems.add(cat + ".domain: '" + c.domain() + "' is not a domain name (lower-case, e.g."
                        + " api.example.com, or *.example.com for any one label before example.com)");
            } else {
                Integer first = domains.putIfAbsent(c.domain(), i);
                if (first != null) {
                    problems.add(cat + ".domain: '" + c.domain() + "' already has a certificate, in [" + first + "]");
                }
            }
            source(cat, c.secretName(), c.certificateFile(), c.privateKeyFile(), problems);
        }
    }

    private static void source(
            String at, String secretName, String certificateFile, String keyFile, List<String> problems) {
        if (secretName != null) {
            if (certificateFile != null || keyFile != null) {
                problems.add(at + ": give secretName or the two files, not both");
            }
            if (!SECRET_NAME.matcher(secretName).matches()) {
                problems.add(at + ".secretName: '" + secretName
                        + "' is not a Secret name (lower-case letters, digits, '-' and '.', at most 253 characters)");
            }
        } else {
            required(at + ".certificateFile", certificateFile, problems);
            required(at + ".privateKeyFile", keyFile, problems);
        }
    }

    private static void clientAuthentication(String at, ClientAuthentication auth, List<String> problems) {
        if (auth == null) {
            return;
        }
        if ((auth.caSecretName() == null) == (auth.caFile() == null)) {
            problems.add(at + ": give caSecretName (a Secret with ca.crt) or caFile, one of them");
        } else if (auth.caSecretName() != null
                && !SECRET_NAME.matcher(auth.caSecretName()).matches()) {
            problems.add(at + ".caSecretName: '" + auth.caSecretName()
                    + "' is not a Secret name (lower-case letters, digits, '-' and '.', at most 253 characters)");
        } else if (auth.caFile() != null && auth.caFile().isBlank()) {
            problems.add(at + ".caFile: is empty");
        }
    }

    private static void limits(Limits limits, List<String> problems) {
        atLeastOne("limits.maxConnections", limits.maxConnections(), problems);
        rate("limits.newConnectionsPerSecond", limits.newConnectionsPerSecond(), problems);
        rate("limits.requestsPerSecond", limits.requestsPerSecond(), problems);
    }

    /** Header lines a request may have at most; nginx and HAProxy allow about a hundred. */
    public static final int MAX_HEADERS = 1000;
    /** The longest a request head may take to arrive. */
    public static final Duration MAX_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(60);
    /** A higher minimum body rate would cut ordinary clients on mobile links. */
    public static final int MAX_MIN_REQUEST_BODY_BYTES_PER_SECOND = 1 << 20;

    /** Rates above this are beyond any replica and could not be enforced exactly (a 100 ns interval). */
    public static final long MAX_RATE_PER_SECOND = 10_000_000;

    private static void rate(String field, Long value, List<String> problems) {
        atLeastOne(field, value, problems);
        if (value != null && value > MAX_RATE_PER_SECOND) {
            problems.add(field + ": " + value + " is above the largest rate a replica enforces (" + MAX_RATE_PER_SECOND
                    + " per second; leave it out for no limit)");
        }
    }

    private static void atLeastOne(String field, Long value, List<String> problems) {
        if (value != null && value < 1) {
            problems.add(field + ": " + value + " is not a limit (at least 1; leave it out for no limit)");
        }
    }

    private static void port(String field, int port, List<String> problems) {
        if (port < 1 || port > 65535) {
            problems.add(field + ": " + port + " is not a port (1..65535)");
        }
    }

    private static void range(String field, int value, int min, int max, List<String> problems) {
        if (value < min || value > max) {
            problems.add(field + ": " + value + " is out of range (" + min + ".." + max + ")");
        }
    }

    private static void required(String field, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(field + ": is required");
        }
    }

    /** No setting needs more than a week; beyond that, arithmetic in nanoseconds overflows. */
    static final Duration MAX_DURATION = Duration.ofDays(7);

    private static void positive(String field, Duration d, List<String> problems, boolean zeroAllowed) {
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            problems.add(field + ": " + Durations.format(d) + " must be "
                    + (zeroAllowed ? "zero or more" : "more than zero"));
        } else if (d.compareTo(MAX_DURATION) > 0) {
            problems.add(field + ": " + Durations.format(d) + " is longer than the most this proxy takes ("
                    + Durations.format(MAX_DURATION) + ")");
        }
    }
}
