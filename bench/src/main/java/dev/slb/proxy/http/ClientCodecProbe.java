package dev.slb.proxy.http;

import dev.slb.model.Listener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The proxy's package-private client codec and request-head checks, opened to the JMH benchmarks
 * in {@code dev.slb.bench.jmh}. It lives in the proxy's package, but in the bench module, so the
 * proxy keeps its API as narrow as it is.
 */
public final class ClientCodecProbe {
    private ClientCodecProbe() {}

    /** The codec a listener's client connections get: the syntax check, then Netty's decoder. */
    public static ChannelHandler codec(Listener listener) {
        return RequestHead.codec(listener);
    }

    /** The byte-level syntax check alone over one whole head; true when it ends the head unrefused. */
    public static boolean scan(ByteBuf head, int maxHeaders) {
        RequestSyntax syntax = new RequestSyntax(maxHeaders);
        head.forEachByte(syntax::next);
        return syntax.done();
    }

    /** The checks the handler makes on a decoded head; true when it would be forwarded. */
    public static boolean servable(HttpRequest request) {
        return RequestHead.read(request).refusal() == null;
    }
}
