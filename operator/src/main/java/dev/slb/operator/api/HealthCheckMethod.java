package dev.slb.operator.api;

/** The HTTP method of a health check probe. */
public enum HealthCheckMethod {
    HEAD,
    GET
}
