package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.slb.model.Cidr;
import dev.slb.model.ForwardingRule;
import dev.slb.model.Listener;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One listener: a port clients connect to and how it is served. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.protocol != 'HTTPS' || has(self.tls)",
        message = "an HTTPS listener needs tls.secretName (a kubernetes.io/tls Secret)")
@ValidationRule(value = "self.protocol == 'HTTPS' || !has(self.tls)", message = "only HTTPS listeners take tls")
@ValidationRule(
        value = "!self.name.matches('^[0-9]+$') && !self.name.contains('--') && self.name != 'admin'",
        message = "a listener name needs a letter, has no '--' and is not 'admin' (it names a container port)")
@ValidationRule(
        value = "self.protocol != 'TCP' || !has(self.websocketKeepaliveSeconds)",
        message = "TCP listeners carry no WebSocket; remove websocketKeepaliveSeconds")
@ValidationRule(
        value = "self.protocol != 'TCP' || !has(self.rules)",
        message = "TCP listeners have no host or path to route by; remove rules (defaultBackendGroup picks their"
                + " backends)")
@ValidationRule(
        value = "!has(self.redirectToListener) || self.protocol == 'HTTP'",
        message = "only HTTP listeners redirect to HTTPS; remove redirectToListener")
@ValidationRule(
        value = "self.protocol != 'TCP' || !has(self.stickySession)",
        message = "TCP listeners have no cookies; remove stickySession")
@ValidationRule(
        value = "!has(self.stickySession) || !has(self.stickySession.sameSite) || self.stickySession.sameSite != 'None'"
                + " || self.protocol == 'HTTPS'",
        message = "stickySession.sameSite None needs the Secure attribute, which browsers honour only over HTTPS and"
                + " this load balancer sets only on HTTPS listeners: use Lax or Strict here")
@ValidationRule(
        value = "self.protocol == 'TCP' || self.protocol == 'UDP' || !has(self.persistence)",
        message = "only TCP and UDP listeners keep clients by source address; HTTP and HTTPS listeners use"
                + " stickySession")
@ValidationRule(
        value = "self.protocol == 'TCP' || self.protocol == 'UDP' || !has(self.backendProxyProtocol)",
        message = "only TCP and UDP listeners send a PROXY protocol header to backends; HTTP and HTTPS listeners"
                + " tell them the client in X-Forwarded-For")
@ValidationRule(
        value = "self.protocol != 'TCP' || !has(self.forwardedHeaders)",
        message = "TCP listeners add no headers; remove forwardedHeaders")
@ValidationRule(
        value = "self.protocol == 'HTTPS' || !has(self.http2)",
        message = "only HTTPS listeners speak HTTP/2 (it is negotiated in the TLS handshake); remove http2")
@ValidationRule(
        value = "!has(self.proxyProtocolTrustedCidrs) || (has(self.proxyProtocol) && self.proxyProtocol)",
        message = "proxyProtocolTrustedCidrs names who may send a PROXY protocol header: set proxyProtocol: true,"
                + " or remove it")
@ValidationRule(
        value = "self.protocol != 'TCP' || !has(self.compression)",
        message = "TCP listeners relay bytes and compress nothing; remove compression")
// UDP listeners: what only TCP streams or HTTP have is refused, each with a rule of its own so the message names it.
@ValidationRule(
        value = "self.protocol != 'UDP' || !has(self.backendProxyProtocol) || self.backendProxyProtocol == 'v2'",
        message = "a UDP listener sends backendProxyProtocol v2 only (v2 names a datagram flow; v1 is a text line"
                + " for TCP streams): use v2")
@ValidationRule(
        value = "self.protocol != 'UDP' || !has(self.proxyProtocol) || !self.proxyProtocol",
        message = "a UDP listener reads no PROXY protocol header (an outer load balancer sends one per TCP"
                + " connection): remove proxyProtocol")
