package dev.slb.operator.api;

/** The protocol a listener speaks to clients. */
public enum ListenerProtocol {
    HTTP,
    HTTPS,
    TCP
}
