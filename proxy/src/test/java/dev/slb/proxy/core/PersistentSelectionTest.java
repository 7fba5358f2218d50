package dev.slb.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import dev.slb.model.Persistence;
import dev.slb.model.Protocol;
import dev.slb.proxy.metrics.ProxyMetrics;
import dev.slb.proxy.routing.SourceAffinity;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Source-address persistence on one replica: the hash's pick, and the memory that holds it through a flap. */
class PersistentSelectionTest {
    private final Map<String, BackendHealth> health = new HashMap<>();

    private ListenerRuntime runtime(Duration timeout, SourceAffinity memory) {
        Listener l = Listener.builder("tcp", Protocol.TCP, 9000)
                .backends(List.of(
                        new Backend("10.1.0.1", 80, 100),
                        new Backend("10.1.0.2", 80, 100),
                        new Backend("10.1.0.3", 80, 100)))
                .persistence(Persistence.sourceIp(timeout))
                .build();
        return new ListenerRuntime(
                "ns/lb",
                null,
                l,
                new BackendLoad(),
                null,
                b -> health.computeIfAbsent(b.address(), a -> new BackendHealth()),
                memory,
                new ProxyMetrics());
    }

    private static InetAddress client() throws Exception {
        return InetAddress.getByName("192.0.2.7");
    }

    @Test
    void theMemoryKeepsAClientOnTheBackendItMovedToWhileTheOldOneFlapped() throws Exception {
        SourceAffinity memory = new SourceAffinity();
        ListenerRuntime r = runtime(Duration.ofSeconds(300), memory);
        int first = r.persistentSelector(client()).next(null);
        r.persisted(client(), first);
        assertThat(r.persistentSelector(client()).next(null)).isEqualTo(first);

        health.get(r.address(first).getHostString()).record(false, "probe failed");
        int moved = r.persistentSelector(client()).next(null);
        assertThat(moved).as("an unhealthy backend takes no new connection").isNotEqualTo(first);
        r.persisted(client(), moved);

        health.get(r.address(first).getHostString()).record(true, null);
        assertThat(r.persistentSelector(client()).next(null))
                .as("back healthy, but the client stays where it went")
                .isEqualTo(moved);
        // A reload builds a new runtime over the same memory: the client still stays.
        assertThat(runtime(Duration.ofSeconds(300), memory)
                        .persistentSelector(client())
                        .next(null))
                .isEqualTo(moved);
    }

    @Test
    void withATimeoutOfZeroTheHashAloneDecidesAndTheClientGoesBack() throws Exception {
        ListenerRuntime r = runtime(Duration.ZERO, new SourceAffinity());
        int first = r.persistentSelector(client()).next(null);
        health.get(r.address(first).getHostString()).record(false, "probe failed");
        int moved = r.persistentSelector(client()).next(null);
        r.persisted(client(), moved);
        assertThat(moved).isNotEqualTo(first);
        health.get(r.address(first).getHostString()).record(true, null);
        assertThat(r.persistentSelector(client()).next(null)).isEqualTo(first);
    }

    @Test
    void withEveryBackendUnhealthyTheListenerFailsOpenOverAll() throws Exception {
        ListenerRuntime r = runtime(Duration.ofSeconds(300), new SourceAffinity());
        int first = r.persistentSelector(client()).next(null);
        health.values().forEach(h -> h.record(false, "probe failed"));
        assertThat(r.persistentSelector(client()).next(null)).isEqualTo(first);
    }
}
