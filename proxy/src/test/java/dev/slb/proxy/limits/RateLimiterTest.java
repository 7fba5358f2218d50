package dev.slb.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slb.model.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rate and connection arithmetic, on a clock the test moves by hand. */
class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = -5 * SECOND; // System.nanoTime() may be negative

    @Test
    void aBurstOfOneSecondsWorthThenOneIntervalApart() {
        RateLimiter r = new RateLimiter(10, T0);
        for (int i = 0; i < 10; i++) {
            assertThat(r.tryAcquire(T0)).as("burst event %d", i).isZero();
        }
        assertThat(r.tryAcquire(T0)).as("the 11th waits one interval").isEqualTo(SECOND / 10);
        assertThat(r.tryAcquire(T0 + SECOND / 10 - 1)).isEqualTo(1);
        assertThat(r.tryAcquire(T0 + SECOND / 10)).isZero();
        assertThat(r.tryAcquire(T0 + SECOND / 10)).isPositive();
    }

    @Test
    void aSustainedLoadGetsTheRateAndIdleTimeEarnsNoMoreThanTheBurst() {
        RateLimiter r = new RateLimiter(100, T0);
        int admitted = 0;
        // 10 seconds of 1,000 attempts per second.
        for (long t = T0; t < T0 + 10 * SECOND; t += SECOND / 1000) {
            if (r.tryAcquire(t) == 0) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(100 * 10, 100 * 11);

        long later = T0 + 60 * SECOND;
        int burst = 0;
        while (r.tryAcquire(later) == 0) {
            burst++;
        }
        assertThat(burst).as("a minute idle still earns one second's worth").isEqualTo(100);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void threadsRacingForTheSameInstantShareExactlyTheBurst() throws Exception {
        RateLimiter r = new RateLimiter(50_000, T0);
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int n = 0; n < 40_000; n++) {
                    if (r.tryAcquire(T0) == 0) {
                        admitted.incrementAndGet();
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(admitted.get()).isEqualTo(50_000);
    }

    @Test
    void ratesOutOfRangeAreRefused() {
        assertThatThrownBy(() -> new RateLimiter(0, T0)).hasMessageContaining("not 0");
        assertThat(new RateLimiter(1_000_000_000L, T0).tryAcquire(T0)).isZero();
    }

    @Test
    void connectionsAreCountedUntilClosedAndRefusalsByLimit() {
        ReplicaLimits limits = new ReplicaLimits(new Limits(2L, 3L, null), T0);
        assertThat(limits.admit(T0)).isNull();
        assertThat(limits.admit(T0)).isNull();
        assertThat(limits.admit(T0)).isEqualTo(ReplicaLimits.Refusal.MAX_CONNECTIONS);
        limits.closed();
        assertThat(limits.admit(T0)).isNull();
        limits.closed();
        assertThat(limits.open()).isEqualTo(1);
        assertThat(limits.admit(T0))
                .as("the 4th new connection in the same instant")
                .isEqualTo(ReplicaLimits.Refusal.NEW_CONNECTION_RATE);
        assertThat(limits.open())
                .as("a refused connection is not counted as open")
                .isEqualTo(1);
        assertThat(limits.refused(ReplicaLimits.Refusal.MAX_CONNECTIONS)).isEqualTo(1);
        assertThat(limits.refused(ReplicaLimits.Refusal.NEW_CONNECTION_RATE)).isEqualTo(1);
        assertThat(limits.accepted()).isEqualTo(3);
        assertThat(limits.requestDelay(T0)).as("no request limit").isZero();
    }

    @Test
    void aReloadKeepsABucketWhoseRateStaysAndStartsAFreshOneWhenItChanges() {
        ReplicaLimits limits = new ReplicaLimits(new Limits(null, null, 2L), T0);
        assertThat(limits.requestDelay(T0)).isZero();
        assertThat(limits.requestDelay(T0)).isZero();
        assertThat(limits.requestDelay(T0)).isPositive();

        limits.apply(new Limits(100L, null, 2L), T0);
        assertThat(limits.requestDelay(T0))
                .as("same rate, same bucket: no fresh burst")
                .isPositive();

        limits.apply(new Limits(100L, null, 4L), T0);
        for (int i = 0; i < 4; i++) {
            assertThat(limits.requestDelay(T0)).isZero();
        }
        assertThat(limits.requestDelay(T0)).isPositive();
        assertThat(limits.rejectedRequests()).isEqualTo(3);

        limits.apply(Limits.UNLIMITED, T0);
        assertThat(limits.requestDelay(T0)).isZero();
        assertThat(limits.admit(T0)).isNull();
    }
}
