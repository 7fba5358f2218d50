package dev.slb.proxy.http;

import java.net.InetSocketAddress;

/**
 * Where one client connection comes from and where it arrived, as the forwarded headers and the
 * logs tell it: worked out once per connection, so a request only copies strings.
 *
 * @param clientIp   the client's address, in the form X-Forwarded-For carries
 * @param clientPort the client's source port
 * @param instanceIp the address the client connected to, for SLB-IP
 * @param proto      {@code http} or {@code https}
 */
record ClientOrigin(String clientIp, int clientPort, String instanceIp, String proto) {

    /** The origin of a connection as its socket sees it: remote end the client, local end the instance. */
    static ClientOrigin of(InetSocketAddress remote, InetSocketAddress local, boolean tls) {
        return new ClientOrigin(
                remote.getAddress().getHostAddress(),
                remote.getPort(),
                local.getAddress().getHostAddress(),
                tls ? "https" : "http");
    }
}
