package dev.slb.operator.api;

/**
 * Every reason the operator writes: in a condition ({@link ConditionType}), in a listener's
 * {@code websocketReason}, or on an event. CamelCase, as Kubernetes API conventions ask; each says
 * where it appears and what it means, and the README lists them all.
 */
public enum Reason {
    // ---- True conditions: the reason is the condition's type.
    /** Accepted=True: the spec is valid and served. */
    Accepted,
    /** ResolvedRefs=True (instance and listener): every Service and Secret named was found. */
    ResolvedRefs,
    /** Programmed=True (instance and listener): every wanted replica is ready and serves the current config. */
    Programmed,
    /** Ready=True: at least one replica is ready and serving. */
    Ready,
    /** BackendsAvailable=True: at least one backend takes new connections. */
    BackendsAvailable,
    /** BackendsHealthy=True: every backend passes its health checks. */
    BackendsHealthy,
    /**
     * ProxyProtocolPeersRestricted=True, a condition of proxyProtocol listeners only: only the peers
     * in proxyProtocolTrustedCidrs may send the header.
     */
    ProxyProtocolPeersRestricted,
    /**
     * RulesDistinct=True, a condition of listeners with forwarding rules only: no two rules read as
     * the same host and path, and every rule's path reads as a request's can.
     */
    RulesDistinct,

    // ---- Accepted=False
    /** The spec breaks a rule; the message lists every problem with its field. The last accepted config serves. */
    InvalidSpec,
    /** spec.tier went from a guaranteed tier back to shared; the old tier keeps serving. */
    TierDowngradeNotSupported,
    /** A TLS Secret lacks tls.crt or tls.key (also on the listener); the listeners using it are not served. */
    InvalidSecret,

    // ---- ResolvedRefs=False
    /** A backend Service (or the port named) does not exist; its backends are left out. */
    ServiceNotFound,
    /** A TLS Secret does not exist (also on the listener); the listeners using it are not served. */
    SecretNotFound,

    // ---- Programmed=False
    /** Some ready replicas do not report the current config version yet; the message says which. */
    Pending,
    /** Fewer replicas are ready than the tier runs (starting, after a tier raise or a roll). */
    ReplicasStarting,
    /** No replica is ready (Programmed and Ready). */
    NoReadyReplicas,
    /** Writing the proxy resources failed (a quota, an admission webhook...); the operator retries. */
    ReconcileError,
    /** Every listener waits for a missing or unusable Secret; nothing is deployed yet. */
    NoListenerServable,
    /** The current generation is not accepted (Programmed and Ready); see Accepted. */
    NotAccepted,

    // ---- Ready=False
    /** Nothing can be served yet (Ready); see Programmed. */
    NotProgrammed,

    // ---- BackendsAvailable=False (clients get 503 NoBackend)
    /** No backend at all: no static backend and no ready endpoint behind the Services. */
    NoBackend,
    /** Every backend has weight 0, which takes no new connections. */
    AllBackendsWeightZero,

    // ---- BackendsHealthy=False or Unknown
    /** Some backends fail their health checks or are ejected; the message names them and why. They get no new work. */
    UnhealthyBackends,
    /** A listener has no healthy backend, so it spreads over all of them (fails open); the message says why. */
    NoHealthyBackend,
    /** BackendsHealthy=Unknown: no proxy replica has reported its backends' health yet. */
    HealthNotReported,
    // ---- ProxyProtocolPeersRestricted=False (listener)
    /** A proxyProtocol listener believes any peer's PROXY header, so anyone who reaches it can claim any address. */
    TrustsEveryPeer,
    // ---- RulesDistinct=False (listener)
    /** Rules that read as the same host and path: only the first written of them gets requests. */
    RulesCollide,
    /**
     * A rule's path does not read as a request's can (a '%' without two hex digits, a '..' above the
     * root, %00): requests spelled that way are refused, so the rule does not match what it seems to name.
     */
    RulePathUnreadable,
    /**
     * A rule's path matches otherwise than it is written: ';' parameters ({@code /v1;x} matches as
     * {@code /v1}), or an escaped '/', '\' or ';' ({@code %2F}, {@code %5C}, {@code %3B}) that the
     * proxy reads two ways, refusing requests whose readings route differently.
     */
    RulePathAmbiguous,

    // ---- listeners[].websocketReason
    /** WebSocket is off: the shared tier has none; raise spec.tier. Also an event. */
    RequiresGuaranteedPerformance,
    /** WebSocket is off because the listener itself is not served (its Secret is missing or unusable). */
    ListenerNotServed,

    // ---- events only
    /** The tier in effect changed (replicas and each replica's limits follow, by reload). */
    TierChanged,
    /** The proxy pods are being replaced one at a time (the pod template changed: a new image or pod shape). */
    PodsRolling,
    /**
     * A config version is served by every replica: what applying it did to the connections (kept,
     * closed, draining), as the replicas report it; once per version, also in status.lastConfigChange.
     */
    ConfigApplied
}
