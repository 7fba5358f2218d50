package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** What one listener is doing, as the operator last saw it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ListenerStatus {
    @JsonPropertyDescription("The listener's name.")
    public String name;

    @JsonPropertyDescription("The listener's port.")
    public Integer port;

    @JsonPropertyDescription("Enabled, Disabled, or NotApplicable (TCP). Enabled only while the listener is served.")
    public String websocket;

    @JsonPropertyDescription("Why WebSocket is disabled, in CamelCase: RequiresGuaranteedPerformance (the shared tier)"
            + " or ListenerNotServed (see the listener's conditions).")
    public String websocketReason;

    @JsonPropertyDescription("What to do to enable WebSocket.")
    public String websocketMessage;

    @JsonPropertyDescription("How many of the listener's backends are healthy, as most ready proxy replicas report"
            + " (absent until one has reported).")
    public BackendCounts backends;

    @JsonPropertyDescription("HTTPS: the TLS policy served (the one named on a guaranteed tier, else"
            + " tls_cipher_policy_1_2_strict_with_1_3).")
    public String tlsPolicy;

    @JsonPropertyDescription("HTTPS: the TLS versions that policy offers, newest first.")
    public List<String> tlsVersions;

    @JsonPropertyDescription("HTTPS: what to know about the policy served, when there is something: TLS 1.0 and 1.1"
            + " need BoringSSL in the proxies; tls_cipher_policy_1_2 offers TLS 1.3 too (unlike the product's);"
            + " which policies offer TLS 1.3 when the one served does not; that the shared tier serves the default"
            + " in place of a stored tls_cipher_policy_1_2.")
    public String tlsMessage;

    @JsonPropertyDescription("ResolvedRefs (the listener's TLS Secret exists and holds tls.crt and tls.key),"
            + " Programmed (every wanted proxy replica serves the listener as the spec has it) and, on listeners"
            + " with proxyProtocol, ProxyProtocolPeersRestricted (False, reason TrustsEveryPeer, while any peer"
            + " may send the PROXY header: set proxyProtocolTrustedCidrs) and, on listeners with rules, RulesDistinct"
            + " (False, reason RulesCollide, when rules read as the same host and path, so only the first written of"
            + " them gets requests; reason RulePathUnreadable for a rule path no request can match as written;"
            + " reason RulePathAmbiguous for a rule path that matches otherwise than written, with ;parameters or"
            + " an escaped /, \\ or ; (%2F, %5C, %3B)).")
    public List<Condition> conditions;
}
