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
                .contains("web        HTTP       8080   Enabled     2\n")
                .contains("web        10.0.0.7:8080   healthy\n")
                .contains("web        10.0.0.8:8080   unhealthy (timeout after 5s)\n");
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

    private static String metrics(long open, long accepted) {
        return "# TYPE slb_connections gauge\nslb_connections " + open + "\n"
                + "# TYPE slb_connections_accepted_total counter\nslb_connections_accepted_total " + accepted + "\n"
                + "slb_connections_refused_total{limit=\"maxConnections\"} 1\n"
                + "slb_connections_refused_total{limit=\"newConnectionsPerSecond\"} 0\n"
                + "slb_requests_refused_total{limit=\"requestsPerSecond\"} 2\n"
                + "slb_runtime_info{transport=\"epoll\",tls=\"openssl\"} 1\n";
    }
}
