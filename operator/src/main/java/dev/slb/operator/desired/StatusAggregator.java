package dev.slb.operator.desired;

import dev.slb.model.Backend;
import dev.slb.model.BackendHealthReport;
import dev.slb.model.Listener;
import dev.slb.model.ReloadReport;
import dev.slb.model.WebSocket;
import dev.slb.operator.api.BackendCounts;
import dev.slb.operator.api.ConditionType;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerStatus;
import dev.slb.operator.api.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The status of one LoadBalancer and the events to record, from what the operator decided and
 * what it observed: a pure function, so every condition can be tested without a cluster. The
 * previous status is read only for what API conventions keep across writes (transition times)
 * and to tell transitions, which become events; nothing the operator serves depends on it.
 */
public final class StatusAggregator {
    /** At most this many replicas are named in a message; the rest are counted. */
    static final int NAMED_REPLICAS = 5;

    /**
     * Progress, not news: a change on its way to the replicas. Going into these makes no event (a
     * busy instance would make two per change); arriving (Programmed) does.
     */
    private static final Set<Reason> PROGRESS =
            Set.of(Reason.Pending, Reason.ReplicasStarting, Reason.HealthNotReported);

    /** Reasons that need a person's attention, recorded as Warning events (the others as Normal). */
    private static final Set<Reason> WARNINGS = Set.of(
            Reason.InvalidSpec,
            Reason.TierDowngradeNotSupported,
            Reason.InvalidSecret,
            Reason.ServiceNotFound,
            Reason.SecretNotFound,
            Reason.ReconcileError,
            Reason.NoListenerServable,
            Reason.NoBackend,
            Reason.AllBackendsWeightZero,
            Reason.UnhealthyBackends,
            Reason.NoHealthyBackend,
            Reason.TrustsEveryPeer,
            Reason.RulesCollide,
            Reason.RulePathUnreadable,
            Reason.RulePathAmbiguous);

    private StatusAggregator() {}

    /**
     * A ready proxy replica, the config version it reported (null while unknown or not answering),
     * its backends' health (null while unknown) and what it reported of its reloads for that version
     * (null while unknown; {@link ReloadReport#UNAVAILABLE} when it does not report them).
     */
    public record Replica(String pod, String version, BackendHealthReport health, ReloadReport reloads) {
        public Replica {
            Objects.requireNonNull(pod, "pod");
        }

        public Replica(String pod, String version, BackendHealthReport health) {
            this(pod, version, health, null);
        }

        public Replica(String pod, String version) {
            this(pod, version, null, null);
        }

        boolean serves(String expected) {
            return version != null && version.equals(expected);
        }
    }

    /**
     * What the operator saw, besides the objects the decision was made from.
     *
     * @param replicas       the ready proxy replicas (not stopping), sorted by name
     * @param applyError     why writing the proxy resources failed, if it did
     * @param servedVersion  the config version the ConfigMap held before this reconcile (empty: none)
     * @param templateBefore the Deployment's pod-template checksum before this reconcile (empty: none)
     * @param templateNow    the checksum rendered now (null when nothing is deployed)
     * @param addresses      where clients reach the instance
     */
    public record Observation(
            List<Replica> replicas,
            Optional<String> applyError,
            Optional<String> servedVersion,
            Optional<String> templateBefore,
            String templateNow,
            List<String> addresses) {}

    /** An event to record on the LoadBalancer. */
    public record Note(boolean warning, Reason reason, String message) {}

    /** The status to write and the events to record. */
    public record Outcome(LoadBalancerStatus status, List<Note> events) {}

