package dev.slb.bench.jmh;

import dev.slb.proxy.http.RequestHeadersProbe;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
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

/**
 * The proxy's per-request header work on a keep-alive request, in nanoseconds per request: the
 * request head rewritten for the backend (WebSocket check, hop-by-hop headers, X-Forwarded-*),
 * the response head's hop-by-hop headers, and the gzip handler's request and response checks,
 * on a decoded head as the client codec hands it over. {@code wrk}: the bench's request (Host
 * only) and the echo backend's 2-byte text answer; {@code browser}: a browser's request that
 * accepts gzip, with a Connection header, and a small JSON answer. The heads are built in the
 * benchmark, so their construction is in both figures.
 *
 * <p>{@code java -cp bench/target/slb-bench.jar org.openjdk.jmh.Main RequestHeaders}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RequestHeadersBenchmark {
    @Param({"wrk", "browser"})
    String client;

    private EmbeddedChannel compressor;

    @Setup(Level.Trial)
    public void setUp() {
        compressor = new EmbeddedChannel(RequestHeadersProbe.compressor());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        compressor.finishAndReleaseAll();
    }

    @Benchmark
    public Object exchange() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        request.headers().add(HttpHeaderNames.HOST, "127.0.0.1:20080");
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        if (client.equals("browser")) {
            request.headers()
                    .add(HttpHeaderNames.USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101")
                    .add(HttpHeaderNames.ACCEPT, "application/json, text/plain, */*")
                    .add(HttpHeaderNames.ACCEPT_ENCODING, "gzip, deflate, br, zstd")
                    .add(HttpHeaderNames.CONNECTION, "keep-alive")
                    .add(HttpHeaderNames.COOKIE, "session=8f14e45fceea167a5a36dedd4bea2543");
            response.headers()
                    .add(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .add(HttpHeaderNames.CONTENT_LENGTH, "512")
                    .add(HttpHeaderNames.CACHE_CONTROL, "no-store");
        } else {
            response.headers().add(HttpHeaderNames.CONTENT_TYPE, "text/plain").add(HttpHeaderNames.CONTENT_LENGTH, "2");
        }
        compressor.writeInbound(request);
        HttpRequest forwarded = compressor.readInbound();
        RequestHeadersProbe.rewriteRequest(forwarded, 20080);
        RequestHeadersProbe.rewriteResponse(response);
        compressor.writeOutbound(response);
        return compressor.readOutbound();
    }
}
