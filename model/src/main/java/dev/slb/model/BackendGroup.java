package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * A named set of backends with its own scheduler, which a listener's forwarding rules send requests
 * to; health checks, drains and passive ejection apply to it as to the listener's own backends.
 *
 * @param name      unique within the listener; lower-case DNS label
 * @param scheduler wrr (default), wlc or rr
 * @param backends  where the requests routed to this group go
 */
@JsonPropertyOrder({"name", "scheduler", "backends"})
public record BackendGroup(String name, SchedulerKind scheduler, List<Backend> backends) {
    public BackendGroup {
        scheduler = scheduler == null ? SchedulerKind.WRR : scheduler;
        backends = backends == null ? List.of() : List.copyOf(backends);
    }
}
