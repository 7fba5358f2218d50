package dev.slb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * gzip for responses a backend sent uncompressed, streaming: each piece of body is compressed
 * and sent on as it comes (a sync flush per piece, so a slow stream such as server-sent events
 * is not held back), never a whole body buffered.
 *
 * <p>Compressed: a final response with a compressible type ({@link #compressible}) of at least
 * {@link #MIN_BYTES} by its Content-Length, or of unknown length (chunked or ended by the close:
 * such bodies are mostly large, and a small one costs a few bytes of gzip framing), to a request
 * whose Accept-Encoding allows gzip. Never: a response with a Content-Encoding (the backend
 * compressed it, or chose not to, {@code identity} included) or {@code Cache-Control:
 * no-transform}, answers to HEAD, 1xx, 204 and 304, the proxy's own small
 * answers, and HTTP/1.0 clients (they cannot take the chunked body a compressed stream needs).
 * A compressed response loses its Content-Length and gains {@code Content-Encoding: gzip}; every
 * response that could have been compressed carries {@code Vary: Accept-Encoding}, so caches keep
 * the two forms apart.
 *
 * <p>Netty's {@code HttpContentCompressor} does the same with one catch that rules it out here: it
 * pairs responses with requests by counting, and fails on a response without a request (the 408
 * of a request head that never finished) and on a 1xx other than 100 (103 Early Hints). This
 * handler pairs them the same way but lets those through, and uses Netty's gzip encoder.
 */
final class ResponseCompressor extends ChannelDuplexHandler {
    static final String NAME = "compression";
    /** Smaller bodies gain little and cost the gzip header and trailer. */
    static final int MIN_BYTES = 1024;
    /** zlib's default: most of the gain of level 9 for a fraction of its CPU. */
    static final int LEVEL = 6;

    private static final AsciiString GZIP = HttpHeaderValues.GZIP;

    /** For each request read and not yet answered, in order: whether its answer may be gzipped. */
    private final ArrayDeque<Boolean> accepts = new ArrayDeque<>(4);
    /** The compressor of the response being sent, or null. */
    private EmbeddedChannel gzip;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            accepts.add(!HttpMethod.HEAD.equals(request.method())
                    && !HttpVersion.HTTP_1_0.equals(request.protocolVersion())
                    && acceptsGzip(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING)));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // The final response follows; a 101 ends HTTP on this connection.
                ctx.write(msg, promise);
                return;
            }
            Boolean accepted = accepts.poll();
            if (gzip == null && !(msg instanceof FullHttpResponse) && eligible(response)) {
                response.headers().add(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
                if (Boolean.TRUE.equals(accepted)) {
                    response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
                    response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                    response.headers().set(HttpHeaderNames.CONTENT_ENCODING, GZIP);
                    String etag = response.headers().get(HttpHeaderNames.ETAG);
                    if (etag != null && !etag.startsWith("W/")) {
                        // Not the backend's bytes any more: a strong validator would be a lie (RFC 9110 8.8.1).
                        response.headers().set(HttpHeaderNames.ETAG, "W/" + etag);
                    }
                    gzip = new EmbeddedChannel(ZlibCodecFactory.newZlibEncoder(ZlibWrapper.GZIP, LEVEL));
                }
            }
            ctx.write(msg, promise);
            return;
        }
        if (gzip == null || !(msg instanceof HttpContent content)) {
            ctx.write(msg, promise);
            return;
        }
        ByteBuf in = content.content();
        if (in.isReadable()) {
            gzip.writeOutbound(in.retain());
        }
        boolean last = content instanceof LastHttpContent;
        HttpHeaders trailers = last ? ((LastHttpContent) content).trailingHeaders() : null;
        content.release();
        if (last) {
            gzip.finish();
        }
        ByteBuf out = drain(ctx);
        if (last) {
            gzip = null;
            LastHttpContent end = new DefaultLastHttpContent(out);
            end.trailingHeaders().set(trailers);
            ctx.write(end, promise);
        } else if (out.isReadable()) {
            ctx.write(new DefaultHttpContent(out), promise);
        } else {
            // Nothing out yet (the encoder holds a few bytes): an empty piece would be an empty
            // HTTP/2 DATA frame, which clients count against a sender.
            out.release();
            promise.trySuccess();
        }
    }

    private ByteBuf drain(ChannelHandlerContext ctx) {
        ByteBuf out = ctx.alloc().buffer();
        ByteBuf piece;
        while ((piece = gzip.readOutbound()) != null) {
            out.writeBytes(piece);
            piece.release();
        }
        return out;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    private void release() {
        if (gzip != null) {
            gzip.finishAndReleaseAll();
            gzip = null;
        }
    }

    private static boolean eligible(HttpResponse response) {
        HttpHeaders h = response.headers();
        // Every condition must hold; the length goes first because it alone settles the small
        // answers that make up most of a keep-alive stream, with one header lookup.
        String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) < MIN_BYTES) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        int status = response.status().code();
        if (status == HttpResponseStatus.NO_CONTENT.code()
                || status == HttpResponseStatus.NOT_MODIFIED.code()
                || status == HttpResponseStatus.PARTIAL_CONTENT.code()
                || h.contains(HttpHeaderNames.CONTENT_RANGE)) {
            // A range is of the identity body: compressed, a client putting ranges together gets garbage.
            return false;
        }
        if (h.contains(HttpHeaderNames.CONTENT_ENCODING) || !compressible(h.get(HttpHeaderNames.CONTENT_TYPE))) {
            return false;
        }
        // RFC 9111 5.2.2.6: an intermediary must not transform such content.
        return !h.containsValue(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_TRANSFORM, true);
    }

    /** {@code text/*}, JSON, JavaScript, XML and SVG: the types the product compresses. */
    static boolean compressible(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
                .trim()
                .toLowerCase(Locale.ROOT);
        return type.startsWith("text/")
                || type.equals("application/json")
                || type.equals("application/javascript")
                || type.equals("application/xml")
                || type.equals("image/svg+xml");
    }

    /** True when {@code acceptEncoding} lists gzip (or *) with a non-zero quality. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        boolean star = false;
        for (String part : acceptEncoding.split(",")) {
            String[] fields = part.split(";");
            String coding = fields[0].trim().toLowerCase(Locale.ROOT);
            boolean zero = false;
            for (int i = 1; i < fields.length; i++) {
                String p = fields[i].trim().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        zero = Double.parseDouble(p.substring(2)) <= 0;
                    } catch (NumberFormatException e) {
                        zero = true;
                    }
                }
            }
            if (coding.equals("gzip") || coding.equals("x-gzip")) {
                return !zero;
            }
            if (coding.equals("*")) {
                star = !zero;
            }
        }
        return star;
    }
}
