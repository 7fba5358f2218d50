package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A replica's memory of client picks: kept for the timeout, forgotten after, bounded. */
class SourceAffinityTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    private static InetAddress client(int i) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) i});
    }

    @Test
    void aPickIsKeptForTheTimeoutAfterItsLastUse() throws Exception {
        SourceAffinity memory = new SourceAffinity();
        long t0 = -5 * SECOND;
        memory.remember(client(1), "10.1.0.1:80", t0, TIMEOUT);
        assertThat(memory.backend(client(1), t0 + 9 * SECOND, TIMEOUT)).isEqualTo("10.1.0.1:80");
        assertThat(memory.backend(client(2), t0, TIMEOUT)).isNull();
        memory.remember(client(1), "10.1.0.1:80", t0 + 9 * SECOND, TIMEOUT);
        assertThat(memory.backend(client(1), t0 + 18 * SECOND, TIMEOUT)).isEqualTo("10.1.0.1:80");
        assertThat(memory.backend(client(1), t0 + 19 * SECOND, TIMEOUT)).isNull();
    }

    @Test
    void aZeroTimeoutRemembersNothing() throws Exception {
        SourceAffinity memory = new SourceAffinity();
        memory.remember(client(1), "10.1.0.1:80", 0, Duration.ZERO);
        assertThat(memory.size()).isZero();
        assertThat(memory.backend(client(1), 0, Duration.ZERO)).isNull();
    }

    @Test
    void aFullMemorySweepsExpiredEntriesAndOtherwiseTakesNoNewClient() throws Exception {
        SourceAffinity memory = new SourceAffinity(2);
        memory.remember(client(1), "a:1", 0, TIMEOUT);
        memory.remember(client(2), "a:1", 5 * SECOND, TIMEOUT);
        memory.remember(client(3), "a:1", 6 * SECOND, TIMEOUT);
        assertThat(memory.backend(client(3), 6 * SECOND, TIMEOUT))
                .as("full, none expired")
                .isNull();
        assertThat(memory.size()).isEqualTo(2);
        // Client 1's entry expired at 10 s: the sweep makes room.
        memory.remember(client(3), "a:1", 11 * SECOND, TIMEOUT);
        assertThat(memory.backend(client(3), 11 * SECOND, TIMEOUT)).isEqualTo("a:1");
        assertThat(memory.backend(client(2), 11 * SECOND, TIMEOUT)).isEqualTo("a:1");
        assertThat(memory.size()).isEqualTo(2);
    }
}