@ValidationRule(
        value = "self.protocol != 'UDP' || (!has(self.rules) && !has(self.stickySession) && !has(self.forwardedHeaders)"
                + " && !has(self.websocketKeepaliveSeconds) && !has(self.compression))",
        message = "a UDP listener relays datagrams: it has no requests, cookies, headers or WebSocket; remove rules,"
                + " stickySession, forwardedHeaders, websocketKeepaliveSeconds and compression")
@ValidationRule(
        value = "!has(self.healthCheck) || !has(self.healthCheck.protocol) || self.healthCheck.protocol != 'UDP'"
                + " || self.protocol == 'UDP'",
        message = "healthCheck.protocol UDP checks the backends of UDP listeners; use TCP or HTTP here")
public class ListenerSpec {
    /** A listener name: a DNS label short enough to name a Service port. Checked in the schema and in Java. */
    public static final int MAX_CONNECTION_DRAIN_SECONDS = 900;

    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$";

    @Required
    @Pattern(NAME_PATTERN)
    // maxLength also bounds the cost of the uniqueness rule: CEL prices an unbounded string at megabytes.
    @Size(max = 15)
    @JsonPropertyDescription("Listener name, unique in this LoadBalancer: lower-case letters, digits and '-', at most "
            + "15 characters (it names the Service port).")
    public String name;

    @Required
    // maxLength bounds the cost of the port-uniqueness rule, which reads every pair of listeners' protocols.
    @Size(max = 5)
    @JsonPropertyDescription("HTTP, HTTPS, TCP or UDP. HTTP listeners carry WebSocket (ws://) and HTTPS listeners "
            + "WebSocket Secure (wss://) by default on guaranteed-performance tiers. A UDP listener relays datagrams"
            + " per client flow (the client's address and port), each flow on one backend, the answers sent back"
            + " from the listener's port; it takes idleTimeoutSeconds, scheduler, persistence, backendProxyProtocol"
            + " v2, healthCheck, connectionDrainSeconds, accessControl, accessLog and defaultBackendGroup, and"
            + " refuses what only TCP streams or HTTP have (tls, rules, stickySession, proxyProtocol, ...).")
    public ListenerProtocol protocol;

    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("The port clients connect to, on the instance's address. Unique per transport in this"
            + " LoadBalancer: HTTP, HTTPS and TCP listeners all use TCP, so none of them share a port, while a UDP"
            + " listener may have a TCP listener's number (DNS on 53).")
    public Integer port;

    @JsonPropertyDescription("HTTPS only: the certificate Secret and the TLS policy.")
    public TlsSpec tls;

    // No schema default: it depends on the protocol (60, or 90 on UDP), so the operator fills it in. LoadBalancers
    // stored while the schema defaulted it to 60 keep that 60, which is what the operator fills in for them anyway.
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("A WebSocket or TCP connection on which nothing passes for this many seconds is closed "
            + "(WebSocket with close code 1001), and so is a UDP flow with no datagram either way. Pings and pongs "
            + "count as traffic, so client keepalive holds a connection open. 1..3600; default 60, and 90 on UDP "
            + "listeners, as the product has it.")
    public Integer idleTimeoutSeconds;

    // No schema default: a TCP listener has no requests, and a defaulted 60 on it would read as a setting.
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("HTTP/HTTPS: how long a backend may take to start answering before the client gets 504."
            + " Default 60. TCP listeners have no requests and ignore it.")
    public Integer requestTimeoutSeconds;

    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("HTTP/HTTPS: when set, the proxy pings WebSocket clients this often, so quiet clients "
            + "are not cut by the idle timeout. Off by default.")
    public Integer websocketKeepaliveSeconds;

    @Default("100")
    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("HTTP/HTTPS: the most header lines a request may have; a request with more is answered "
            + "431 and its connection closed. Default 100 (nginx and HAProxy allow about as many).")
    public Integer maxHeaders;

