package dev.slb.proxy.limits;

import dev.slb.proxy.core.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on a listener's server socket, ahead of Netty's acceptor, and admits or refuses each
 * accepted connection against {@link ReplicaLimits}. A refused connection is reset at once: it is
 * never registered with an event loop, no TLS handshake runs and no byte is read, because that is
 * the work the limit protects. An HTTP 503 would need all of it; the reset is the same answer on
 * HTTP, HTTPS and TCP listeners, and it leaves no TIME_WAIT behind on the proxy.
 */
@ChannelHandler.Sharable
public final class AdmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdmissionHandler.class);
    private static final RateLimitedLog warnings = new RateLimitedLog(log);

    private final ReplicaLimits limits;
    private final ChannelFutureListener release;

    public AdmissionHandler(ReplicaLimits limits) {
        this.limits = limits;
        this.release = f -> limits.closed();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        ReplicaLimits.Refusal refusal = limits.admit(System.nanoTime());
        if (refusal == null) {
            child.closeFuture().addListener(release);
            ctx.fireChannelRead(child);
            return;
        }
        warnings.warn(
                refusal.limit(),
                () -> "connection refused: this replica's " + refusal.limit() + " limit (" + limitValue(refusal)
                        + ") is reached; raise the LoadBalancer's spec.tier for more");
        reset(child);
    }

    /**
     * Resets an accepted connection that is not registered yet: SO_LINGER 0, so the close sends an
     * RST and leaves no TIME_WAIT, and closed here, on the acceptor thread, as Netty's own acceptor does.
     */
    static void reset(Channel child) {
        try {
            child.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            log.debug("SO_LINGER could not be set on a refused connection: {}", e.toString());
        }
        child.unsafe().closeForcibly();
    }

    private Object limitValue(ReplicaLimits.Refusal refusal) {
        return switch (refusal) {
            case MAX_CONNECTIONS -> limits.limits().maxConnections();
            case NEW_CONNECTION_RATE -> limits.limits().newConnectionsPerSecond() + "/s";
        };
    }
}
