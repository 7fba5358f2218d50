package dev.slb.proxy.limits;

import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on one listener's server socket, ahead of {@link AdmissionHandler}, and resets each
 * accepted connection its access control refuses, before it is registered, read or handshaken,
 * and before it counts against the replica's connection limits. A listener that takes a PROXY
 * protocol header learns the client's address only from that header, so its connections are
 * judged just after the header is read; here, it resets a peer outside its trusted load balancers
 * (proxyProtocolTrustedCidrs) before a byte of its header is read.
 */
public final class AccessControlHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AccessControlHandler.class);
    /** A denied network can knock as fast as it likes: one line per listener every 10 s. */
    private static final RateLimitedLog rateLimited = new RateLimitedLog(log);

    private final Supplier<ListenerRuntime> listener;
    private final AccessDenials denials;

    public AccessControlHandler(Supplier<ListenerRuntime> listener, AccessDenials denials) {
        this.listener = listener;
        this.denials = denials;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        ListenerRuntime runtime = listener.get();
        if (!(child.remoteAddress() instanceof InetSocketAddress remote)) {
            ctx.fireChannelRead(child);
            return;
        }
        if (runtime.config().proxyProtocol()) {
            // The client's address is in the header, judged once it is read; here only whether
            // this peer may send one at all: anyone else could name any address it likes.
            if (runtime.proxyProtocolPeers().allows(remote.getAddress())) {
                ctx.fireChannelRead(child);
                return;
            }
            untrusted(runtime, remote);
        } else if (runtime.accessRules().allows(remote.getAddress())) {
            ctx.fireChannelRead(child);
            return;
        } else {
            denied(runtime, remote, denials);
        }
        // Not registered yet: reset here, on the acceptor's thread, as a refused admission is.
        AdmissionHandler.reset(child);
    }

    private static void untrusted(ListenerRuntime runtime, InetSocketAddress peer) {
        // WARN: a list that misses the real load balancers' addresses refuses all their traffic.
        rateLimited.warn(
                "untrusted " + runtime.name(),
                () -> "listener " + runtime.name() + ": reset a connection from "
                        + peer.getAddress().getHostAddress()
                        + ", which is not in its proxyProtocolTrustedCidrs: only the load balancers in front may send"
                        + " a PROXY protocol header, as anyone else could name any client address");
    }

    /** Counts and logs (rate-limited) a client the listener's access control refused. */
    public static void denied(ListenerRuntime runtime, InetSocketAddress client, AccessDenials denials) {
        denials.denied(runtime.name());
        rateLimited.info(
                "denied " + runtime.name(),
                () -> "listener " + runtime.name() + ": reset a connection from "
                        + client.getAddress().getHostAddress()
                        + ", which its accessControl does not allow (counted in slb_connections_denied_total)");
    }
}
