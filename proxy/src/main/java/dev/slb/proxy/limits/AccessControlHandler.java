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
 * protocol header learns the client's address only from that header, so its connections pass
 * here and are judged just after the header is read.
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
        if (runtime.config().proxyProtocol()
                || !(child.remoteAddress() instanceof InetSocketAddress remote)
                || runtime.accessRules().allows(remote.getAddress())) {
            ctx.fireChannelRead(child);
            return;
        }
        denied(runtime, remote, denials);
        // Not registered yet: reset here, on the acceptor's thread, as a refused admission is.
        AdmissionHandler.reset(child);
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