    public static Outcome aggregate(Decision d, Observation o, Instant now) {
        LoadBalancer lb = d.lb();
        Long generation = lb.getMetadata().getGeneration();
        LoadBalancerStatus previous = lb.getStatus() == null ? new LoadBalancerStatus() : lb.getStatus();
        Conditions at = new Conditions(now);
        List<Condition> conds = previous.conditions == null ? List.of() : previous.conditions;
        List<Note> events = new ArrayList<>();

        LoadBalancerStatus status = new LoadBalancerStatus();
        status.observedGeneration = generation;
        status.tier = d.tier();
        status.addresses = List.copyOf(o.addresses());
        status.replicas = Sizing.of(d.tier()).replicas();
        status.readyReplicas = o.replicas().size();
        status.replicaSummary = status.readyReplicas + "/" + status.replicas;
        status.configVersion =
                d.servable() ? d.config().version() : o.servedVersion().orElse(null);

        boolean servedBefore = o.servedVersion().isPresent();
        Programmed programmed = programmed(d, o, status);
        if (!d.valid()) {
            String fix = d.problems().stream().map(Problem::toString).collect(Collectors.joining("; "));
            conds = at.set(
                    conds,
                    ConditionType.Accepted,
                    Reason.InvalidSpec,
                    servedBefore
                            ? "The spec cannot be served; the last accepted config (version "
                                    + o.servedVersion().get() + ") keeps serving. Fix: " + fix
                            : "The spec cannot be served, and nothing is served until it is fixed: " + fix,
                    generation);
            // Listeners, references and backends describe the last accepted spec; they stay as they were.
            status.listeners = previous.listeners == null ? List.of() : previous.listeners;
        } else {
            conds = accepted(d, at, conds, generation);
            conds = d.missing().isEmpty()
                    ? at.set(
                            conds,
                            ConditionType.ResolvedRefs,
                            Reason.ResolvedRefs,
                            "Every referenced Service and Secret was found.",
                            generation)
                    : at.set(
                            conds,
                            ConditionType.ResolvedRefs,
                            d.missingSecret() ? Reason.SecretNotFound : Reason.ServiceNotFound,
                            String.join("; ", d.missing()) + ".",
                            generation);
            conds = backends(d, at, conds, generation);
            Map<String, BackendHealthStatus.ListenerHealth> health = d.servable()
                    ? BackendHealthStatus.of(
                            d.config(),
                            o.replicas().stream()
                                    .map(Replica::health)
                                    .filter(Objects::nonNull)
                                    .toList())
                    : Map.of();
            conds = health(d, health, at, conds, generation);
            status.backendSummary = backendSummary(d, health);
            status.listeners = listeners(d, programmed, previous.listeners, now);
            for (ListenerStatus ls : status.listeners) {
                BackendHealthStatus.ListenerHealth h = health.get(ls.name);
                if (h != null) {
                    ls.backends = new BackendCounts(h.healthy(), h.total());
                }
            }
        }
        conds = at.set(conds, ConditionType.Programmed, programmed.reason(), programmed.message(), generation);
        status.lastConfigChange = previous.lastConfigChange;
        Optional<ConfigChangeReports.Report> report = programmed.programmed()
                ? ConfigChangeReports.due(d.config().version(), o.replicas(), previous.lastConfigChange, now)
                : Optional.empty();
        report.ifPresent(r -> status.lastConfigChange = r.change());
        conds = ready(d, o, programmed, servedBefore, at, conds, generation);
        status.conditions = order(conds);

        for (ConditionType type : ConditionType.values()) {
            transition(Conditions.find(previous.conditions, type), Conditions.find(status.conditions, type))
                    .ifPresent(events::add);
        }
        if (previous.tier != null && previous.tier != d.tier()) {
            events.add(new Note(
                    false,
                    Reason.TierChanged,
                    "The tier in effect is now " + d.tier() + " (was " + previous.tier + "): "
                            + Sizing.of(d.tier()).replicas() + " proxy replicas (were "
                            + Sizing.of(previous.tier).replicas()
                            + "), each replica's limits changed by reload; running pods are not restarted."));
        }
        if (o.templateBefore().isPresent()
                && o.templateNow() != null
                && !o.templateBefore().get().equals(o.templateNow())) {
            events.add(new Note(
                    false,
                    Reason.PodsRolling,
                    "The proxy pod template changed (a new image or pod shape), so the pods are replaced one at a"
                            + " time: each new pod must be ready before an old one drains and stops."));
        }
        for (ListenerStatus ls : status.listeners) {
            // Per listener, as the instance's conditions above: a listener that starts trusting every
            // peer, or with rules that collide, is a Warning even when new (or just upgraded).
            for (String type :
                    List.of(ListenerStatuses.PROXY_PROTOCOL_PEERS_RESTRICTED, ListenerStatuses.RULES_DISTINCT)) {
                transition(
                                Conditions.find(previousConditions(previous.listeners, ls.name), type),
                                Conditions.find(ls.conditions, type))
                        .map(n -> new Note(n.warning(), n.reason(), "listener " + ls.name + ": " + n.message()))
                        .ifPresent(events::add);
            }
        }
        if (websocketOffForTier(status.listeners) && !websocketOffForTier(previous.listeners)) {
            events.add(
                    new Note(false, Reason.RequiresGuaranteedPerformance, ProxyConfigs.websocketDisabledMessage(lb)));
        }
        report.ifPresent(r -> events.add(r.note()));
        return new Outcome(status, List.copyOf(events));
    }

