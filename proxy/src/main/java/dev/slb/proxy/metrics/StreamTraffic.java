package dev.slb.proxy.metrics;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.Map;

/**
 * First in an HTTP/2 stream's pipeline: counts the stream's own bytes each way, for its access-log line, since the
 * streams of a connection share its bytes on the wire. A stream's bytes are its DATA frames' payload (padding
 * included, as flow control counts it) and its header fields uncompressed (names and values, pseudo-headers
 * included): what HPACK compressed cannot be told per stream, and frame headers and the connection's own frames belong
 * to no stream.
 */
public final class StreamTraffic extends ChannelDuplexHandler {
    public static final String NAME = "slb-stream-traffic";

    // Written and read on the connection's event loop only.
    private long received;
    private long sent;

    /** The counter of an HTTP/2 stream's channel, or null (an HTTP/1.x connection, whose bytes are the connection's). */
    public static StreamTraffic of(Channel channel) {
        return channel instanceof Http2StreamChannel
                ? (StreamTraffic) channel.pipeline().get(NAME)
                : null;
    }

    /** The stream's bytes from the client so far: its request. */
    public long received() {
        return received;
    }

    /** The stream's bytes to the client so far: its response. */
    public long sent() {
        return sent;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        received += bytes(msg);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        sent += bytes(msg);
        ctx.write(msg, promise);
    }

    private static long bytes(Object msg) {
        if (msg instanceof Http2DataFrame data) {
            return data.content().readableBytes() + (long) data.padding();
        }
        if (msg instanceof Http2HeadersFrame headers) {
            return size(headers.headers());
        }
        return 0;
    }

    private static long size(Http2Headers headers) {
        long n = 0;
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            n += field.getKey().length() + field.getValue().length();
        }
        return n;
    }
}
