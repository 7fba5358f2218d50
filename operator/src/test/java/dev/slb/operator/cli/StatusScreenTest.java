package dev.slb.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusScreenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void showsConditionsReplicasListenersAndBackendHealthPerReplica() throws Exception {
        JsonNode lb = JSON.readTree("""
                {"metadata": {"name": "chat", "namespace": "default"},
                 "spec": {"tier": "slb.s2.small"},
                 "status": {"tier": "slb.s2.small", "addresses": ["127.0.1.1"], "configVersion": "7",
                  "replicaSummary": "1/2", "backendSummary": "1/2",
                  "conditions": [
                   {"type": "Accepted", "status": "True", "reason": "Accepted", "message": "fine"},
                   {"type": "Programmed", "status": "False", "reason": "ReplicasNotReady",
                    "message": "1 of 2 proxy replicas is ready"}]}}
                """);
        StatusScreen.Replica ready = new StatusScreen.Replica(
                pod("chat-a", true, "127.0.1.2"),
                JSON.readTree("""
                        {"version": "7", "listeners": [
                          {"name": "web", "protocol": "HTTP", "port": 8080, "websocket": "Enabled", "backends": 2}]}
                        """),
                "web\t10.0.0.7\t8080\thealthy\t\nweb\t10.0.0.8\t8080\tunhealthy\ttimeout after 5s\n",
                metrics(10, 100),
                metrics(12, 130),
                Duration.ofSeconds(2));
        StatusScreen.Replica starting =
                new StatusScreen.Replica(pod("chat-b", false, ""), null, null, null, null, Duration.ofSeconds(2));

        String screen = StatusScreen.render(lb, List.of(ready, starting));

        assertThat(screen)
                .startsWith("LoadBalancer default/chat   tier slb.s2.small   address 127.0.1.1   config version 7\n")
                .contains("replicas 1/2 ready   backends 1/2 healthy")
                .contains("Programmed   False    ReplicasNotReady   1 of 2 proxy replicas is ready\n")
                .contains("Accepted     True     Accepted\n")
                .contains("chat-a    yes     7         12            15.0         3         epoll/openssl\n")
                .contains("chat-b    no      -         -             -            -         ?/?\n")
                .containsPattern("(?m)^web +HTTP +8080 +Enabled +- +- +- +- +- +1/2$")
                .contains("web        10.0.0.7:8080   healthy\n")
                .contains("web        10.0.0.8:8080   unhealthy (timeout after 5s)\n");
    }

    @Test
    void showsEachListenerOverTheReplicasTogether() throws Exception {
        JsonNode lb = JSON.readTree("""
                {"metadata": {"name": "chat", "namespace": "default"},
                 "status": {"configVersion": "7", "replicaSummary": "2/2", "backendSummary": "1/2"}}
                """);
        JsonNode config = JSON.readTree("""
                {"version": "7", "listeners": [
                  {"name": "web", "protocol": "HTTP", "port": 8080, "websocket": "Enabled", "backends": 2},
                  {"name": "db", "protocol": "TCP", "port": 5432, "websocket": null, "backends": 1}]}
                """);
        // Replica a: 20 new connections and 20 responses in 2 s, 4 of them 5xx; replica b: 4 connections, no request.
        StatusScreen.Replica a = new StatusScreen.Replica(
                pod("chat-a", true, "127.0.1.2"),
                config,
                "web\t10.0.0.7\t8080\thealthy\t\nweb\t10.0.0.8\t8080\tunhealthy\tstatus 500\n"
                        + "db\t10.0.0.9\t5432\thealthy\t\n",
                listenerMetrics(100, 50, 0, 5, 0, 6, 2, 1),
                listenerMetrics(120, 66, 4, 7, 1, 7, 2, 1),
                Duration.ofSeconds(2));
        StatusScreen.Replica b = new StatusScreen.Replica(
                pod("chat-b", true, "127.0.1.3"),
                config,
                "web\t10.0.0.7\t8080\thealthy\t\nweb\t10.0.0.8\t8080\thealthy\t\n" + "db\t10.0.0.9\t5432\thealthy\t\n",
                listenerMetrics(10, 0, 0, 0, 0, 2, 1, 0),
                listenerMetrics(14, 0, 0, 0, 0, 3, 1, 0),
                Duration.ofSeconds(2));

        String screen = StatusScreen.render(lb, List.of(a, b));

        assertThat(screen)
                .containsPattern("(?m)^LISTENER +PROTOCOL +PORT +WEBSOCKET +CONNECTIONS +NEW CONN/S +REQUESTS/S +5XX"
                        + " +WEBSOCKETS +BACKENDS$")
                .as(screen)
                .containsPattern("(?m)^web +HTTP +8080 +Enabled +10 +12\\.0 +10\\.0 +20\\.0% +4 +1/2$")
                .containsPattern("(?m)^db +TCP +5432 +- +1 +1\\.0 +- +- +- +1/1$");
    }

    @Test
    void showsTheLastConfigChangeTheStatusKeeps() throws Exception {
        JsonNode lb = JSON.readTree("""
                {"metadata": {"name": "chat", "namespace": "default"},
                 "status": {"configVersion": "7", "replicaSummary": "2/2", "backendSummary": "2/2",
                  "lastConfigChange": {"version": "7", "appliedAt": "2026-12-08T01:30:00Z", "replicas": 2,
                   "replicasReporting": 2, "connectionsKept": 1204, "connectionsClosed": 0, "connectionsDraining": 3}}}
                """);

        assertThat(StatusScreen.render(lb, List.of()))
                .contains("replicas 2/2 ready   backends 2/2 healthy (the listener with fewest)\n"
                        + "last config change 7 applied 2026-12-08T01:30:00Z on 2 replicas: 1,204 kept, 0 closed,"
                        + " 3 draining\n\n");
    }

    private static JsonNode pod(String name, boolean ready, String ip) throws Exception {
        return JSON.readTree("{\"metadata\": {\"name\": \"" + name + "\"}, \"status\": {\"podIP\": \"" + ip
                + "\", \"conditions\": [{\"type\": \"Ready\", \"status\": \"" + (ready ? "True" : "False")
                + "\"}]}}");
    }

    /**
     * A scrape with web's and db's series, written as the proxy writes them (labels in name order, values with a
     * decimal point): web's connections, its 2xx and 5xx responses, db's connections accepted and open, web's
     * connections open, and its WebSockets open on two backends.
     */
    private static String listenerMetrics(
            long webAccepted, long ok, long failed, long dbAccepted, long dbOpen, long webOpen, long ws7, long ws8) {
        return "# TYPE slb_listener_connections_total counter\n"
                + "slb_listener_connections_total{listener=\"db\"} " + dbAccepted + ".0\n"
                + "slb_listener_connections_total{listener=\"web\"} " + webAccepted + ".0\n"
                + "slb_listener_connections_open{listener=\"db\"} " + dbOpen + ".0\n"
                + "slb_listener_connections_open{listener=\"web\"} " + webOpen + ".0\n"
                + "slb_requests_total{code_class=\"2xx\",listener=\"web\"} " + ok + ".0\n"
                + "slb_requests_total{code_class=\"5xx\",listener=\"web\"} " + failed + ".0\n"
                + "slb_websockets_open{backend=\"10.0.0.7:8080\",listener=\"web\"} " + ws7 + ".0\n"
                + "slb_websockets_open{backend=\"10.0.0.8:8080\",listener=\"web\"} " + ws8 + ".0\n";
    }

    private static String metrics(long open, long accepted) {
        return "# TYPE slb_connections gauge\nslb_connections " + open + "\n"
                + "# TYPE slb_connections_accepted_total counter\nslb_connections_accepted_total " + accepted + "\n"
                + "slb_connections_refused_total{limit=\"maxConnections\"} 1\n"
                + "slb_connections_refused_total{limit=\"newConnectionsPerSecond\"} 0\n"
                + "slb_requests_refused_total{limit=\"requestsPerSecond\"} 2\n"
                + "slb_runtime_info{transport=\"epoll\",tls=\"openssl\"} 1\n";
    }
}
