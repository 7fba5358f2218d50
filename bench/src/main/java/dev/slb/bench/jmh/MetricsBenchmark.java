package dev.slb.bench.jmh;

import dev.slb.proxy.metrics.ListenerMetrics;
import dev.slb.proxy.metrics.ProxyMetrics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the proxy's per-event counting costs, in nanoseconds per event, on two threads (two event loops): the bytes
 * of one read ({@code ListenerMetrics.received}, one striped add on a data point held per listener), one HTTP
 * response's status class, and one request-duration observation, against a bare {@link LongAdder} add and against
 * looking the listener's metrics up by name at each event (what the proxy avoids by keeping them in the listener).
 *
 * <p>{@code java -cp bench/target/slb-bench.jar org.openjdk.jmh.Main Metrics}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Threads(2)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MetricsBenchmark {
    private final LongAdder bare = new LongAdder();
    private ProxyMetrics metrics;
    private ListenerMetrics web;

    @Setup
    public void setup() {
        metrics = new ProxyMetrics();
        web = metrics.listener("web");
    }

    @Benchmark
    public void bareLongAdder() {
        bare.add(1400);
    }

    @Benchmark
    public void bytesOfARead() {
        web.received(1400);
    }

    @Benchmark
    public void responseStatus() {
        web.responded(200);
    }

    @Benchmark
    public void requestDuration() {
        web.requestDone(2_500_000);
    }

    @Benchmark
    public void lookedUpEachTime() {
        metrics.listener("web").received(1400);
    }
}