    @Default("10")
    @Min(1)
    @Max(60)
    @JsonPropertyDescription("HTTP/HTTPS: once a client has begun a request, its whole head (request line and "
            + "headers) must arrive within this many seconds, or it is answered 408 and its connection closed, so a "
            + "client sending its head a byte at a time cannot hold a connection. A connection on which no request "
            + "has begun is closed after httpKeepaliveTimeoutSeconds instead. Default 10.")
    public Integer requestHeaderTimeoutSeconds;

    @Default("1024")
    @Min(1)
    @Max(1048576)
    @JsonPropertyDescription("HTTP/HTTPS: the slowest a request body may arrive, in bytes per second on average. "
            + "A client may fall behind this rate by at most requestTimeoutSeconds (so a pause that short still "
            + "passes); further behind, it is answered 408 and its connection closed, and the backend connection it "
            + "held is freed. Time spent waiting on a slow backend does not count. Default 1024: a 1 GiB upload "
            + "passes on any link that would carry it at all.")
    public Integer minRequestBodyBytesPerSecond;

    // No schema default: a TCP listener has no requests to keep alive between.
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("HTTP/HTTPS: an HTTP connection with no request in progress (a new one, or one kept"
            + " alive after its last response) is closed after this many seconds, 1..3600. Default 15, as the"
            + " product has it. WebSocket connections idle out by idleTimeoutSeconds instead. Listeners created"
            + " before this field existed closed idle HTTP connections after idleTimeoutSeconds (60 unless set):"
            + " set this to that value to keep that behaviour. TCP listeners ignore it.")
    public Integer httpKeepaliveTimeoutSeconds;

    @JsonPropertyDescription("HTTP/HTTPS: which of the product's headers the listener adds to requests for"
            + " backends. X-Forwarded-For (the client's address appended) and X-Forwarded-Port (the port the"
            + " client connected to, the port above) are always added; X-Forwarded-Proto is on by default; SLB-IP,"
            + " SLB-ID and X-Forwarded-Client-Srcport are off. Whatever a client sends under the switched names"
            + " and X-Forwarded-Port is removed, switched on or not, so backends can trust them. X-Forwarded-For"
            + " is only appended to: what the client sent stays in front, so only its last entry (added by this"
            + " listener) can be trusted. The proxy itself never reads an incoming X-Forwarded-For: accessControl"
            + " and the address it appends come from the connection, or from a trusted PROXY protocol header.")
    public ForwardedHeadersSpec forwardedHeaders;

    @JsonPropertyDescription("Which client addresses this listener serves (any protocol): Allow or Deny, with up to"
            + " 3 lists of up to 300 IPv4/IPv6 CIDR blocks. Absent: everyone is served. A refused client's"
            + " connection is reset before any TLS handshake and counted in the proxy's"
            + " slb_connections_denied_total.")
    public AccessControlSpec accessControl;

    @Default("false")
    @JsonPropertyDescription("Every connection to this listener starts with a PROXY protocol header (v1 or v2), as"
            + " an outer load balancer sends it to pass on the client's real address: X-Forwarded-For and"
            + " accessControl then use that address. The header must arrive within requestHeaderTimeoutSeconds"
            + " (10 s by default); a connection without a valid header is reset and logged. Turn it on only when"
            + " everything that connects sends the header, and name the load balancers in"
            + " proxyProtocolTrustedCidrs: otherwise anyone who reaches the listener can claim any address."
            + " Default false.")
    public Boolean proxyProtocol;

