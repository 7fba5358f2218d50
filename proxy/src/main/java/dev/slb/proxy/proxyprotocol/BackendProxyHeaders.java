package dev.slb.proxy.proxyprotocol;

import dev.slb.model.ProxyProtocolVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The PROXY protocol headers a TCP or UDP listener with {@code backendProxyProtocol} sends its backends,
 * written through Netty's {@code HAProxyMessageEncoder}: on each client connection, one naming the
 * client and the address it connected to; on each health check, one that names no client (v2's
 * LOCAL command, v1's UNKNOWN), which the protocol's receivers answer as a connection of their own,
 * as HAProxy's {@code check-send-proxy} does.
 */
public final class BackendProxyHeaders {
    private static final byte[] V1_UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);

    private BackendProxyHeaders() {}

    /**
     * The header for a connection from {@code client} to {@code destination}, as the listener saw them
     * or as a PROXY header it read named them. A header names two addresses of one family: when they
     * differ, the IPv4 one is written as an IPv4-mapped IPv6 address, so the client's address still
     * reaches the backend.
     */
    public static HAProxyMessage forConnection(
            ProxyProtocolVersion version, InetSocketAddress client, InetSocketAddress destination) {
        return message(netty(version), false, client, destination);
    }

    /**
     * The v2 header that starts every datagram of a UDP flow from {@code client} to {@code destination}
     * (UDP4 or UDP6, v2's DGRAM); addresses of two families are written as {@link #forConnection} writes them.
     */
    public static HAProxyMessage forDatagrams(InetSocketAddress client, InetSocketAddress destination) {
        return message(HAProxyProtocolVersion.V2, true, client, destination);
    }

    private static HAProxyMessage message(
            HAProxyProtocolVersion version, boolean datagram, InetSocketAddress client, InetSocketAddress destination) {
        boolean clientV4 = client.getAddress() instanceof Inet4Address;
        boolean destinationV4 = destination.getAddress() instanceof Inet4Address;
        boolean v4 = clientV4 && destinationV4;
        HAProxyProxiedProtocol protocol = datagram
                ? (v4 ? HAProxyProxiedProtocol.UDP4 : HAProxyProxiedProtocol.UDP6)
                : (v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6);
        return new HAProxyMessage(
                version,
                HAProxyCommand.PROXY,
                protocol,
                text(client, v4),
                text(destination, v4),
                client.getPort(),
                destination.getPort());
    }

    /**
     * {@code header} as the bytes {@code HAProxyMessageEncoder} writes, for a UDP flow to put ahead of each of its
     * datagrams (a datagram carries header and payload together, so the encoder cannot sit in the pipeline as it
     * does on a TCP connection, where the header is a write of its own). Encoded once per flow; the header is
     * released.
     */
    public static ByteBuf encode(HAProxyMessage header) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            encoder.writeOutbound(header);
            return encoder.readOutbound();
        } finally {
            encoder.finishAndReleaseAll();
        }
    }

    /**
     * The header for a health check, which speaks for no client: v2's LOCAL command as a message for
     * {@code HAProxyMessageEncoder}, or v1's {@code PROXY UNKNOWN} line as bytes the encoder passes
     * through (it cannot write that form: it would write the absent addresses as "null").
     */
    public static Object forHealthCheck(ProxyProtocolVersion version) {
        if (version == ProxyProtocolVersion.V1) {
            return Unpooled.wrappedBuffer(V1_UNKNOWN);
        }
        return new HAProxyMessage(
                HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }

    private static String text(InetSocketAddress address, boolean v4) {
        String host = address.getAddress().getHostAddress();
        return v4 || !(address.getAddress() instanceof Inet4Address) ? host : "::ffff:" + host;
    }

    private static HAProxyProtocolVersion netty(ProxyProtocolVersion version) {
        return version == ProxyProtocolVersion.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
    }
}
