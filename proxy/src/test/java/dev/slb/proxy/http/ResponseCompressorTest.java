package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class ResponseCompressorTest {
    private static final String TEXT = "slb ".repeat(1000);

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new ResponseCompressor());
    }

    private static void request(EmbeddedChannel ch, HttpMethod method, HttpVersion version, String accept) {
        HttpRequest req = new DefaultHttpRequest(version, method, "/");
        if (accept != null) {
            req.headers().set(HttpHeaderNames.ACCEPT_ENCODING, accept);
        }
        ch.writeInbound(req);
        assertThat((Object) ch.readInbound()).isSameAs(req);
    }

    private static HttpResponse response(HttpResponseStatus status, String type, Integer length) {
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        if (length != null) {
            res.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        return res;
    }

    /** Writes a response with TEXT as its body in two pieces; returns the head out and the body bytes out. */
    private static String[] send(EmbeddedChannel ch, HttpResponse res) throws Exception {
        ch.writeOutbound(res);
        byte[] text = TEXT.getBytes(StandardCharsets.US_ASCII);
        int half = text.length / 2;
        ch.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer(text, 0, half)));
        ch.writeOutbound(
                LastHttpContent.EMPTY_LAST_CONTENT.replace(Unpooled.wrappedBuffer(text, half, text.length - half)));
        HttpResponse head = ch.readOutbound();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        HttpObject o;
        boolean last = false;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = ((HttpContent) o).content();
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            body.write(bytes);
            last |= o instanceof LastHttpContent;
            ReferenceCountUtil.release(o);
        }
        assertThat(last).isTrue();
        String encoding = head.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        byte[] plain = "gzip".equals(encoding)
                ? new GZIPInputStream(new ByteArrayInputStream(body.toByteArray())).readAllBytes()
                : body.toByteArray();
        return new String[] {encoding, new String(plain, StandardCharsets.US_ASCII)};
    }

    @Test
    void gzipsAndTheBodyComesBackWhole() throws Exception {
        EmbeddedChannel ch = channel();
        request(ch, HttpMethod.GET, HttpVersion.HTTP_1_1, "br, gzip;q=0.5");
        String[] out = send(ch, response(HttpResponseStatus.OK, "text/css; charset=utf-8", TEXT.length()));
        assertThat(out[0]).isEqualTo("gzip");
        assertThat(out[1]).isEqualTo(TEXT);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void neverForARangeAndAStrongETagTurnsWeakWhenTheBodyIsCompressed() throws Exception {
        EmbeddedChannel partial = channel();
        request(partial, HttpMethod.GET, HttpVersion.HTTP_1_1, "gzip");
        HttpResponse range = response(HttpResponseStatus.PARTIAL_CONTENT, "text/plain", TEXT.length());
        range.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes 0-" + (TEXT.length() - 1) + "/99999");
        String[] out = send(partial, range);
        assertThat(out[0]).as("a 206 stays as the backend sent it").isNull();
        assertThat(out[1]).isEqualTo(TEXT);
        assertFalse(partial.finishAndReleaseAll());

        EmbeddedChannel tagged = channel();
        request(tagged, HttpMethod.GET, HttpVersion.HTTP_1_1, "gzip");
        HttpResponse res = response(HttpResponseStatus.OK, "text/plain", TEXT.length());
        res.headers().set(HttpHeaderNames.ETAG, "\"v1\"");
        assertThat(send(tagged, res)[0]).isEqualTo("gzip");
        assertThat(res.headers().get(HttpHeaderNames.ETAG)).isEqualTo("W/\"v1\"");
        assertFalse(tagged.finishAndReleaseAll());
    }

    @Test
    void neverFor204Or304OrHeadOrNoTransformOrHttp10() throws Exception {
        for (HttpResponseStatus status :
                new HttpResponseStatus[] {HttpResponseStatus.NO_CONTENT, HttpResponseStatus.NOT_MODIFIED}) {
            EmbeddedChannel ch = channel();
            request(ch, HttpMethod.GET, HttpVersion.HTTP_1_1, "gzip");
            assertThat(send(ch, response(status, "text/plain", null))[0])
                    .as("%s", status)
                    .isNull();
            assertFalse(ch.finishAndReleaseAll());
        }
        EmbeddedChannel head = channel();
        request(head, HttpMethod.HEAD, HttpVersion.HTTP_1_1, "gzip");
        assertThat(send(head, response(HttpResponseStatus.OK, "text/plain", TEXT.length()))[0])
                .isNull();
        assertFalse(head.finishAndReleaseAll());
        EmbeddedChannel noTransform = channel();
        request(noTransform, HttpMethod.GET, HttpVersion.HTTP_1_1, "gzip");
        HttpResponse keep = response(HttpResponseStatus.OK, "text/plain", TEXT.length());
        keep.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, no-transform");
        assertThat(send(noTransform, keep)[0]).isNull();
        assertFalse(noTransform.finishAndReleaseAll());
        EmbeddedChannel old = channel();
        request(old, HttpMethod.GET, HttpVersion.HTTP_1_0, "gzip");
        assertThat(send(old, response(HttpResponseStatus.OK, "text/plain", TEXT.length()))[0])
                .isNull();
        assertFalse(old.finishAndReleaseAll());
    }

    @Test
    void informationalResponsesAndAnswersWithoutARequestPassAndKeepThePairing() throws Exception {
        EmbeddedChannel ch = channel();
        // A 408 for a head that never finished: no request was read for it.
        String[] timedOut = send(ch, response(HttpResponseStatus.REQUEST_TIMEOUT, "text/plain", TEXT.length()));
        assertThat(timedOut[0]).isNull();
        request(ch, HttpMethod.GET, HttpVersion.HTTP_1_1, "gzip");
        HttpResponse hints = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(103));
        ch.writeOutbound(hints);
        assertThat((Object) ch.readOutbound()).isSameAs(hints);
        // The 103 took nothing from the queue: the final answer is still paired with the GET.
        assertThat(send(ch, response(HttpResponseStatus.OK, "application/json", TEXT.length()))[0])
                .isEqualTo("gzip");
        assertFalse(ch.finishAndReleaseAll());
    }
}
