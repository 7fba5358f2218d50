package dev.slb.proxy.http;

import dev.slb.model.ForwardedHeaders;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.net.InetSocketAddress;

/**
 * The proxy's per-request header work (hop-by-hop headers, the forwarded headers, the gzip
 * handler's checks), opened to the JMH benchmarks in {@code dev.slb.bench.jmh}; it lives in the
 * bench module so the proxy keeps its API as narrow as it is.
 */
public final class RequestHeadersProbe {
    private static final ClientOrigin ORIGIN = new ClientOrigin("127.0.0.1", 51234, "127.0.0.1", "http");
    private static final InetSocketAddress BACKEND = new InetSocketAddress("127.0.0.1", 8080);

    private RequestHeadersProbe() {}

    /** What the exchange does to a client's request head before it goes to the backend, with the default switches. */
    public static boolean rewriteRequest(HttpRequest request, int clientFacingPort) {
        boolean websocket = HeaderRules.isWebSocketUpgrade(request);
        HeaderRules.prepareRequest(request, websocket, BACKEND);
        HeaderRules.forwarded(
                request.headers(), ORIGIN, ForwardedHeaders.DEFAULT, clientFacingPort, "default/bench", null);
        return websocket;
    }

    /** What the exchange does to a backend's response head before it goes to the client. */
    public static void rewriteResponse(HttpResponse response) {
        HeaderRules.prepareResponse(response, false);
    }

    /** The gzip handler a listener with compression on puts in every HTTP/1.1 pipeline. */
    public static ChannelHandler compressor() {
        return new ResponseCompressor();
    }
}
