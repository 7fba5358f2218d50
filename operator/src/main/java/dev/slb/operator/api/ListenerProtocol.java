package dev.slb.operator.api;

/** The protocol a listener speaks to clients. */
public enum ListenerProtocol {
    HTTP,
    HTTPS,
    TCP,
    UDP;

    /**
     * The transport under the protocol, which a port belongs to: TCP for HTTP, HTTPS and TCP, so no two
     * of them share a port; UDP for UDP. A port number is unique per transport, not across them.
     */
    public String transport() {
        return this == UDP ? "UDP" : "TCP";
    }

    /** True for the protocols that carry HTTP requests: HTTP and HTTPS. */
    public boolean isHttp() {
        return this == HTTP || this == HTTPS;
    }
}
