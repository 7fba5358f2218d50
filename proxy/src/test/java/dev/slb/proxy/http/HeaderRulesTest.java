package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.ForwardedHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HeaderRulesTest {

    private static HttpRequest get(HttpVersion version, String... headers) {
        HttpRequest r = new DefaultHttpRequest(version, HttpMethod.GET, "/chat");
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    private static ClientOrigin origin(String clientIp, String proto) {
        return new ClientOrigin(clientIp, 40001, "192.0.2.10", proto);
    }

    /** Each switch adds its header; off or on, a client's copy of a header this proxy owns never reaches the backend. */
    @Test
    void productHeadersFollowTheirSwitchesAndForgedCopiesAreRemoved() {
        String[] forged = {
            "X-Forwarded-Proto", "https",
            "X-Forwarded-Port", "1",
            "SLB-IP", "10.9.9.9",
            "SLB-ID", "kube-system/forged",
            "X-Forwarded-Client-Srcport", "2",
        };
        HttpRequest off = get(HttpVersion.HTTP_1_1, forged);
        HeaderRules.forwarded(
                off.headers(),
                origin("198.51.100.7", "http"),
                new ForwardedHeaders(false, false, false, false),
                80,
                "shop/web",
                "203.0.113.80");
        assertThat(off.headers().names())
                .doesNotContain("X-Forwarded-Proto", "SLB-IP", "SLB-ID", "X-Forwarded-Client-Srcport");
        assertThat(off.headers().getAll("X-Forwarded-Port")).containsExactly("80");
        assertThat(off.headers().get("X-Forwarded-For")).isEqualTo("198.51.100.7");

        HttpRequest on = get(HttpVersion.HTTP_1_1, forged);
        HeaderRules.forwarded(
                on.headers(),
                origin("198.51.100.7", "http"),
                new ForwardedHeaders(true, true, true, true),
                443,
                "shop/web",
                null);
        assertThat(on.headers().getAll("X-Forwarded-Proto")).containsExactly("http");
        assertThat(on.headers().getAll("X-Forwarded-Port")).containsExactly("443");
        assertThat(on.headers().getAll("SLB-IP"))
                .as("no instance address in the config: the address the client connected to")
                .containsExactly("192.0.2.10");
        assertThat(on.headers().getAll("SLB-ID")).containsExactly("shop/web");
        assertThat(on.headers().getAll("X-Forwarded-Client-Srcport")).containsExactly("40001");

        HttpRequest known = get(HttpVersion.HTTP_1_1, forged);
        HeaderRules.forwarded(
                known.headers(),
                origin("198.51.100.7", "http"),
                new ForwardedHeaders(true, true, true, true),
                443,
                "shop/web",
                "203.0.113.80");
        assertThat(known.headers().getAll("SLB-IP"))
                .as("the instance's own address, once the config has it")
                .containsExactly("203.0.113.80");
    }

    @Test
    void websocketTokenIsMatchedCaseInsensitivelyInLists() {
        assertThat(HeaderRules.isWebSocketUpgrade(
                        get(HttpVersion.HTTP_1_1, "Connection", "keep-alive, Upgrade", "Upgrade", "WebSocket")))
                .isTrue();
        assertThat(HeaderRules.isWebSocketUpgrade(
                        get(HttpVersion.HTTP_1_1, "Connection", "Upgrade, HTTP2-Settings", "Upgrade", "h2c")))
                .isFalse();
        assertThat(HeaderRules.isWebSocketUpgrade(get(HttpVersion.HTTP_1_1, "Upgrade", "websocket")))
                .as("no Connection: upgrade")
                .isFalse();
        assertThat(HeaderRules.isWebSocketUpgrade(
                        get(HttpVersion.HTTP_1_1, "Connection", "upgrade", "Upgrade", "websocketx")))
                .isFalse();
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        post.headers().add("Connection", "upgrade").add("Upgrade", "websocket");
        assertThat(HeaderRules.isWebSocketUpgrade(post)).isFalse();
    }

    @Test
    void requestLosesHopByHopHeadersAndGainsForwardedOnes() {
        HttpRequest r = get(
                HttpVersion.HTTP_1_0,
                "Host",
                "chat.example",
                "Connection",
                "keep-alive, X-Secret, Host",
                "X-Secret",
                "drop me",
                "Keep-Alive",
                "timeout=5",
                "Proxy-Connection",
                "keep-alive",
                "TE",
                "trailers",
                "X-Forwarded-For",
                "203.0.113.9",
                "X-Forwarded-Proto",
                "spoofed");
        HeaderRules.prepareRequest(r, false, new InetSocketAddress("10.0.0.1", 8080));
        HeaderRules.forwarded(r.headers(), origin("127.0.0.1", "https"), ForwardedHeaders.DEFAULT, 18443, null, null);
        assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(r.headers().names())
                .doesNotContain("Connection", "X-Secret", "Keep-Alive", "Proxy-Connection", "TE");
        assertThat(r.headers().get("Host"))
                .as("Host survives even when Connection names it")
                .isEqualTo("chat.example");
        assertThat(r.headers().get("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(r.headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(r.headers().get("X-Forwarded-Port")).isEqualTo("18443");
    }

    @Test
    void otherUpgradesAreStrippedAndWebSocketIsKept() {
        HttpRequest h2c = get(
                HttpVersion.HTTP_1_1,
                "Host",
                "a",
                "Connection",
                "Upgrade, HTTP2-Settings",
                "Upgrade",
                "h2c",
                "HTTP2-Settings",
                "AAMAAABkAAQAAP__");
        HeaderRules.prepareRequest(h2c, false, new InetSocketAddress("127.0.0.1", 1));
        assertThat(h2c.headers().names()).doesNotContain("Upgrade", "Connection", "HTTP2-Settings");

        HttpRequest ws = get(
                HttpVersion.HTTP_1_1,
                "Host",
                "a",
                "Connection",
                "keep-alive, Upgrade",
                "Upgrade",
                "websocket",
                "Sec-WebSocket-Key",
                "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version",
                "13");
        HeaderRules.prepareRequest(ws, true, new InetSocketAddress("127.0.0.1", 1));
        assertThat(ws.headers().get("Connection")).isEqualTo("upgrade");
        assertThat(ws.headers().get("Upgrade")).isEqualTo("websocket");
        assertThat(ws.headers().get("Sec-WebSocket-Key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
    }

    @Test
    void absoluteFormTargetsBecomeOriginFormWithTheirHost() {
        HttpRequest r =
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http://admin.internal:8080/secret?x=1");
        r.headers().add("Host", "public.example");
        HeaderRules.prepareRequest(r, false, new InetSocketAddress("127.0.0.1", 1));
        assertThat(r.uri()).isEqualTo("/secret?x=1");
        assertThat(r.headers().getAll("Host")).containsExactly("admin.internal:8080");
        HttpRequest bare = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http://a.example");
        HeaderRules.prepareRequest(bare, false, new InetSocketAddress("127.0.0.1", 1));
        assertThat(bare.uri()).isEqualTo("/");
    }

    @Test
    void connectIsRefusedAndHttp10LosesExpect() {
        assertThat(RequestHead.read(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, "a:443"))
                        .refusal())
                .isEqualTo(Refusal.METHOD_NOT_ALLOWED);
        HttpRequest r = get(HttpVersion.HTTP_1_0, "Expect", "100-continue");
        HeaderRules.prepareRequest(r, false, new InetSocketAddress("127.0.0.1", 1));
        assertThat(r.headers().contains("Expect")).isFalse();
    }

    @Test
    void missingHostIsFilledForHttp11Backends() {
        HttpRequest r = get(HttpVersion.HTTP_1_0);
        HeaderRules.prepareRequest(r, false, new InetSocketAddress("10.0.0.1", 8080));
        HeaderRules.forwarded(r.headers(), origin("127.0.0.2", "http"), ForwardedHeaders.DEFAULT, 80, null, null);
        assertThat(r.headers().get("Host")).isEqualTo("10.0.0.1:8080");
        assertThat(r.headers().get("X-Forwarded-For")).isEqualTo("127.0.0.2");
    }

    @Test
    void responseHopByHopHeadersGoExceptOnSwitchingProtocols() {
        HttpResponse ok = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        ok.headers()
                .add("Connection", "close, X-Internal")
                .add("X-Internal", "1")
                .add("Keep-Alive", "timeout=5")
                .add("Content-Length", "3");
        HeaderRules.prepareResponse(ok, false);
        assertThat(ok.headers().names()).containsExactly("Content-Length");

        HttpResponse switching = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
        switching.headers().add("Connection", "Upgrade").add("Upgrade", "websocket");
        HeaderRules.prepareResponse(switching, true);
        assertThat(switching.headers().get("Upgrade")).isEqualTo("websocket");
        assertThat(switching.headers().get("Connection")).isEqualTo("Upgrade");
    }
}