    private record Programmed(Reason reason, String message) {
        boolean programmed() {
            return reason == Reason.Programmed;
        }
    }

    /**
     * Programmed: every replica the tier runs is ready and reports the current config version. A
     * ready replica that did not answer counts as behind; fewer ready replicas than the tier runs
     * (a tier raise, a roll, a crash) is not programmed either.
     */
    private static Programmed programmed(Decision d, Observation o, LoadBalancerStatus status) {
        List<Replica> ready = o.replicas();
        int wanted = status.replicas;
        if (!d.valid()) {
            return new Programmed(
                    Reason.NotAccepted,
                    o.servedVersion()
                            .map(v -> "Generation " + d.lb().getMetadata().getGeneration()
                                    + " is not accepted (see Accepted); the last accepted config " + v
                                    + " is served by " + serving(ready, v) + " of " + wanted + " proxy replicas.")
                            .orElse("The spec is not accepted (see Accepted); nothing is deployed."));
        }
        if (!d.servable()) {
            return new Programmed(
                    Reason.NoListenerServable,
                    "Every listener waits for a missing or unusable Secret (" + String.join(", ", d.waitingSecrets())
                            + "); nothing is deployed until one can be served.");
        }
        String version = d.config().version();
        if (o.applyError().isPresent()) {
            return new Programmed(
                    Reason.ReconcileError,
                    "Applying the proxy resources failed: " + o.applyError().get() + " The operator retries.");
        }
        if (ready.isEmpty()) {
            return new Programmed(
                    Reason.NoReadyReplicas,
                    "No proxy replica is ready yet to serve config " + version + " (0 of " + wanted + ").");
        }
        List<String> behind = ready.stream()
                .filter(r -> !r.serves(version))
                .map(r -> r.version() == null ? r.pod() + " has not reported yet" : r.pod() + " serves " + r.version())
                .toList();
        int current = ready.size() - behind.size();
        if (ready.size() < wanted) {
            return new Programmed(
                    Reason.ReplicasStarting,
                    ready.size() + " of " + wanted + " proxy replicas are ready (the others are starting); " + current
                            + " serve config " + version + (behind.isEmpty() ? "." : "; " + named(behind) + "."));
        }
        if (!behind.isEmpty()) {
            return new Programmed(
                    Reason.Pending,
                    current + " of " + ready.size() + " ready proxy replicas serve config " + version + "; "
                            + named(behind) + ".");
        }
        return new Programmed(
                Reason.Programmed,
                (ready.size() == 1 ? "The proxy replica is" : "All " + ready.size() + " proxy replicas are")
                        + " ready and serve" + (ready.size() == 1 ? "s" : "") + " config " + version + ".");
    }

    private static long serving(List<Replica> ready, String version) {
        return ready.stream().filter(r -> r.serves(version)).count();
    }

    static String named(List<String> behind) {
        int shown = Math.min(behind.size(), NAMED_REPLICAS);
        return String.join(", ", behind.subList(0, shown))
                + (behind.size() > shown ? " and " + (behind.size() - shown) + " more" : "");
    }

