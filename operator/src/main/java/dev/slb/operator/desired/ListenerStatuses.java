package dev.slb.operator.desired;

import dev.slb.model.WebSocket;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Tier;
import java.util.ArrayList;
import java.util.List;

/** Computes {@code status.listeners}: each listener's port and whether it carries WebSocket, and why not. */
public final class ListenerStatuses {
    public static final String ENABLED = "Enabled";
    public static final String DISABLED = "Disabled";
    public static final String NOT_APPLICABLE = "NotApplicable";

    private ListenerStatuses() {}

    /** One status per listener of a normalized LoadBalancer, in spec order, for the tier in effect. */
    public static List<ListenerStatus> of(LoadBalancer lb, Tier inEffect) {
        List<ListenerStatus> statuses = new ArrayList<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            ListenerStatus s = new ListenerStatus();
            s.name = l.name;
            s.port = l.port;
            // The same decision the proxy config carries, so status and behaviour cannot disagree.
            describeWebsocket(s, ProxyConfigs.websocket(lb, inEffect, l));
            statuses.add(s);
        }
        return statuses;
    }

    /** Sets {@code websocket} and, when off, why and what to do, from the listener's WebSocket setting (null: TCP). */
    static void describeWebsocket(ListenerStatus s, WebSocket ws) {
        if (ws == null) {
            s.websocket = NOT_APPLICABLE;
        } else if (ws.isEnabled()) {
            s.websocket = ENABLED;
        } else {
            s.websocket = DISABLED;
            s.websocketReason = ws.disabledReason();
            s.websocketMessage = ws.disabledMessage();
        }
    }
}
