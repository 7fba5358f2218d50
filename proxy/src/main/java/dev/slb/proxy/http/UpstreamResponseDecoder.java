package dev.slb.proxy.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * Decodes backend responses, knowing which request each answers (a HEAD answer has no body) and
 * how many bytes it holds beyond the last message: a connection with leftovers must not be pooled,
 * or they would open the next exchange, perhaps another client's.
 */
final class UpstreamResponseDecoder extends HttpResponseDecoder {
    private HttpMethod method = HttpMethod.GET;

    UpstreamResponseDecoder(HttpDecoderConfig config) {
        super(config);
    }

    /** The method of the request whose response comes next. */
    void expect(HttpMethod requestMethod) {
        this.method = requestMethod;
    }

    /** Bytes received but not yet part of any decoded message. */
    int leftoverBytes() {
        return actualReadableBytes();
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        // 1xx answers come before the final one; only the final answer to HEAD has no body.
        return super.isContentAlwaysEmpty(msg)
                || (method.equals(HttpMethod.HEAD)
                        && ((io.netty.handler.codec.http.HttpResponse) msg)
                                        .status()
                                        .code()
                                >= 200);
    }
}
