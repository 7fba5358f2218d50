package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.junit.jupiter.api.Test;

/** What the proxy refuses in a request head, and what it reads from one. */
class RequestHeadTest {

    private static HttpRequest request(HttpMethod method, HttpVersion version, String... headers) {
        HttpRequest r = new DefaultHttpRequest(version, method, "/");
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    private static Refusal refusal(HttpRequest r) {
        return RequestHead.read(r).refusal();
    }

    @Test
    void connectIsRefusedWhateverElseTheHeadSays() {
        assertThat(refusal(request(HttpMethod.CONNECT, HttpVersion.HTTP_1_1, "Host", "a:443")))
                .isEqualTo(Refusal.METHOD_NOT_ALLOWED);
    }

    @Test
    void onlyHttp1IsSpokenAndItsHigherMinorVersionsAreServed() {
        assertThat(refusal(request(HttpMethod.GET, HttpVersion.valueOf("HTTP/2.0"), "Host", "a")))
                .isEqualTo(Refusal.UNSUPPORTED_VERSION);
        assertThat(refusal(request(HttpMethod.GET, HttpVersion.valueOf("HTTP/1.2"), "Host", "a")))
                .isNull();
    }

    @Test
    void http11NeedsExactlyOneHostAndHttp10MayHaveNone() {
        assertThat(refusal(request(HttpMethod.GET, HttpVersion.HTTP_1_1))).isEqualTo(Refusal.NOT_ONE_HOST);
        assertThat(refusal(request(HttpMethod.GET, HttpVersion.HTTP_1_1, "Host", "a", "Host", "b")))
                .isEqualTo(Refusal.NOT_ONE_HOST);
        assertThat(refusal(request(HttpMethod.GET, HttpVersion.HTTP_1_0, "Host", "a", "Host", "b")))
                .isEqualTo(Refusal.NOT_ONE_HOST);
        assertThat(refusal(request(HttpMethod.GET, HttpVersion.HTTP_1_0))).isNull();
        assertThat(refusal(request(HttpMethod.GET, HttpVersion.HTTP_1_1, "Host", "a")))
                .isNull();
    }

    @Test
    void whatTheExchangeNeedsIsReadFromTheHead() {
        RequestHead plain = RequestHead.read(request(HttpMethod.GET, HttpVersion.HTTP_1_1, "Host", "a"));
        assertThat(plain.http10()).isFalse();
        assertThat(plain.keepAlive()).isTrue();
        assertThat(plain.hasBody()).isFalse();
        assertThat(plain.websocket()).isFalse();

        RequestHead http10 = RequestHead.read(request(HttpMethod.GET, HttpVersion.HTTP_1_0));
        assertThat(http10.http10()).isTrue();
        assertThat(http10.keepAlive())
                .as("HTTP/1.0 keeps a connection only when asked")
                .isFalse();
        assertThat(RequestHead.read(request(HttpMethod.GET, HttpVersion.HTTP_1_0, "Connection", "keep-alive"))
                        .keepAlive())
                .isTrue();
        assertThat(RequestHead.read(request(HttpMethod.GET, HttpVersion.HTTP_1_1, "Host", "a", "Connection", "close"))
                        .keepAlive())
                .isFalse();

        assertThat(RequestHead.read(request(
                                HttpMethod.POST, HttpVersion.HTTP_1_1, "Host", "a", "Transfer-Encoding", "chunked"))
                        .hasBody())
                .isTrue();
        assertThat(RequestHead.read(request(HttpMethod.POST, HttpVersion.HTTP_1_1, "Host", "a", "Content-Length", "3"))
                        .hasBody())
                .isTrue();
        assertThat(RequestHead.read(request(HttpMethod.POST, HttpVersion.HTTP_1_1, "Host", "a", "Content-Length", "0"))
                        .hasBody())
                .isFalse();

        assertThat(RequestHead.read(request(
                                HttpMethod.GET,
                                HttpVersion.HTTP_1_1,
                                "Host",
                                "a",
                                "Connection",
                                "Upgrade",
                                "Upgrade",
                                "websocket"))
                        .websocket())
                .isTrue();
    }

    @Test
    void whatTheDecoderRefusesIsToldApart() {
        assertThat(RequestHead.refusal(new TooLongHttpLineException("long"))).isEqualTo(Refusal.REQUEST_LINE_TOO_LONG);
        assertThat(RequestHead.refusal(new TooLongHttpHeaderException("large"))).isEqualTo(Refusal.HEADERS_TOO_LARGE);
        assertThat(RequestHead.refusal(new DecoderException("bad"))).isEqualTo(Refusal.MALFORMED);
    }

    @Test
    void eachRefusalHasItsStatusAReasonForScriptsAndWordsForPeople() {
        assertThat(Refusal.METHOD_NOT_ALLOWED.status()).isEqualTo(405);
        assertThat(Refusal.UNSUPPORTED_VERSION.status()).isEqualTo(505);
        assertThat(Refusal.NOT_ONE_HOST.status()).isEqualTo(400);
        assertThat(Refusal.REQUEST_LINE_TOO_LONG.status()).isEqualTo(414);
        assertThat(Refusal.HEADERS_TOO_LARGE.status()).isEqualTo(431);
        assertThat(Refusal.MALFORMED.status()).isEqualTo(400);
        assertThat(Refusal.UNSUPPORTED_VERSION.reason()).isEqualTo("UnsupportedVersion");
        assertThat(Refusal.HEADERS_TOO_LARGE.reason()).isEqualTo("MalformedRequest");
        assertThat(Refusal.MALFORMED.text("invalid version format: HTTQ/1.1"))
                .isEqualTo("the request is not valid HTTP/1.1 (invalid version format: HTTQ/1.1)");
        assertThat(Refusal.REQUEST_LINE_TOO_LONG.text("An HTTP line is larger than 64 bytes."))
                .as("the limit is the listener's; the decoder's words add nothing")
                .isEqualTo("the request line is longer than this listener accepts");
    }
}