    private static List<Condition> accepted(Decision d, Conditions at, List<Condition> conds, Long generation) {
        if (d.tierProblem().isPresent()) {
            String message = d.tierProblem().get().toString();
            if (!d.unusable().isEmpty()) {
                message += " Also: " + String.join("; ", d.unusable()) + ".";
            }
            return at.set(conds, ConditionType.Accepted, Reason.TierDowngradeNotSupported, message, generation);
        }
        if (!d.unusable().isEmpty()) {
            return at.set(
                    conds,
                    ConditionType.Accepted,
                    Reason.InvalidSecret,
                    "The HTTPS listeners using it are not served until it is fixed: " + String.join("; ", d.unusable())
                            + ".",
                    generation);
        }
        return at.set(
                conds,
                ConditionType.Accepted,
                Reason.Accepted,
                "The spec is valid and served on tier " + d.tier() + ".",
                generation);
    }

    /** Whether any backend takes new connections: a backend with weight above 0 (every listener has the same). */
    private static List<Condition> backends(Decision d, Conditions at, List<Condition> conds, Long generation) {
        List<Backend> backends = d.servable()
                ? d.config().listeners().stream()
                        .findFirst()
                        .map(Listener::allBackends)
                        .orElse(List.of())
                : List.of();
        long taking = backends.stream().filter(b -> b.weightValue() > 0).count();
        if (taking > 0) {
            return at.set(
                    conds,
                    ConditionType.BackendsAvailable,
                    Reason.BackendsAvailable,
                    taking + " of " + backends.size() + " backends take new connections.",
                    generation);
        }
        if (backends.isEmpty()) {
            return at.set(
                    conds,
                    ConditionType.BackendsAvailable,
                    Reason.NoBackend,
                    "No backend: spec.backends names no static address and its Services have no ready endpoint"
                            + " (see ResolvedRefs). Clients get 503 with X-SLB-Error: NoBackend until one is.",
                    generation);
        }
        return at.set(
                conds,
                ConditionType.BackendsAvailable,
                Reason.AllBackendsWeightZero,
                "Every backend (" + backends.size() + ") has weight 0, which takes no new connections: clients get 503"
                        + " with X-SLB-Error: NoBackend. Give one a weight above 0.",
                generation);
    }

    /** BackendsHealthy: every backend healthy, some not (named, with why), a listener failing open, or not reported yet. */
    private static List<Condition> health(
            Decision d,
            Map<String, BackendHealthStatus.ListenerHealth> health,
            Conditions at,
            List<Condition> conds,
            Long generation) {
        if (health.isEmpty()) {
            return at.set(
                    conds,
                    ConditionType.BackendsHealthy.name(),
                    Conditions.UNKNOWN,
                    Reason.HealthNotReported.name(),
                    "No ready proxy replica has reported its backends' health yet.",
                    generation);
        }
        List<String> failingOpen = new ArrayList<>();
        List<String> unhealthy = new ArrayList<>();
        int total = 0;
        for (Map.Entry<String, BackendHealthStatus.ListenerHealth> e : health.entrySet()) {
            BackendHealthStatus.ListenerHealth h = e.getValue();
            total += h.total();
            if (h.unhealthy().isEmpty()) {
                continue;
            }
            String line = "listener " + e.getKey() + ": " + h.healthy() + " of " + h.total() + " healthy; unhealthy: "
                    + BackendHealthStatus.name(h.unhealthy());
            (h.failingOpen() ? failingOpen : unhealthy).add(line);
        }
        if (!failingOpen.isEmpty()) {
            return at.set(
                    conds,
                    ConditionType.BackendsHealthy,
                    Reason.NoHealthyBackend,
                    "No healthy backend, so requests and connections are spread over all of them (failing open): "
                            + String.join("; ", failingOpen)
                            + (unhealthy.isEmpty() ? "" : "; " + String.join("; ", unhealthy))
                            + ". Fix the backends, or point spec.listeners[].healthCheck.path at the path that"
                            + " says they are well (or set healthCheck.enabled: false).",
                    generation);
        }
        if (!unhealthy.isEmpty()) {
            return at.set(
                    conds,
                    ConditionType.BackendsHealthy,
                    Reason.UnhealthyBackends,
                    "Some backends fail their health checks and get no new connections or requests: "
                            + String.join("; ", unhealthy) + ".",
                    generation);
        }
        return at.set(
                conds,
                ConditionType.BackendsHealthy,
                Reason.BackendsHealthy,
                total == 0 ? "No backend to check." : "Every backend passes its health checks.",
                generation);
    }

