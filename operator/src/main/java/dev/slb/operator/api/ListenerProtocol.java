package dev.slb.operator.api;

/** The protocol a listener speaks to clients. */
public enum ListenerProtocol {
    HTTP,
    HTTPS,
    TCP;

    /**
     * The transport under the protocol, which a port belongs to: TCP for all three, so no two of them
     * share a port; a port number is unique per transport, not across them.
     */
    public String transport() {
        return "TCP";
    }
}
