package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.util.List;

/**
 * One listener: a port clients connect to, how it is served, and the backends behind it.
 *
 * @param name                  unique within the config; lower-case DNS label
 * @param protocol              HTTP, HTTPS, TCP or UDP
 * @param bindAddress           the address to listen on; all addresses when absent
 * @param port                  1..65535
 * @param tls                   HTTPS only: certificate, key and policy
 * @param websocket             HTTP and HTTPS only: WebSocket on (the default) or off
 * @param idleTimeout           a WebSocket or TCP connection with no traffic for this long is
 *                              closed (default 60 s), and so is a UDP flow with no datagram either way
 *                              (default 90 s, as the product has it); an idle HTTP connection waits
 *                              {@code httpKeepaliveTimeout} instead
 * @param requestTimeout        HTTP: how long a backend may take to start its response (default 60 s)
 * @param connectTimeout        how long a backend connect may take before the next one is tried (default 5 s)
 * @param scheduler             wrr (default), wlc or rr
 * @param maxRequestLineBytes   HTTP: a longer request line is answered 414 (default 8 KiB)
 * @param maxHeaderBytes        HTTP: a larger header section is answered 431 (default 32 KiB)
 * @param maxHeaders            HTTP: a request with more header lines is answered 431 (default 100)
 * @param requestHeaderTimeout  HTTP: a request head begun and not finished within this is answered
 *                              408 (default 10 s)
 * @param minRequestBodyBytesPerSecond HTTP: a request body must arrive at least this fast on
 *                              average, falling behind by at most {@code requestTimeout}, or it is
 *                              answered 408 (default 1024)
 * @param healthCheck           the active health check of this listener's backends; none when
 *                              absent (the operator always writes one unless the user turned it off)
 * @param connectionDrain       how long the WebSocket and TCP connections of a backend that left the
 *                              config, or is marked draining, may carry on before they are closed
 *                              (default 30 s; zero closes them at once)
 * @param ejectOnServerErrors   passive health: whether 5xx answers count, beside connect failures
 *                              and resets, toward ejecting a backend (default false)
 * @param httpKeepaliveTimeout  HTTP/HTTPS: a connection with no request in progress (a fresh one, or
 *                              kept alive between requests) is closed after this long (default 15 s);
 *                              WebSocket connections idle out after {@code idleTimeout} instead
 * @param http2                 HTTPS only: whether TLS offers HTTP/2 (ALPN {@code h2}) beside HTTP/1.1
 *                              (default true); other listeners ignore it
 * @param compression           HTTP and HTTPS: whether the proxy gzips compressible responses the
 *                              backend did not compress (default true); TCP listeners ignore it
 * @param accessLog             one JSON line on standard output per HTTP request, and per WebSocket or TCP
 *                              connection at its close (default false)
 * @param forwardedHeaders      HTTP/HTTPS: which of the product's headers go to backends
 * @param proxyProtocol         every connection starts with a PROXY protocol header (v1 or v2) naming
 *                              the real client, sent by an outer load balancer; read within
 *                              {@code requestHeaderTimeout}, or the connection is reset (default false)
 * @param proxyProtocolTrustedCidrs with {@code proxyProtocol}: the peers (IPv4/IPv6 addresses or CIDR
 *                              blocks, at most {@value #MAX_PROXY_PROTOCOL_TRUSTED_CIDRS}) whose header is
 *                              believed; a connection from any other peer is reset as it is accepted.
 *                              Empty (the default): every peer is trusted
 * @param accessControl         which client addresses are served; everyone when absent
 * @param servicePort           the port clients connect to (the Service port), when it differs from
 *                              {@code port} (the pod port): X-Forwarded-Port carries it
 * @param backends              where requests and connections go: the default group, which takes
 *                              the requests no rule matches (and every connection of a TCP listener)
 * @param backendGroups         HTTP/HTTPS: the named groups the rules send requests to
 * @param rules                 HTTP/HTTPS: host/path forwarding rules, at most
 *                              {@value ForwardingRule#MAX_PER_LISTENER}; the most specific match wins
 * @param noDefaultGroup        HTTP/HTTPS: a request no rule matches is answered 404 instead of going
 *                              to {@code backends} (which are then empty)
 * @param redirect              HTTP: every request is redirected to HTTPS instead of forwarded
 * @param stickySession         HTTP/HTTPS: keeps each client on one backend by a cookie; off when absent
 * @param persistence           TCP and UDP: keeps each client address on one backend, the same on every
 *                              replica; off when absent (connections and flows are spread by {@code scheduler})
 * @param backendProxyProtocol  TCP: every backend connection starts with a PROXY protocol header (v1 or
 *                              v2) naming the client, and so do health checks; UDP: every datagram to a
 *                              backend starts with a v2 header (v1 is a text line for TCP streams); off when
 *                              absent
 */
