package dev.slb.operator.api;

/** Whether the proxy Service keeps clients' addresses (Local) or spreads traffic over every node (Cluster). */
public enum ExternalTrafficPolicy {
    Cluster,
    Local
}
