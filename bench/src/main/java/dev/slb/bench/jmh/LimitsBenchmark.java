package dev.slb.bench.jmh;

import dev.slb.model.Limits;
import dev.slb.proxy.limits.ReplicaLimits;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the tier limits cost on the hot paths, in nanoseconds per call: the request-rate check that
 * every HTTP request makes, and the admission of a new connection (concurrent count plus
 * new-connection rate) that every accept makes. {@code limited} sets rates far above what a thread
 * can reach, so every call is admitted and the figure is the check's own cost; {@code none} is a
 * shared (unlimited) instance. The two-thread variant has event loops racing for the same
 * counters, as they do on a replica with two cores.
 *
 * <p>{@code java -cp bench/target/slb-bench.jar org.openjdk.jmh.Main Limits}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LimitsBenchmark {
    @Param({"limited", "none"})
    String limits;

    private ReplicaLimits replica;

    @Setup
    public void setUp() {
        Limits l =
                limits.equals("none") ? Limits.UNLIMITED : new Limits(Long.MAX_VALUE, 1_000_000_000L, 1_000_000_000L);
        replica = new ReplicaLimits(l, System.nanoTime());
    }

    @Benchmark
    public long requestCheck() {
        return replica.requestDelay(System.nanoTime());
    }

    @Benchmark
    @Threads(2)
    public long requestCheckTwoLoops() {
        return replica.requestDelay(System.nanoTime());
    }

    @Benchmark
    public Object admitAndClose() {
        ReplicaLimits.Refusal r = replica.admit(System.nanoTime());
        if (r == null) {
            replica.closed();
        }
        return r;
    }
}
