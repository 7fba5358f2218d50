package dev.slb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.1 codec of a client connection, in the place of Netty's {@code HttpServerCodec}:
 * Netty's request decoder with each request head's bytes checked first by {@link RequestSyntax}
 * (a head it refuses never reaches the decoder), the bytes after an upgrade request held back
 * until the switch, and Netty's response encoder told which responses answer HEAD.
 *
 * <p>Holding after an upgrade: a WebSocket client may send its first frames in the same write as
 * the upgrade request. Parsed as HTTP they would be lost and the relay would start inside a frame;
 * held in the decoder, they reach the relay in order when the codec leaves the pipeline after the
 * 101. Nothing more is read from the client meanwhile, so what is held is at most one read. When
 * the upgrade is not accepted, HTTP goes on: what was held is decoded as the next requests.
 */
final class ClientCodec extends CombinedChannelDuplexHandler<ClientCodec.Decoder, ClientCodec.Encoder>
        implements ClientDecoding {
    /** Requests decoded ahead of their answers; beyond this the rest of the input is refused, as HttpServerCodec does. */
    static final int MAX_PIPELINED = 128;
    /** The most bytes held after an upgrade request: more than one read means the connection is read when it should not be. */
    static final int MAX_HELD_BYTES = 256 * 1024;

    /** For each request decoded and not yet answered, in order: whether it is a HEAD. */
    private final ArrayDeque<Boolean> heads = new ArrayDeque<>(4);

    ClientCodec(HttpDecoderConfig config, int maxHeaders) {
        init(new Decoder(config, maxHeaders), new Encoder());
    }

    /** True when a request head has begun arriving and is not complete yet. */
    @Override
    public boolean headBegun() {
        return inboundHandler().headBegun();
    }

    /** True while what follows an upgrade request is held back. */
    @Override
    public boolean holding() {
        return inboundHandler().holding;
    }

    /**
     * The upgrade was not accepted: the connection goes on with HTTP. Returns true when bytes were
     * held; {@link #decodeHeld()} then decodes them, as no read may bring more.
     */
    @Override
    public boolean endHold() {
        Decoder d = inboundHandler();
        d.holding = false;
        return d.held() > 0;
    }

    /** Decodes what was held, as if it had just been read. */
    @Override
    public void decodeHeld() throws Exception {
        Decoder d = inboundHandler();
        if (d.ctx != null && !d.ctx.isRemoved()) {
            d.channelRead(d.ctx, Unpooled.EMPTY_BUFFER);
            d.channelReadComplete(d.ctx);
        }
    }

    /** A head refused before the decoder parsed it. */
    static final class RefusedHeadException extends DecoderException {
        private final transient Refusal refusal;

        RefusedHeadException(Refusal refusal, String problem) {
            super(problem);
            this.refusal = refusal;
        }

        /** A client's mistake, not the proxy's: where in the decoder it was found tells nobody anything. */
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }

        Refusal refusal() {
            return refusal;
        }
    }

    final class Decoder extends HttpRequestDecoder {
        private final RequestSyntax syntax;
        private final ByteProcessor scan;
        /** The bytes from the decoder's position on are (the rest of) a request head. */
        private boolean inHead = true;
        /** Bytes of the current head the syntax check has read ahead of the decoder. */
        private int scannedAhead;

        private boolean refused;
        private boolean upgradeRequested;
        private boolean holding;
        private ChannelHandlerContext ctx;

        Decoder(HttpDecoderConfig config, int maxHeaders) {
            super(config);
            this.syntax = new RequestSyntax(maxHeaders);
            this.scan = syntax::next;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
            this.ctx = ctx;
            super.handlerAdded(ctx);
        }

        boolean headBegun() {
            return inHead && syntax.begun();
        }

        int held() {
            return actualReadableBytes();
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (refused) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (holding) {
                if (in.readableBytes() > MAX_HELD_BYTES) {
                    throw new DecoderException("more than " + MAX_HELD_BYTES + " bytes sent after an upgrade request");
                }
                return;
            }
            if (inHead && !syntax.done()) {
                int from = in.readerIndex() + scannedAhead;
                int length = in.writerIndex() - from;
                if (length > 0) {
                    int stop = in.forEachByte(from, length, scan);
                    scannedAhead += (stop < 0 ? in.writerIndex() : stop + 1) - from;
                    if (syntax.refusal() != null) {
                        refuse(in, out, new RefusedHeadException(syntax.refusal(), syntax.problem()));
                        return;
                    }
                }
            }
            int before = in.readerIndex();
            int size = out.size();
            super.decode(ctx, in, out);
            if (inHead) {
                scannedAhead = Math.max(0, scannedAhead - (in.readerIndex() - before));
            }
            for (int i = size; i < out.size(); i++) {
                emitted((HttpObject) out.get(i));
            }
        }

        private void emitted(HttpObject o) {
            if (o instanceof HttpRequest request) {
                // Every request gets one answer, an invalid one too: the encoder pairs them in order.
                heads.add(HttpMethod.HEAD.equals(request.method()));
                if (heads.size() > MAX_PIPELINED && !request.decoderResult().isFailure()) {
                    // The handler answers the requests that came first, then refuses this one.
                    request.setDecoderResult(DecoderResult.failure(new RefusedHeadException(
                            Refusal.MALFORMED,
                            "more than " + MAX_PIPELINED + " requests sent ahead of their answers")));
                }
            }
            if (o.decoderResult().isFailure()) {
                refused = true;
                return;
            }
            if (o instanceof HttpRequest request) {
                inHead = false;
                scannedAhead = 0;
                syntax.reset();
                upgradeRequested = request.headers().contains(HttpHeaderNames.UPGRADE);
            }
            if (o instanceof LastHttpContent) {
                inHead = true;
                holding = upgradeRequested;
                upgradeRequested = false;
            }
        }

        private void refuse(ByteBuf in, List<Object> out, RefusedHeadException cause) {
            refused = true;
            in.skipBytes(in.readableBytes());
            HttpRequest invalid = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
            invalid.setDecoderResult(DecoderResult.failure(cause));
            heads.add(Boolean.FALSE);
            out.add(invalid);
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (refused || holding) {
                // Nothing more is read as HTTP: no "closed before the headers" for a head refused or held.
                in.skipBytes(in.readableBytes());
                return;
            }
            super.decodeLast(ctx, in, out);
        }

        @Override
        protected HttpMessage createMessage(String[] initialLine) throws Exception {
            HttpMessage message = super.createMessage(initialLine);
            HttpVersion v = message.protocolVersion();
            if (v.majorVersion() == 1 && v.minorVersion() > 1) {
                // RFC 9110 2.5: served as HTTP/1.1, so the decoder frames it as HTTP/1.1 too.
                message.setProtocolVersion(HttpVersion.HTTP_1_1);
            }
            return message;
        }
    }

    final class Encoder extends HttpResponseEncoder {
        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg);
            }
            // An answer the proxy gives without a request (a head that timed out) has no entry.
            Boolean head = heads.poll();
            return (head != null && head) || super.isContentAlwaysEmpty(msg);
        }
    }
}
