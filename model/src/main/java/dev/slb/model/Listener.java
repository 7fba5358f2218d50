package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.util.List;

/**
 * One listener: a port clients connect to, how it is served, and the backends behind it.
 *
 * @param name                  unique within the config; lower-case DNS label
 * @param protocol              HTTP, HTTPS or TCP
 * @param bindAddress           the address to listen on; all addresses when absent
 * @param port                  1..65535
 * @param tls                   HTTPS only: certificate, key and policy
 * @param websocket             HTTP and HTTPS only: WebSocket on (the default) or off
 * @param idleTimeout           a WebSocket or TCP connection with no traffic for this long is
 *                              closed, and so is an HTTP connection idle between requests or
 *                              stuck in an unfinished request head (default 60 s)
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
 * @param http2                 HTTPS only: whether TLS offers HTTP/2 (ALPN {@code h2}) beside HTTP/1.1
 *                              (default true); other listeners ignore it
 * @param compression           HTTP and HTTPS: whether the proxy gzips compressible responses the
 *                              backend did not compress (default true); TCP listeners ignore it
 * @param backends              where requests and connections go
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
    "http2",
    "compression",
    "backends"
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
        // Written only when off: on is what a proxy assumes when it is absent, and absent is all an
        // earlier proxy understands.
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.On.class)
        Boolean http2,

        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AtDefault.On.class)
        Boolean compression,

        List<Backend> backends) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
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

    public Listener {
        websocket = protocol != null && protocol.isHttp() && websocket == null ? WebSocket.ENABLED : websocket;
        idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
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
                : healthCheck.withDefaultProtocol(protocol.isHttp() ? HealthCheck.Kind.HTTP : HealthCheck.Kind.TCP);
        connectionDrain = connectionDrain == null ? DEFAULT_CONNECTION_DRAIN : connectionDrain;
        http2 = http2 == null ? Boolean.TRUE : http2;
        compression = compression == null ? Boolean.TRUE : compression;
        backends = backends == null ? List.of() : List.copyOf(backends);
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
                .http2(http2)
                .compression(compression)
                .backends(backends);
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
        private Boolean http2;
        private Boolean compression;
        private List<Backend> backends;

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

        public Builder http2(Boolean value) {
            this.http2 = value;
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
                    http2,
                    compression,
                    backends);
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
