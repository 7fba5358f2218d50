package dev.slb.proxy.http;

import dev.slb.model.ForwardedHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * RFC 9110/9112 header handling for a reverse proxy: hop-by-hop headers dropped, the WebSocket
 * upgrade kept, the product's {@code X-Forwarded-*} and {@code SLB-*} headers set, and every request sent to backends as HTTP/1.1.
 */
final class HeaderRules {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString X_FORWARDED_CLIENT_SRCPORT = AsciiString.cached("x-forwarded-client-srcport");
    static final AsciiString SLB_IP = AsciiString.cached("slb-ip");
    static final AsciiString SLB_ID = AsciiString.cached("slb-id");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");

    /** Framing and routing headers that a client cannot have dropped by naming them in Connection. */
    private static final Set<AsciiString> PROTECTED =
            Set.of(HttpHeaderNames.HOST, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.TRANSFER_ENCODING);

    private HeaderRules() {}

    /**
     * True for a WebSocket opening handshake: GET with {@code websocket} among the Upgrade tokens
     * and {@code upgrade} among the Connection tokens (both case-insensitive, in lists).
     */
    static boolean isWebSocketUpgrade(HttpRequest request) {
        HttpHeaders h = request.headers();
        return request.method().equals(HttpMethod.GET)
                && hasToken(h, HttpHeaderNames.UPGRADE, "websocket")
                && hasToken(h, HttpHeaderNames.CONNECTION, "upgrade");
    }

    /** True when {@code token} is one of the comma-separated values of any {@code name} header. */
    static boolean hasToken(HttpHeaders headers, CharSequence name, String token) {
        if (!headers.contains(name)) {
            // getAll allocates its lists even for an absent header, and plain requests have no Upgrade.
            return false;
        }
        for (String value : headers.getAll(name)) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                if (value.substring(start, end).trim().equalsIgnoreCase(token)) {
                    return true;
                }
                if (comma < 0) {
                    break;
                }
                start = comma + 1;
            }
        }
        return false;
    }

    /**
     * Rewrites a client request for the backend: HTTP/1.1, hop-by-hop headers gone (other upgrades
     * such as h2c are stripped, so the request goes on as a plain one). The product's headers are
     * {@link #forwarded}'s.
     */
    static void prepareRequest(HttpRequest request, boolean websocket, InetSocketAddress fallbackHost) {
        HttpHeaders h = request.headers();
        toOriginForm(request);
        removeHopByHop(h);
        if (request.protocolVersion().minorVersion() == 0) {
            // HTTP/1.0 has no 100 Continue (RFC 9110 10.1.1): the backend must not wait for it.
            h.remove(HttpHeaderNames.EXPECT);
        }
        if (websocket) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        }
        if (!h.contains(HttpHeaderNames.HOST)) {
            // HTTP/1.0 clients may leave Host out; HTTP/1.1 requires it.
            String host = fallbackHost.getHostString();
            h.set(
                    HttpHeaderNames.HOST,
                    (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + fallbackHost.getPort());
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /**
     * The product's headers: X-Forwarded-For (the client appended to what it sent, as every proxy in
     * a chain does) and X-Forwarded-Port always; X-Forwarded-Proto, SLB-IP, SLB-ID and
     * X-Forwarded-Client-Srcport as switched. A client's own copies of the headers this proxy owns
     * are removed first, even when a switch is off, so a backend never trusts a forged one.
     *
     * @param port     the port the client connected to (the Service port, not the pod port)
     * @param instance the LoadBalancer as namespace/name, or null when the config does not name it
     * @param instanceAddress the instance's own address for SLB-IP, or null while the config does not
     *                 know it (then SLB-IP names the address the client connected to, as this replica saw it)
     */
    static void forwarded(
            HttpHeaders h,
            ClientOrigin origin,
            ForwardedHeaders switches,
            int port,
            String instance,
            String instanceAddress) {
        h.remove(X_FORWARDED_PROTO);
        h.remove(X_FORWARDED_PORT);
        h.remove(X_FORWARDED_CLIENT_SRCPORT);
        h.remove(SLB_IP);
        h.remove(SLB_ID);
        // Several X-Forwarded-For lines form one list (RFC 9110 5.3); keep them all, in order.
        String clientIp = origin.clientIp();
        h.set(
                X_FORWARDED_FOR,
                h.contains(X_FORWARDED_FOR)
                        ? String.join(", ", h.getAll(X_FORWARDED_FOR)) + ", " + clientIp
                        : clientIp);
        if (switches.xForwardedProto()) {
            h.set(X_FORWARDED_PROTO, origin.proto());
        }
        h.set(X_FORWARDED_PORT, Integer.toString(port));
        if (switches.slbIp()) {
            h.set(SLB_IP, instanceAddress != null ? instanceAddress : origin.instanceIp());
        }
        if (switches.slbId() && instance != null) {
            h.set(SLB_ID, instance);
        }
        if (switches.xForwardedClientSrcport()) {
            h.set(X_FORWARDED_CLIENT_SRCPORT, Integer.toString(origin.clientPort()));
        }
    }

    /**
     * An absolute-form target ({@code GET http://a.example/x}) names its own host, which wins over
     * Host at the backend (RFC 9112 3.2.2): rewrite it to origin form with Host from the target,
     * so proxy and backend cannot disagree on where the request goes.
     */
    private static void toOriginForm(HttpRequest request) {
        String uri = request.uri();
        int scheme = uri.indexOf("://");
        if (scheme <= 0 || uri.charAt(0) == '/') {
            return;
        }
        int pathStart = uri.indexOf('/', scheme + 3);
        int queryStart = uri.indexOf('?', scheme + 3);
        int end = pathStart < 0
                ? (queryStart < 0 ? uri.length() : queryStart)
                : (queryStart < 0 ? pathStart : Math.min(pathStart, queryStart));
        String authority = uri.substring(scheme + 3, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        String rest = uri.substring(end);
        request.setUri(rest.isEmpty() ? "/" : rest.charAt(0) == '?' ? "/" + rest : rest);
        if (!authority.isEmpty()) {
            request.headers().set(HttpHeaderNames.HOST, authority);
        }
    }

    /** Rewrites a backend response for the client; a 101 keeps its upgrade headers. */
    static void prepareResponse(HttpResponse response, boolean switching) {
        HttpHeaders h = response.headers();
        if (switching) {
            return;
        }
        removeHopByHop(h);
    }

    private static void removeHopByHop(HttpHeaders h) {
        List<String> named = null;
        // Most keep-alive requests and responses have no Connection header: no getAll allocation for them.
        for (String value :
                h.contains(HttpHeaderNames.CONNECTION) ? h.getAll(HttpHeaderNames.CONNECTION) : List.<String>of()) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    if (named == null) {
                        named = new ArrayList<>(2);
                    }
                    named.add(name);
                }
            }
        }
        if (named != null) {
            for (String name : named) {
                if (!PROTECTED.contains(AsciiString.of(name).toLowerCase())) {
                    h.remove(name);
                }
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.UPGRADE);
    }
}
