package dev.slb.operator.api;

/**
 * What a health check probe does: an HTTP request judged by its status, a TCP connect, or a UDP
 * datagram that must not be answered by an ICMP error.
 */
public enum HealthCheckProtocol {
    HTTP,
    TCP,
    UDP
}
