package dev.slb.operator.api;

/** The type of the Service that exposes the instance's listeners. */
public enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer
}
