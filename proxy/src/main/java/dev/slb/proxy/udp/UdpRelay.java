package dev.slb.proxy.udp;

import dev.slb.proxy.core.Connections;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.core.RateLimitedLog;
import dev.slb.proxy.core.Transport;
import dev.slb.proxy.limits.AccessDenials;
import dev.slb.proxy.limits.ReplicaLimits;
import dev.slb.proxy.metrics.CloseInitiator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one UDP listener's socket: the datagrams of each client (address and port) form a flow, pinned to the backend
 * the listener's selector chose at the flow's first datagram (its source address's with persistence), relayed through
 * a connected socket of the flow's own on the same event loop; the backend's answers go back to the client from the
 * listener's socket. A flow counts against the replica's {@code maxConnections} and ends after the listener's idle
 * timeout with no datagram either way, or when its backend leaves the config and the connection drain is over.
 *
 * <p>Everything here runs on the listener socket's event loop: the flow table is a plain map.
 */
public final class UdpRelay extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UdpRelay.class);
    private static final RateLimitedLog warnings = new RateLimitedLog(log);

    private final Supplier<ListenerRuntime> runtime;
    private final Transport transport;
    private final Connections connections;
    private final ReplicaLimits limits;
    private final AccessDenials denials;
    private final Map<InetSocketAddress, UdpFlow> flows = new HashMap<>();
    /** Flows written to in this read batch, flushed once at its end. */
    private final List<UdpFlow> unflushed = new ArrayList<>();

    private Channel socket;
    private volatile boolean refusingFlows;

    public UdpRelay(
            Supplier<ListenerRuntime> runtime,
            Transport transport,
            Connections connections,
            ReplicaLimits limits,
            AccessDenials denials) {
        this.runtime = runtime;
        this.transport = transport;
        this.connections = connections;
        this.limits = limits;
        this.denials = denials;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        socket = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InetSocketAddress client = packet.sender();
        UdpFlow flow = flows.get(client);
        if (flow == null) {
            flow = open(client);
            if (flow == null) {
                packet.release();
                return;
            }
        }
        // The flow owns the payload from here: it sends it on or releases it.
        flow.fromClient(packet.content());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (int i = 0; i < unflushed.size(); i++) {
            unflushed.get(i).flush();
        }
        unflushed.clear();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A listener socket outlives any one datagram's trouble (an ICMP error for a client gone, say).
        log.debug("listener {}: {}", runtime.get().name(), cause.toString());
    }

    /** A new flow from {@code client}, or null when it is refused (its datagram is then dropped). */
    private UdpFlow open(InetSocketAddress client) {
        ListenerRuntime current = runtime.get();
        if (refusingFlows) {
            current.metrics().udpFlowRefused("draining");
            return null;
        }
        if (!current.accessRules().allows(client.getAddress())) {
            denials.denied(current.name());
            current.metrics().udpFlowRefused("accessControl");
            return null;
        }
        ReplicaLimits.Refusal refusal = limits.admit(System.nanoTime());
        if (refusal != null) {
            current.metrics().udpFlowRefused(refusal.limit());
            warnings.warn(
                    refusal.limit() + " udp",
                    () -> "listener " + current.name() + ": a new UDP flow from " + client + " was refused: this"
                            + " replica's " + refusal.limit() + " limit is reached (UDP flows count as connections);"
                            + " raise the LoadBalancer's spec.tier for more");
            return null;
        }
        int backend = current.persistent()
                ? current.persistentSelector(client.getAddress()).next(null)
                : current.selector(socket.eventLoop()).next(null);
        if (backend < 0) {
            limits.closed();
            current.metrics().udpFlowRefused("noBackend");
            warnings.warn(
                    "no backend " + current.name(),
                    () -> current.takesNewConnections()
                            ? "listener " + current.name() + ": no backend can take a new UDP flow"
                            : current.noBackendReason() + "; dropping new UDP flows");
            return null;
        }
        if (current.persistent()) {
            current.persisted(client.getAddress(), backend);
        }
        UdpFlow flow = new UdpFlow(this, current, backend, client);
        flows.put(client, flow);
        flow.connect();
        return flow;
    }

    /** Stops opening flows (the replica drains); those open carry on until they end or are closed. */
    public void refuseNewFlows() {
        refusingFlows = true;
    }

    /** Ends every flow and closes the listener's socket. */
    public void close() {
        if (socket == null) {
            return;
        }
        socket.eventLoop().execute(() -> {
            for (UdpFlow flow : List.copyOf(flows.values())) {
                flow.end(CloseInitiator.DRAIN);
            }
            socket.close();
        });
    }

    Channel socket() {
        return socket;
    }

    Transport transport() {
        return transport;
    }

    Connections connections() {
        return connections;
    }

    ReplicaLimits limits() {
        return limits;
    }

    void written(UdpFlow flow) {
        unflushed.add(flow);
    }

    void ended(UdpFlow flow) {
        flows.remove(flow.client(), flow);
        limits.closed();
    }
}
