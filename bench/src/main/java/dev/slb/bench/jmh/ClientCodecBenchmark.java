package dev.slb.bench.jmh;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.proxy.http.ClientCodecProbe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The front door's per-request work, in nanoseconds per request: a browser-like request head
 * (about 600 bytes, 12 header lines) decoded and its response head encoded, by the proxy's client
 * codec (the byte-level syntax check, then Netty's decoder) plus the head checks the handler
 * makes (Host, target form), against Netty's {@code HttpServerCodec} with the same decoder
 * settings, which the proxy used before issue 16. Both run in an {@code EmbeddedChannel}, whose
 * own cost is in both figures.
 *
 * <p>{@code java -cp bench/target/slb-bench.jar org.openjdk.jmh.Main ClientCodec}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ClientCodecBenchmark {
    private static final String HEAD = "GET /api/v1/rooms/42/messages?since=1733600000&limit=50 HTTP/1.1\r\n"
            + "Host: chat.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: application/json, text/plain, */*\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Referer: https://chat.example.com/rooms/42\r\n"
            + "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark\r\n"
            + "Sec-Fetch-Dest: empty\r\n"
            + "Sec-Fetch-Mode: cors\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "\r\n";

    /** {@code proxy}: the client codec and head checks of issue 16; {@code netty}: HttpServerCodec, as before. */
    @Param({"proxy", "netty"})
    String codec;

    private EmbeddedChannel channel;
    private ByteBuf head;

    @Setup(Level.Trial)
    public void setUp() {
        Listener listener = Listener.of("web", Protocol.HTTP, 8080, List.of());
        channel = new EmbeddedChannel(
                codec.equals("proxy")
                        ? ClientCodecProbe.codec(listener)
                        : new HttpServerCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(listener.maxRequestLineBytes())
                                .setMaxHeaderSize(listener.maxHeaderBytes())
                                .setMaxChunkSize(1024 * 1024)
                                .setUseRfc9112TransferEncoding(true)));
        byte[] bytes = HEAD.getBytes(StandardCharsets.ISO_8859_1);
        head = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        head.release();
        channel.finishAndReleaseAll();
    }

    /** The byte-level syntax check alone, the part of {@code request} that is new in {@code proxy}. */
    @Benchmark
    public boolean syntaxOnly() {
        return ClientCodecProbe.scan(head, 100);
    }

    @Benchmark
    public void request(Blackhole bh) {
        channel.writeInbound(head.retainedDuplicate());
        for (Object o; (o = channel.readInbound()) != null; ) {
            if (o instanceof HttpRequest request) {
                bh.consume(codec.equals("proxy") ? ClientCodecProbe.servable(request) : request.uri());
            }
            ReferenceCountUtil.release(o);
        }
        DefaultFullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        channel.writeOutbound(response);
        for (Object o; (o = channel.readOutbound()) != null; ) {
            bh.consume(o);
            ReferenceCountUtil.release(o);
        }
    }
}
