package dev.slb.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.SchedulerKind;
import dev.slb.proxy.routing.BackendSelector;
import dev.slb.proxy.routing.BackendSelectors;
import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** Which backend a connection tries next after failed connects. */
class ConnectAttemptsTest {
    private final BackendSelector twoBackends = BackendSelectors.create(SchedulerKind.RR, new int[] {100, 100}, i -> 0);
    private final ConnectAttempts attempts = new ConnectAttempts();

    @Test
    void backendsThatFailedFastGetOneMoreRoundAndTimedOutOnesDoNot() {
        int first = attempts.next(twoBackends);
        int second = 1 - first;
        attempts.failed(first, new ConnectException("Connection refused"));
        assertThat(attempts.next(twoBackends)).isEqualTo(second);
        attempts.failed(second, new ConnectTimeoutException("connection timed out"));

        assertThat(attempts.next(twoBackends)).as("the refused one, once more").isEqualTo(first);
        attempts.failed(first, new ConnectException("Connection refused"));
        assertThat(attempts.next(twoBackends)).as("no third round").isEqualTo(-1);
    }

    @Test
    void whenEveryConnectTimedOutThereIsNoSecondRound() {
        attempts.failed(attempts.next(twoBackends), new ConnectTimeoutException("connection timed out"));
        attempts.failed(attempts.next(twoBackends), new ConnectTimeoutException("connection timed out"));
        assertThat(attempts.next(twoBackends)).isEqualTo(-1);

        attempts.reset();
        assertThat(attempts.next(twoBackends)).as("a new exchange starts over").isNotNegative();
    }
}
