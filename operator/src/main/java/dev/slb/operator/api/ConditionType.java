package dev.slb.operator.api;

/** The condition types of {@code status.conditions} (and, for ResolvedRefs and Programmed, of each listener). */
public enum ConditionType {
    /** The spec is valid and served on the tier in effect. */
    Accepted,
    /** Every Service and TLS Secret the spec names was found and is usable. */
    ResolvedRefs,
    /** Every wanted proxy replica is ready and serves the current config. */
    Programmed,
    /** Traffic is being served: at least one proxy replica is ready. */
    Ready,
    /** At least one backend can take new connections. */
    BackendsAvailable,
    /** Every backend passes its health checks, as most ready proxy replicas report. */
    BackendsHealthy
}