    /** healthy/total of the listener with the fewest healthy backends; the ones taking work before any report. */
    private static String backendSummary(Decision d, Map<String, BackendHealthStatus.ListenerHealth> health) {
        if (!health.isEmpty()) {
            BackendHealthStatus.ListenerHealth worst = health.values().stream()
                    .min(java.util.Comparator.comparingInt(BackendHealthStatus.ListenerHealth::healthy))
                    .orElseThrow();
            return worst.healthy() + "/" + worst.total();
        }
        if (!d.servable() || d.config().listeners().isEmpty()) {
            return null;
        }
        List<Backend> backends = d.config().listeners().get(0).allBackends();
        long taking = backends.stream()
                .filter(b -> !b.draining() && b.weightValue() > 0)
                .count();
        return taking + "/" + backends.stream().filter(b -> !b.draining()).count();
    }

    private static List<Condition> ready(
            Decision d,
            Observation o,
            Programmed programmed,
            boolean servedBefore,
            Conditions at,
            List<Condition> conds,
            Long generation) {
        int ready = o.replicas().size();
        int wanted = Sizing.of(d.tier()).replicas();
        if (ready > 0) {
            // Ready summarises "traffic is being served": it does not follow config propagation
            // (that is Programmed), or it would flap with every backend change.
            List<String> notes = new ArrayList<>();
            notes.add(ready + " of " + wanted + " proxy replicas are ready and serving");
            if (!programmed.programmed()) {
                notes.add("not programmed: " + programmed.reason() + " (see Programmed)");
            }
            if (d.tierProblem().isPresent()) {
                notes.add("a spec change was refused, tier " + d.tier() + " keeps serving (see Accepted)");
            }
            return at.set(conds, ConditionType.Ready, Reason.Ready, String.join("; ", notes) + ".", generation);
        }
        if (!d.valid() && !servedBefore) {
            return at.set(
                    conds,
                    ConditionType.Ready,
                    Reason.NotAccepted,
                    "The spec is not accepted (see Accepted); nothing is served yet.",
                    generation);
        }
        if (d.valid() && !d.servable()) {
            return at.set(
                    conds,
                    ConditionType.Ready,
                    Reason.NotProgrammed,
                    "No listener can be served yet (see Programmed and ResolvedRefs).",
                    generation);
        }
        return at.set(
                conds,
                ConditionType.Ready,
                Reason.NoReadyReplicas,
                "No proxy replica is ready yet (0 of " + wanted + "; see Programmed).",
                generation);
    }