@JsonPropertyOrder({
    "name",
    "protocol",
    "bindAddress",
    "port",
    "tls",
    "websocket",
    "idleTimeout",
    "requestTimeout",
    "connectTimeout",
    "scheduler",
    "maxRequestLineBytes",
    "maxHeaderBytes",
    "maxHeaders",
    "requestHeaderTimeout",
    "minRequestBodyBytesPerSecond",
    "healthCheck",
    "connectionDrain",
    "ejectOnServerErrors",
    "httpKeepaliveTimeout",
    "forwardedHeaders",
    "servicePort",
    "proxyProtocol",
    "proxyProtocolTrustedCidrs",
    "accessControl",
    "http2",
    "compression",
    "accessLog",
    "backends",
    "backendGroups",
    "rules",
    "noDefaultGroup",
    "redirect",
    "stickySession",
    "persistence",
    "backendProxyProtocol"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Listener(
        String name,
        Protocol protocol,
        String bindAddress,
        int port,
        Tls tls,
        WebSocket websocket,
        Duration idleTimeout,
        Duration requestTimeout,
        Duration connectTimeout,
        SchedulerKind scheduler,
        Integer maxRequestLineBytes,
        Integer maxHeaderBytes,
        // A proxy of an earlier release refuses fields it does not know: settings added after the
        // first release are left out of the written config while they have their defaults, so an
        // operator upgrade rewrites no config of a LoadBalancer that never set them.
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.MaxHeaders.class)
        Integer maxHeaders,

        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.RequestHeaderTimeout.class)
        Duration requestHeaderTimeout,

        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.MinRequestBodyRate.class)
        Integer minRequestBodyBytesPerSecond,

        HealthCheck healthCheck,
        // A proxy of an earlier release refuses fields it does not know: these two are left out of
        // the written config while at their defaults, so they alone never make an old proxy refuse it.
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = DefaultConnectionDrain.class)
        Duration connectionDrain,

        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean ejectOnServerErrors,
        // Left out at their defaults too, for the same reason: an old proxy never sees them unless set.
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.HttpKeepaliveTimeout.class)
        Duration httpKeepaliveTimeout,

        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.Forwarded.class)
        ForwardedHeaders forwardedHeaders,

        Integer servicePort,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean proxyProtocol,
        // Left out while empty (every peer trusted, as before the field existed): an earlier proxy never sees it.
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> proxyProtocolTrustedCidrs,
        AccessControl accessControl,
        // Written only when off: on is what a proxy assumes when it is absent, and absent is all an
        // earlier proxy understands.
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.On.class)
        Boolean http2,

        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.On.class)
        Boolean compression,

        // Left out while off, so a config without an access log reads and writes as before.
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean accessLog,
        List<Backend> backends,
        // Routing and stickiness: left out while empty or off, so configs without them read and write as before.
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<BackendGroup> backendGroups,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ForwardingRule> rules,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean noDefaultGroup,
        Redirect redirect,
        StickySession stickySession,
        Persistence persistence,
        ProxyProtocolVersion backendProxyProtocol) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** A UDP flow's idle timeout when the config gives none: the product's 90 s. */
    public static final Duration DEFAULT_UDP_IDLE_TIMEOUT = Duration.ofSeconds(90);

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_REQUEST_LINE_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
    public static final int DEFAULT_MAX_HEADERS = 100;
    public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Slow enough for any link that would carry a large upload at all (1 GiB at 1 KiB/s takes 12
     * days), fast enough that a client dripping a byte every few seconds is cut.
     */
    public static final int DEFAULT_MIN_REQUEST_BODY_BYTES_PER_SECOND = 1024;

    public static final Duration DEFAULT_CONNECTION_DRAIN = Duration.ofSeconds(30);
    /** The product's keep-alive timeout: short, as an idle keep-alive connection is a socket held for nothing. */
    public static final Duration DEFAULT_HTTP_KEEPALIVE_TIMEOUT = Duration.ofSeconds(15);
    /** As many as one of the access control's lists: an outer load balancer's ranges are few. */
    public static final int MAX_PROXY_PROTOCOL_TRUSTED_CIDRS = 300;

    public Listener {
        websocket = protocol != null && protocol.isHttp() && websocket == null ? WebSocket.ENABLED : websocket;
        idleTimeout = idleTimeout != null
                ? idleTimeout
                : protocol == Protocol.UDP ? DEFAULT_UDP_IDLE_TIMEOUT : DEFAULT_IDLE_TIMEOUT;
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        scheduler = scheduler == null ? SchedulerKind.WRR : scheduler;
        maxRequestLineBytes = maxRequestLineBytes == null ? DEFAULT_MAX_REQUEST_LINE_BYTES : maxRequestLineBytes;
        maxHeaderBytes = maxHeaderBytes == null ? DEFAULT_MAX_HEADER_BYTES : maxHeaderBytes;
        maxHeaders = maxHeaders == null ? DEFAULT_MAX_HEADERS : maxHeaders;
        requestHeaderTimeout = requestHeaderTimeout == null ? DEFAULT_REQUEST_HEADER_TIMEOUT : requestHeaderTimeout;
        minRequestBodyBytesPerSecond = minRequestBodyBytesPerSecond == null
                ? DEFAULT_MIN_REQUEST_BODY_BYTES_PER_SECOND
                : minRequestBodyBytesPerSecond;
        healthCheck = healthCheck == null || protocol == null
                ? healthCheck
                : healthCheck.withDefaultProtocol(
                        protocol.isHttp()
                                ? HealthCheck.Kind.HTTP
                                : protocol == Protocol.UDP ? HealthCheck.Kind.UDP : HealthCheck.Kind.TCP);
        connectionDrain = connectionDrain == null ? DEFAULT_CONNECTION_DRAIN : connectionDrain;
        httpKeepaliveTimeout = httpKeepaliveTimeout == null ? DEFAULT_HTTP_KEEPALIVE_TIMEOUT : httpKeepaliveTimeout;
        forwardedHeaders = protocol != null && protocol.isHttp() && forwardedHeaders == null
                ? ForwardedHeaders.DEFAULT
                : forwardedHeaders;
        http2 = http2 == null ? Boolean.TRUE : http2;
        compression = compression == null ? Boolean.TRUE : compression;
        proxyProtocolTrustedCidrs =
                proxyProtocolTrustedCidrs == null ? List.of() : List.copyOf(proxyProtocolTrustedCidrs);
        backends = backends == null ? List.of() : List.copyOf(backends);
        backendGroups = backendGroups == null ? List.of() : List.copyOf(backendGroups);
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    /** A builder for a listener: the three settings every listener has, every other one optional. */
    public static Builder builder(String name, Protocol protocol, int port) {
        return new Builder().name(name).protocol(protocol).port(port);
    }

    /** A listener with every optional setting at its default. */
    public static Listener of(String name, Protocol protocol, int port, List<Backend> backends) {
        return builder(name, protocol, port).backends(backends).build();
    }

    /** A builder holding every setting of this listener, to build a copy with some of them changed. */
    public Builder toBuilder() {
        return new Builder()
                .name(name)
                .protocol(protocol)
                .bindAddress(bindAddress)
                .port(port)
                .tls(tls)
                .websocket(websocket)
                .idleTimeout(idleTimeout)
                .requestTimeout(requestTimeout)
                .connectTimeout(connectTimeout)
                .scheduler(scheduler)
                .maxRequestLineBytes(maxRequestLineBytes)
                .maxHeaderBytes(maxHeaderBytes)
                .maxHeaders(maxHeaders)
                .requestHeaderTimeout(requestHeaderTimeout)
                .minRequestBodyBytesPerSecond(minRequestBodyBytesPerSecond)
                .healthCheck(healthCheck)
                .connectionDrain(connectionDrain)
                .ejectOnServerErrors(ejectOnServerErrors)
                .httpKeepaliveTimeout(httpKeepaliveTimeout)
                .forwardedHeaders(forwardedHeaders)
                .servicePort(servicePort)
                .proxyProtocol(proxyProtocol)
                .proxyProtocolTrustedCidrs(proxyProtocolTrustedCidrs)
                .accessControl(accessControl)
                .http2(http2)
                .compression(compression)
                .accessLog(accessLog)
                .backends(backends)
                .backendGroups(backendGroups)
                .rules(rules)
                .noDefaultGroup(noDefaultGroup)
                .redirect(redirect)
                .stickySession(stickySession)
                .persistence(persistence)
                .backendProxyProtocol(backendProxyProtocol);
    }

    /** The listener's own backends and those of its groups, each address:port once, for health checks and drains. */
    public List<Backend> allBackends() {
        if (backendGroups.isEmpty()) {
            return backends;
        }
        java.util.Map<String, Backend> all = new java.util.LinkedHashMap<>();
        for (Backend b : backends) {
            all.putIfAbsent(b.address() + ":" + b.port(), b);
        }
        for (BackendGroup g : backendGroups) {
            for (Backend b : g.backends()) {
                // A backend draining in one group and serving in another still serves.
                all.merge(b.address() + ":" + b.port(), b, (first, next) -> first.draining() ? next : first);
            }
        }
        return List.copyOf(all.values());
    }

    /** The port clients connect to: the Service port when the operator wrote one, else the port bound. */
    public int clientFacingPort() {
        return servicePort == null ? port : servicePort;
    }

    /** True when this HTTPS listener offers HTTP/2 to clients that ask for it (ALPN h2). */
    public boolean http2Enabled() {
        return protocol == Protocol.HTTPS && http2;
    }

    /** True when this HTTP or HTTPS listener gzips compressible responses. */
    public boolean compressionEnabled() {
        return protocol != null && protocol.isHttp() && compression;
    }

    /** True when this listener relays WebSocket upgrades. */
    public boolean websocketEnabled() {
        return websocket != null && websocket.isEnabled();
    }

    public Listener withBackends(List<Backend> newBackends) {
        return toBuilder().backends(newBackends).build();
    }

    public Listener withWebsocket(WebSocket newWebsocket) {
        return toBuilder().websocket(newWebsocket).build();
    }

    public Listener withTls(Tls newTls) {
        return toBuilder().tls(newTls).build();
    }

    public Listener withIdleTimeout(Duration newIdleTimeout) {
        return toBuilder().idleTimeout(newIdleTimeout).build();
    }

    public Listener withBindAddress(String newBindAddress, int newPort) {
        return toBuilder().bindAddress(newBindAddress).port(newPort).build();
    }

    public Listener withTimeouts(Duration newRequestTimeout, Duration newConnectTimeout) {
        return toBuilder()
                .requestTimeout(newRequestTimeout)
                .connectTimeout(newConnectTimeout)
                .build();
    }

    public Listener withScheduler(SchedulerKind newScheduler) {
        return toBuilder().scheduler(newScheduler).build();
    }

    /** The same listener with other limits on request heads and bodies; null means the default. */
    public Listener withRequestLimits(
            Integer newMaxHeaders, Duration newRequestHeaderTimeout, Integer newMinRequestBodyBytesPerSecond) {
        return toBuilder()
                .maxHeaders(newMaxHeaders)
                .requestHeaderTimeout(newRequestHeaderTimeout)
                .minRequestBodyBytesPerSecond(newMinRequestBodyBytesPerSecond)
                .build();
    }

    public Listener withHealthCheck(HealthCheck newHealthCheck) {
        return toBuilder().healthCheck(newHealthCheck).build();
    }

    public Listener withBackendHealth(Duration newConnectionDrain, boolean newEjectOnServerErrors) {
        return toBuilder()
                .connectionDrain(newConnectionDrain)
                .ejectOnServerErrors(newEjectOnServerErrors)
                .build();
    }

    /**
     * Every setting of a listener by name, null meaning the default: the one place that spells the
     * record's constructor, so a new setting is one field and one method here and no call site changes.
     */
    public static final class Builder {
        private String name;
        private Protocol protocol;
        private String bindAddress;
        private int port;
        private Tls tls;
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
        private boolean ejectOnServerErrors;
        private Duration httpKeepaliveTimeout;
        private ForwardedHeaders forwardedHeaders;
        private Integer servicePort;
        private boolean proxyProtocol;
        private List<String> proxyProtocolTrustedCidrs;
        private AccessControl accessControl;
        private Boolean http2;
        private Boolean compression;
        private boolean accessLog;
        private List<Backend> backends;
        private List<BackendGroup> backendGroups;
        private List<ForwardingRule> rules;
        private boolean noDefaultGroup;
        private Redirect redirect;
        private StickySession stickySession;
        private Persistence persistence;
        private ProxyProtocolVersion backendProxyProtocol;

        private Builder() {}

        public Builder name(String value) {
            this.name = value;
            return this;
        }

        public Builder protocol(Protocol value) {
            this.protocol = value;
            return this;
        }

        public Builder bindAddress(String value) {
            this.bindAddress = value;
            return this;
        }

        public Builder port(int value) {
            this.port = value;
            return this;
        }

        public Builder tls(Tls value) {
            this.tls = value;
            return this;
        }

        public Builder websocket(WebSocket value) {
            this.websocket = value;
            return this;
        }

        public Builder idleTimeout(Duration value) {
            this.idleTimeout = value;
            return this;
        }

        public Builder requestTimeout(Duration value) {
            this.requestTimeout = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder scheduler(SchedulerKind value) {
            this.scheduler = value;
            return this;
        }

        public Builder maxRequestLineBytes(Integer value) {
            this.maxRequestLineBytes = value;
            return this;
        }

        public Builder maxHeaderBytes(Integer value) {
            this.maxHeaderBytes = value;
            return this;
        }

        public Builder maxHeaders(Integer value) {
            this.maxHeaders = value;
            return this;
        }

        public Builder requestHeaderTimeout(Duration value) {
            this.requestHeaderTimeout = value;
            return this;
        }

        public Builder minRequestBodyBytesPerSecond(Integer value) {
            this.minRequestBodyBytesPerSecond = value;
            return this;
        }

        public Builder healthCheck(HealthCheck value) {
            this.healthCheck = value;
            return this;
        }

        public Builder connectionDrain(Duration value) {
            this.connectionDrain = value;
            return this;
        }

        public Builder ejectOnServerErrors(boolean value) {
            this.ejectOnServerErrors = value;
            return this;
        }

        public Builder httpKeepaliveTimeout(Duration value) {
            this.httpKeepaliveTimeout = value;
            return this;
        }

        public Builder forwardedHeaders(ForwardedHeaders value) {
            this.forwardedHeaders = value;
            return this;
        }

        public Builder servicePort(Integer value) {
            this.servicePort = value;
            return this;
        }

        public Builder proxyProtocol(boolean value) {
            this.proxyProtocol = value;
            return this;
        }

        public Builder proxyProtocolTrustedCidrs(List<String> value) {
            this.proxyProtocolTrustedCidrs = value;
            return this;
        }

        public Builder accessControl(AccessControl value) {
            this.accessControl = value;
            return this;
        }

        public Builder http2(Boolean value) {
            this.http2 = value;
            return this;
        }

        public Builder accessLog(boolean value) {
            this.accessLog = value;
            return this;
        }

        public Builder compression(Boolean value) {
            this.compression = value;
            return this;
        }

        public Builder backends(List<Backend> value) {
            this.backends = value;
            return this;
        }

        public Builder backendGroups(List<BackendGroup> value) {
            this.backendGroups = value;
            return this;
        }

        public Builder rules(List<ForwardingRule> value) {
            this.rules = value;
            return this;
        }

        public Builder noDefaultGroup(boolean value) {
            this.noDefaultGroup = value;
            return this;
        }

        public Builder redirect(Redirect value) {
            this.redirect = value;
            return this;
        }

        public Builder stickySession(StickySession value) {
            this.stickySession = value;
            return this;
        }

        public Builder persistence(Persistence value) {
            this.persistence = value;
            return this;
        }

        public Builder backendProxyProtocol(ProxyProtocolVersion value) {
            this.backendProxyProtocol = value;
            return this;
        }

        public Listener build() {
            return new Listener(
                    name,
                    protocol,
                    bindAddress,
                    port,
                    tls,
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
                    ejectOnServerErrors,
                    httpKeepaliveTimeout,
                    forwardedHeaders,
                    servicePort,
                    proxyProtocol,
                    proxyProtocolTrustedCidrs,
                    accessControl,
                    http2,
                    compression,
                    accessLog,
                    backends,
                    backendGroups,
                    rules,
                    noDefaultGroup,
                    redirect,
                    stickySession,
                    persistence,
                    backendProxyProtocol);
        }
    }

    /** Jackson value filters: a value equal to a filter is left out of the written config. */
    static final class AtDefault {
        private AtDefault() {}

        static final class On {
            @Override
            public boolean equals(Object value) {
                return Boolean.TRUE.equals(value);
            }

            @Override
            public int hashCode() {
                return Boolean.TRUE.hashCode();
            }
        }

        static final class MaxHeaders {
            @Override
            public boolean equals(Object value) {
                return value instanceof Integer i && i == DEFAULT_MAX_HEADERS;
            }

            @Override
            public int hashCode() {
                return DEFAULT_MAX_HEADERS;
            }
        }

        static final class RequestHeaderTimeout {
            @Override
            public boolean equals(Object value) {
                return DEFAULT_REQUEST_HEADER_TIMEOUT.equals(value);
            }

            @Override
            public int hashCode() {
                return DEFAULT_REQUEST_HEADER_TIMEOUT.hashCode();
            }
        }

        static final class HttpKeepaliveTimeout {
            @Override
            public boolean equals(Object value) {
                return DEFAULT_HTTP_KEEPALIVE_TIMEOUT.equals(value);
            }

            @Override
            public int hashCode() {
                return DEFAULT_HTTP_KEEPALIVE_TIMEOUT.hashCode();
            }
        }

        static final class Forwarded {
            @Override
            public boolean equals(Object value) {
                // Null too: a TCP listener has no header switches to write.
                return value == null || ForwardedHeaders.DEFAULT.equals(value);
            }

            @Override
            public int hashCode() {
                return ForwardedHeaders.DEFAULT.hashCode();
            }
        }

        static final class MinRequestBodyRate {
            @Override
            public boolean equals(Object value) {
                return value instanceof Integer i && i == DEFAULT_MIN_REQUEST_BODY_BYTES_PER_SECOND;
            }

            @Override
            public int hashCode() {
                return DEFAULT_MIN_REQUEST_BODY_BYTES_PER_SECOND;
            }
        }
    }

    /** Jackson's filter for {@link #connectionDrain}: true (leave it out) at the default. */
    static final class DefaultConnectionDrain {
        @Override
        public boolean equals(Object value) {
            return DEFAULT_CONNECTION_DRAIN.equals(value);
        }

        @Override
        public int hashCode() {
            return DEFAULT_CONNECTION_DRAIN.hashCode();
        }
    }
}
