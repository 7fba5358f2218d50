package dev.slb.operator.desired;

import dev.slb.model.RulePaths;
import dev.slb.model.TlsPolicy;
import dev.slb.model.WebSocket;
import dev.slb.operator.api.ForwardingRuleSpec;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Reason;
import dev.slb.operator.api.Tier;
import dev.slb.operator.api.TlsCipherPolicy;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Computes {@code status.listeners}: each listener's port, whether it carries WebSocket (and why not), and its TLS policy. */
public final class ListenerStatuses {
    public static final String ENABLED = "Enabled";
    public static final String DISABLED = "Disabled";
    public static final String NOT_APPLICABLE = "NotApplicable";
    /** A listener condition, not an instance one: only listeners that read a PROXY header have it. */
    public static final String PROXY_PROTOCOL_PEERS_RESTRICTED = Reason.ProxyProtocolPeersRestricted.name();
    /** A listener condition: only listeners with forwarding rules have it. */
    public static final String RULES_DISTINCT = Reason.RulesDistinct.name();

    /** Longer hosts and paths are cut in messages, so that 40 rules keep a condition readable and small. */
    private static final int QUOTED_LENGTH = 64;

    private ListenerStatuses() {}

    /** One status per listener of a normalized LoadBalancer, in spec order, for the tier in effect. */
    public static List<ListenerStatus> of(LoadBalancer lb, Tier inEffect) {
        List<ListenerStatus> statuses = new ArrayList<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            ListenerStatus s = new ListenerStatus();
            s.name = l.name;
            s.port = l.port;
            // The same decision the proxy config carries, so status and behaviour cannot disagree.
            describeWebsocket(s, ProxyConfigs.websocket(lb, inEffect, l));
            if (l.tls != null) {
                describeTls(s, inEffect, l);
            }
            statuses.add(s);
        }
        return statuses;
    }

    /** Sets the TLS policy served, its versions and, where a person should know something, a sentence. */
    static void describeTls(ListenerStatus s, Tier inEffect, ListenerSpec l) {
        TlsCipherPolicy served = ProxyConfigs.tlsPolicy(inEffect, l);
        TlsPolicy policy = TlsPolicy.valueOf(served.name());
        s.tlsPolicy = policy.json();
        s.tlsVersions = policy.protocols();
        List<String> notes = new ArrayList<>();
        if (l.tls.policy != null && served != l.tls.policy) {
            notes.add(
                    "The shared tier serves " + policy.json() + " whatever tls.policy says (" + Specs.json(l.tls.policy)
                            + ", the previous release's default); remove tls.policy, or raise spec.tier to choose a policy.");
        }
        if (served == TlsCipherPolicy.TLS_CIPHER_POLICY_1_2) {
            notes.add("TLS 1.3 as well as the product's TLS 1.2 suites (the earlier release's default, kept);"
                    + " for TLS 1.2 alone choose " + Specs.json(TlsCipherPolicy.TLS_CIPHER_POLICY_1_2_STRICT) + ".");
        }
        if (policy.protocols().contains(TlsPolicy.Versions.TLS_1_0)
                || policy.protocols().contains(TlsPolicy.Versions.TLS_1_1)) {
            notes.add("TLS 1.0 and 1.1 are offered by proxies running BoringSSL (the proxy image does); a proxy on"
                    + " the JDK provider offers TLS 1.2 only for this policy and logs a warning saying so.");
        }
        if (!policy.protocols().contains(TlsPolicy.Versions.TLS_1_3)) {
            notes.add("No TLS 1.3: " + Specs.json(Specs.DEFAULT_TLS_POLICY) + " (the default) and "
                    + Specs.json(TlsCipherPolicy.TLS_CIPHER_POLICY_1_2) + " offer it.");
        }
        s.tlsMessage = notes.isEmpty() ? null : String.join(" ", notes);
    }

    /**
     * {@code conds} with ProxyProtocolPeersRestricted set for a listener that reads a PROXY header:
     * True when it names the peers it believes, False (a warning) when it believes anyone; without
     * it for other listeners, so turning proxyProtocol off leaves no stale condition.
     */
    static List<Condition> proxyProtocolPeers(Conditions at, List<Condition> conds, ListenerSpec l, Long generation) {
        if (!Boolean.TRUE.equals(l.proxyProtocol)) {
            return conds.stream()
                    .filter(c -> !PROXY_PROTOCOL_PEERS_RESTRICTED.equals(c.getType()))
                    .toList();
        }
        if (l.proxyProtocolTrustedCidrs == null || l.proxyProtocolTrustedCidrs.isEmpty()) {
            return at.set(
                    conds,
                    PROXY_PROTOCOL_PEERS_RESTRICTED,
                    Conditions.FALSE,
                    Reason.TrustsEveryPeer.name(),
                    "The listener believes the PROXY protocol header of any peer that reaches it, so a client that"
                            + " bypasses the outer load balancer can claim any address (past accessControl, into"
                            + " X-Forwarded-For). List the load balancer's addresses, as the proxy pods see them, in"
                            + " proxyProtocolTrustedCidrs (kubectl explain slb.spec.listeners.proxyProtocolTrustedCidrs).",
                    generation);
        }
        return at.set(
                conds,
                PROXY_PROTOCOL_PEERS_RESTRICTED,
                Conditions.TRUE,
                Reason.ProxyProtocolPeersRestricted.name(),
                "Only the " + l.proxyProtocolTrustedCidrs.size() + " address block"
                        + (l.proxyProtocolTrustedCidrs.size() == 1 ? "" : "s")
                        + " in proxyProtocolTrustedCidrs may send the PROXY protocol header; other peers are reset.",
                generation);
    }

    /**
     * {@code conds} with RulesDistinct set for a listener with forwarding rules: False when rules read
     * as the same host and path (the proxy gives their requests to the first written, so the others
     * are dead), a rule's path does not read, or it matches otherwise than it is written
     * ({@link #readsOtherwise}); without it for listeners without rules. A warning,
     * not a refusal: such specs were accepted before, and refusing them would stop a running
     * instance from taking any change.
     */
    static List<Condition> rulesDistinct(Conditions at, List<Condition> conds, ListenerSpec l, Long generation) {
        if (l.rules == null || l.rules.isEmpty()) {
            return conds.stream()
                    .filter(c -> !RULES_DISTINCT.equals(c.getType()))
                    .toList();
        }
        // As the proxy's Routes compiles them: hosts without case, paths as RulePaths reads them, no path as "/".
        record Key(String host, String path) {}
        Map<Key, List<Integer>> byKey = new LinkedHashMap<>();
        List<String> unreadable = new ArrayList<>();
        List<String> ambiguous = new ArrayList<>();
        for (int i = 0; i < l.rules.size(); i++) {
            ForwardingRuleSpec r = l.rules.get(i);
            if (r == null) {
                continue;
            }
            String host = r.host == null ? null : r.host.toLowerCase(Locale.ROOT);
            String path = r.path == null ? "" : RulePaths.ofRule(r.path);
            byKey.computeIfAbsent(new Key(host, path), k -> new ArrayList<>()).add(i);
            String problem = r.path == null ? null : RulePaths.problemOfRule(r.path);
            if (problem != null) {
                unreadable.add(rule(i, r) + ": " + problem);
            } else if (r.path != null) {
                for (String note : readsOtherwise(r.path)) {
                    ambiguous.add(rule(i, r) + " " + note);
                }
            }
        }
        List<String> collisions = new ArrayList<>();
        for (List<Integer> same : byKey.values()) {
            if (same.size() > 1) {
                List<String> named =
                        same.stream().map(i -> rule(i, l.rules.get(i))).toList();
                collisions.add(String.join(", ", named.subList(0, named.size() - 1)) + " and "
                        + named.get(named.size() - 1) + ": rules[" + same.get(0) + "], written first, gets every"
                        + " request they match"
                        + (same.size() == 2 ? ", rules[" + same.get(1) + "] none" : ", the others none"));
            }
        }
        List<String> said = new ArrayList<>();
        if (!collisions.isEmpty()) {
            said.add("Rules read as the same host and path (paths are compared without ASCII case, ;parameters, empty"
                    + " and dot segments, with percent escapes decoded): " + String.join("; ", collisions)
                    + ". Remove the later ones, or give them another host or path.");
        }
        if (!unreadable.isEmpty()) {
            said.add("Rule paths that do not read as a request's path can, so requests spelled that way are refused"
                    + " (400) and the rule does not match the requests it seems to name: "
                    + String.join("; ", unreadable)
                    + ". Write the path as clients send it (a '%' as %25), without %00 or a '..' above the root.");
        }
        if (!ambiguous.isEmpty()) {
            said.add("Rule paths that match otherwise than they are written: " + String.join("; ", ambiguous)
                    + ". Write the path as backends read it.");
        }
        if (said.isEmpty()) {
            return at.set(
                    conds,
                    RULES_DISTINCT,
                    Conditions.TRUE,
                    Reason.RulesDistinct.name(),
                    "Each of the " + l.rules.size() + " forwarding rule" + (l.rules.size() == 1 ? "" : "s")
                            + " reads as its own host and path.",
                    generation);
        }
        return at.set(
                conds,
                RULES_DISTINCT,
                Conditions.FALSE,
                (!collisions.isEmpty()
                                ? Reason.RulesCollide
                                : !unreadable.isEmpty() ? Reason.RulePathUnreadable : Reason.RulePathAmbiguous)
                        .name(),
                String.join(" ", said) + " Nothing is refused: the proxies serve the rules as described"
                        + " (kubectl explain slb.spec.listeners.rules.path).",
                generation);
    }

    /**
     * What a readable rule path matches that its spelling hides, one sentence each (empty when it
     * matches as written): {@code ;parameters}, which paths are compared without, and an escaped
     * '/', '\' or ';' ({@code %2F}, {@code %5C}, {@code %3B}), which the proxy reads both as a
     * character of its segment and decoded, as backends differ there.
     */
    private static List<String> readsOtherwise(String path) {
        List<String> notes = new ArrayList<>();
        List<String> escapes = new ArrayList<>();
        for (int i = 0; i + 2 < path.length(); i++) {
            if (path.charAt(i) != '%') {
                continue;
            }
            String escape = path.substring(i, i + 3).toUpperCase(Locale.ROOT);
            String decoded = switch (escape) {
                case "%2F" -> "%2F ('/')";
                case "%5C" -> "%5C ('\\', which backends that decode it read as '/')";
                case "%3B" -> "%3B (';', which then starts parameters)";
                default -> null;
            };
            if (decoded != null && !escapes.contains(decoded)) {
                escapes.add(decoded);
            }
        }
        if (!escapes.isEmpty()) {
            notes.add("matches only requests that spell " + String.join(" and ", escapes)
                    + " escaped too, and the proxy reads those a second time decoded, as a backend that decodes"
                    + " them does: where the two readings route to different backend groups, such a request is"
                    + " refused (400)");
        }
        if (path.indexOf(';') >= 0 && escapes.isEmpty()) {
            String reads = RulePaths.ofRule(path);
            String as = reads.isEmpty() ? "/" : reads;
            notes.add("matches as " + quoted(as) + ", every path under it: a ';' starts parameters, which paths"
                    + " are compared without (" + quoted(as) + ";y matches too)");
        } else if (path.indexOf(';') >= 0) {
            notes.add("has ';' parameters too, which paths are compared without");
        }
        return notes;
    }

    /** A rule as a message names it: its index, host and path, long ones cut. */
    private static String rule(int i, ForwardingRuleSpec r) {
        return "rules[" + i + "] (" + (r.host == null ? "" : "host " + quoted(r.host) + ", ")
                + (r.path == null ? "any path" : "path " + quoted(r.path)) + ")";
    }

    private static String quoted(String s) {
        return s.length() <= QUOTED_LENGTH ? s : s.substring(0, QUOTED_LENGTH) + "...";
    }

    /** Sets {@code websocket} and, when off, why and what to do, from the listener's WebSocket setting (null: TCP). */
    static void describeWebsocket(ListenerStatus s, WebSocket ws) {
        if (ws == null) {
            s.websocket = NOT_APPLICABLE;
        } else if (ws.isEnabled()) {
            s.websocket = ENABLED;
        } else {
            s.websocket = DISABLED;
            s.websocketReason = ws.disabledReason();
            s.websocketMessage = ws.disabledMessage();
        }
    }
}
