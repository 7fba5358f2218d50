package dev.slb.proxy.proxyprotocol;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * The PROXY protocol header that tells a backend who the client is, v1 (text) or v2 (binary):
 * written to a backend connection through Netty's {@code HAProxyMessageEncoder}, as
 * {@link ProxyProtocolReader} reads it from an outer load balancer.
 */
public final class ProxyProtocolHeaders {
    private ProxyProtocolHeaders() {}

    /**
     * The header for a TCP connection from {@code client} to {@code destination}; both of one
     * family (an IPv4 client seen on an IPv6 socket is written as IPv4 by the JDK already).
     */
    public static HAProxyMessage of(int version, InetSocketAddress client, InetSocketAddress destination) {
        boolean ipv4 = client.getAddress() instanceof Inet4Address;
        if (ipv4 != destination.getAddress() instanceof Inet4Address) {
            throw new IllegalArgumentException(
                    "a PROXY header names two addresses of one family, not " + client + " and " + destination);
        }
        return new HAProxyMessage(
                version == 1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY,
                ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                client.getAddress().getHostAddress(),
                destination.getAddress().getHostAddress(),
                client.getPort(),
                destination.getPort());
    }
}
