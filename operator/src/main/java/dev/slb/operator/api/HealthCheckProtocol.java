package dev.slb.operator.api;

/** What a health check probe does: an HTTP request judged by its status, or a TCP connect. */
public enum HealthCheckProtocol {
    HTTP,
    TCP
}