    @Size(min = 1, max = Listener.MAX_PROXY_PROTOCOL_TRUSTED_CIDRS)
    @JsonPropertyDescription("With proxyProtocol: the peers whose PROXY header is believed, as IPv4/IPv6 addresses"
            + " or CIDR blocks (at most 300): the outer load balancer, as the proxy pod sees it. A connection from"
            + " any other peer is reset as it is accepted, before a byte of it is read, logged at most once per"
            + " listener every 10 s. It is refused rather than served as if it had sent no header, because every"
            + " client of this listener is meant to come through the load balancer: one that does not has"
            + " bypassed it, and its header could name any address, past accessControl and into X-Forwarded-For."
            + " The peer is the address the proxy pod sees: with externalTrafficPolicy Cluster, the address of"
            + " the node that took the connection (list the nodes' network and, for pods on that node, the node's"
            + " address on the pod network, which depends on the CNI); with Local, or a load balancer that sends"
            + " to pod IPs directly, the load balancer's own addresses (its subnet). A load balancer that keeps the"
            + " client's source address makes the client the peer: no list can tell them apart, so keep the pods"
            + " reachable only through it (a firewall or security group) instead. Absent (the default, and what"
            + " listeners written before this field get, so nothing breaks on upgrade): every peer is trusted, as"
            + " before, and the listener's status says so (condition ProxyProtocolPeersRestricted=False, reason"
            + " TrustsEveryPeer, and a Warning event). A change applies to new connections within a second, with"
            + " no restart; connections open carry on.")
    public List<@Pattern(AccessListSpec.CIDR_PATTERN) @Size(max = Cidr.MAX_LENGTH) String> proxyProtocolTrustedCidrs;

    @Default("false")
    @JsonPropertyDescription("Write an access log: one JSON line on each proxy pod's standard output (kubectl logs)"
            + " per HTTP request, and per WebSocket or TCP connection or UDP flow when it ends, with the client's address, the"
            + " backend, the duration, the bytes (and WebSocket frames) each way, and for a connection who closed it"
            + " and with which close code. Lines are never waited for: if standard output falls behind, lines are"
            + " dropped and counted in the proxy's slb_access_log_dropped_total. Turning it on or off is a reload;"
            + " open connections carry on. Default false.")
    public Boolean accessLog;

    @Default("wrr")
    @JsonPropertyDescription("How new connections are spread over backends: wrr (smooth weighted round robin, the "
            + "default), wlc (weighted least connections) or rr (round robin).")
    public Scheduler scheduler;

    @JsonPropertyDescription("Active health checks of this listener's backends: on by default (HTTP HEAD / every 2 s,"
            + " 5 s timeout, 3 to turn unhealthy or healthy, 2xx and 3xx good; a connect on TCP listeners, a datagram"
            + " on UDP ones). Set enabled: false to turn them off.")
    public HealthCheckSpec healthCheck;

    @Default("30")
    @Min(0)
    @Max(MAX_CONNECTION_DRAIN_SECONDS)
    @JsonPropertyDescription("Seconds the WebSocket and TCP connections and UDP flows of a backend that goes away"
            + " (removed from"
            + " the spec, or its pod terminating) may carry on, 0..900 (default 30). The backend gets no new"
            + " connections at once; at the end the ones left are closed (WebSocket with close code 1001 to both"
            + " sides), spread over the last third of the window. 0 closes them at once. Weight 0 is different: no"
            + " new connections, and the open ones stay.")
    public Integer connectionDrainSeconds;

    @Default("false")
    @JsonPropertyDescription("Passive health: 5 connect failures or resets in a row eject a backend for 30 s"
            + " (doubling on each ejection to at most 5 min), never more than half of the backends at once; active"
            + " checks bring it back early. When true, 5xx answers count as failures too. Default false.")
    public Boolean ejectOnServerErrors;

    // ---- backend groups and forwarding rules ----

    @Size(max = BackendGroupSpec.MAX_NAME_LENGTH)
    @JsonPropertyDescription("The backend group (a name from spec.backendGroups) that takes this listener's"
            + " requests no rule matches, and every connection of a TCP listener. When absent, spec.backends is the"
            + " default group, as before groups existed; when absent and spec.backends is empty, an HTTP/HTTPS"
            + " request no rule matches is answered 404.")
    public String defaultBackendGroup;