    /** Each listener: served or not, and WebSocket as it is really offered. */
    private static List<ListenerStatus> listeners(
            Decision d, Programmed programmed, List<ListenerStatus> previous, Instant now) {
        Conditions at = new Conditions(now);
        Long generation = d.lb().getMetadata().getGeneration();
        List<ListenerStatus> statuses = new ArrayList<>();
        for (ListenerSpec l : d.spec().getSpec().listeners) {
            ListenerStatus s = new ListenerStatus();
            s.name = l.name;
            s.port = l.port;
            List<Condition> conds = previousConditions(previous, l.name);
            Decision.Waiting waiting = d.waiting().get(l.name);
            WebSocket ws = ProxyConfigs.websocket(d.spec(), d.tier(), l);
            if (waiting != null) {
                conds = at.set(conds, ConditionType.ResolvedRefs, waiting.reason(), waiting.message(), generation);
                conds = at.set(
                        conds,
                        ConditionType.Programmed,
                        waiting.reason(),
                        "Not served: " + waiting.message(),
                        generation);
                if (ws != null) {
                    s.websocket = ListenerStatuses.DISABLED;
                    s.websocketReason = Reason.ListenerNotServed.name();
                    s.websocketMessage = "The listener is not served (see its conditions): " + waiting.message();
                }
            } else if (d.waitingDomains().containsKey(l.name)) {
                // Served, with some SNI domains on the listener's own certificate until their Secret is usable.
                List<Decision.Waiting> domains = d.waitingDomains().get(l.name);
                conds = at.set(
                        conds,
                        ConditionType.ResolvedRefs,
                        domains.get(0).reason(),
                        "Served, but "
                                + domains.stream()
                                        .map(Decision.Waiting::message)
                                        .collect(Collectors.joining("; "))
                                + ".",
                        generation);
            } else {
                conds = at.set(
                        conds,
                        ConditionType.ResolvedRefs,
                        Reason.ResolvedRefs,
                        l.tls == null
                                ? "The listener names no Secret."
                                : "Secret " + l.tls.secretName + " holds tls.crt and tls.key.",
                        generation);
            }
            if (waiting == null) {
                conds = at.set(
                        conds,
                        ConditionType.Programmed,
                        programmed.reason(),
                        programmed.programmed()
                                ? "Served by every proxy replica."
                                : "Not yet served as the spec has it: " + programmed.message(),
                        generation);
                ListenerStatuses.describeWebsocket(s, ws);
            }
            if (l.tls != null) {
                ListenerStatuses.describeTls(s, d.tier(), l);
            }
            conds = ListenerStatuses.proxyProtocolPeers(at, conds, l, generation);
            s.conditions = ListenerStatuses.rulesDistinct(at, conds, l, generation);
            statuses.add(s);
        }
        return statuses;
    }

    private static List<Condition> previousConditions(List<ListenerStatus> previous, String name) {
        if (previous == null) {
            return List.of();
        }
        return previous.stream()
                .filter(p -> name.equals(p.name) && p.conditions != null)
                .findFirst()
                .map(p -> p.conditions)
                .orElse(List.of());
    }

    /** The conditions in the order of {@link ConditionType}, the unknown ones after. */
    private static List<Condition> order(List<Condition> conds) {
        List<Condition> ordered = new ArrayList<>();
        for (ConditionType type : ConditionType.values()) {
            Conditions.find(conds, type).ifPresent(ordered::add);
        }
        for (Condition c : conds) {
            if (!ordered.contains(c)) {
                ordered.add(c);
            }
        }
        return ordered;
    }

    /**
     * The event for a condition that changed status or reason. A condition seen for the first time
     * makes one only when it needs attention: a new instance announces its problems, not its start.
     */
    private static Optional<Note> transition(Optional<Condition> before, Optional<Condition> after) {
        if (after.isEmpty()) {
            return Optional.empty();
        }
        Condition now = after.get();
        Reason reason = reason(now.getReason());
        if (reason == null) {
            return Optional.empty();
        }
        boolean warning = WARNINGS.contains(reason);
        if (before.isEmpty()) {
            return warning ? Optional.of(new Note(true, reason, now.getMessage())) : Optional.empty();
        }
        Condition was = before.get();
        if (Objects.equals(was.getStatus(), now.getStatus()) && Objects.equals(was.getReason(), now.getReason())) {
            return Optional.empty();
        }
        if (PROGRESS.contains(reason)) {
            return Optional.empty();
        }
        return Optional.of(new Note(warning, reason, now.getType() + ": " + now.getMessage()));
    }

    private static Reason reason(String name) {
        for (Reason r : Reason.values()) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    private static boolean websocketOffForTier(List<ListenerStatus> listeners) {
        return listeners != null
                && listeners.stream()
                        .anyMatch(l -> ListenerStatuses.DISABLED.equals(l.websocket)
                                && Reason.RequiresGuaranteedPerformance.name().equals(l.websocketReason));
    }
}