    @Size(max = ForwardingRule.MAX_PER_LISTENER)
    @JsonPropertyDescription("HTTP/HTTPS: forwarding rules, up to 40, each sending requests (WebSocket upgrades"
            + " included) with a matching host and path to a backend group. The most specific rule wins: an exact"
            + " host, then the longest wildcard host, then rules without host; among those, the longest path prefix;"
            + " then the first written. Rules that read as the same host and path (/API and /api, /v1;x and /v1) are"
            + " not refused: the first written gets their requests, and the listener's status warns (condition"
            + " RulesDistinct=False, reason RulesCollide, naming them). A request no rule matches goes to the default"
            + " group. None by default.")
    public List<ForwardingRuleSpec> rules;

    // ---- redirect to HTTPS ----

    @Size(max = 15)
    @JsonPropertyDescription("HTTP only: the name of an HTTPS listener of this LoadBalancer to redirect every request"
            + " to (WebSocket upgrades included) instead of forwarding it: 301 for GET and HEAD, 308 for other methods"
            + " (which keeps the method and body), Location https://<host><:port unless 443><path>?<query>. The"
            + " listener's backends and rules are then unused. Off by default.")
    public String redirectToListener;

    // ---- sticky sessions ----

    @JsonPropertyDescription("HTTP/HTTPS: keeps each client on one backend by a cookie (WebSocket upgrades"
            + " included). The cookie names the backend by an opaque hash, never its address, that every proxy replica"
            + " reads alike, so it holds across replicas, reloads, tier changes and scale-ups; a cookie naming a"
            + " backend that is gone, draining or unhealthy is answered by another backend and set anew. Off by"
            + " default.")
    public StickySessionSpec stickySession;

    @JsonPropertyDescription(
            "HTTPS only: offer HTTP/2 to clients (ALPN h2, besides http/1.1); backends are still spoken"
                    + " to over HTTP/1.1. Default true on guaranteed-performance tiers; the shared tier has no HTTP/2 and"
                    + " refuses true. false: clients get HTTP/1.1 only. WebSocket always works over HTTP/1.1.")
    public Boolean http2;

    @JsonPropertyDescription("HTTP/HTTPS: gzip responses of at least 1 KiB (text/*, JSON, JavaScript, XML, SVG) when"
            + " the client accepts gzip and the backend sent them uncompressed. Default true, also for"
            + " LoadBalancers created before this field existed: they compress after the operator upgrade. Set"
            + " false when backends must send every byte themselves (for example secrets beside reflected input"
            + " in HTTPS responses, see BREACH).")
    public Boolean compression;

    // ---- source-address persistence ----

    @JsonPropertyDescription("TCP and UDP: keeps each client address on one backend (on UDP, every flow of that"
            + " address, whatever its port). A consistent hash (Maglev) of the"
            + " client's address over the healthy backends picks it, the same on every proxy replica with nothing"
            + " shared, weighted by the backends' weights; when a backend goes, only its own clients move. Each"
            + " replica also remembers a client's backend for timeoutSeconds. The scheduler is then not used."
            + " Off by default: connections are spread by the scheduler.")
    public PersistenceSpec persistence;

    // maxLength bounds the cost of the rule that reads it on UDP listeners.
    @Size(max = 2)
    @JsonPropertyDescription("TCP and UDP (v2 only). UDP: every datagram to a backend starts with a v2 header"
            + " (DGRAM) naming the client's address and port, as a backend sees every flow come from the proxy's"
            + " own address; a health check's datagram is a v2 header that names no client (LOCAL). TCP: start every backend connection with a PROXY protocol"
            + " header naming the client's"
            + " address and port and the address it connected to (the ones an inbound PROXY header named, with"
            + " proxyProtocol on): v1 (a text line) or v2 (binary). Only for backends that expect it (nginx"
            + " 'listen ... proxy_protocol', HAProxy 'accept-proxy', Postgres/Redis behind such a front): a backend"
            + " that does not reads the header as data. Health checks to these backends send a header too, one"
            + " that names no client (v2 LOCAL, v1 'PROXY UNKNOWN'), since such a backend refuses a connection"
            + " without one; a check on another port (healthCheck.port) sends none. Off by default.")
    public BackendProxyProtocol backendProxyProtocol;
}
