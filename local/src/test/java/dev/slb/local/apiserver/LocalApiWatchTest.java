package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Watches over plain HTTP (as kubectl and client-go use them) and over WebSocket (as the fabric8
 * client in the operator uses them), and the write verbs' edges, with real clients on loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalApiWatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIGMAPS = "/api/v1/namespaces/default/configmaps";

    private HttpClient http = newHttpClient();
    private LocalApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aWatchFromAListsVersionSeesExactlyTheLaterChangesInOrder() throws Exception {
        start(1000);
        create("before", "x", "1");
        String listVersion = send("GET", CONFIGMAPS, null, null)
                .path("metadata")
                .path("resourceVersion")
                .asText();

        try (EventStream events = watch(CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion)) {
            create("a", "x", "1");
            patch("a", "{\"data\":{\"x\":\"2\"}}");
            send("DELETE", CONFIGMAPS + "/a", null, null);
            List<JsonNode> seen = events.take(3);
            assertThat(seen)
                    .extracting(e -> e.path("type").asText() + " "
                            + e.at("/object/metadata/name").asText() + " "
                            + e.at("/object/data/x").asText())
                    .containsExactly("ADDED a 1", "MODIFIED a 2", "DELETED a 2");
            List<Long> versions = new ArrayList<>();
            seen.forEach(
                    e -> versions.add(e.at("/object/metadata/resourceVersion").asLong()));
            assertThat(versions).isSorted().doesNotHaveDuplicates();
            assertThat(versions.get(0)).isGreaterThan(Long.parseLong(listVersion));
        }
    }

    @Test
    void aWatchWithoutVersionStartsWithTheCurrentObjects() throws Exception {
        start(1000);
        create("one", "x", "1");
        try (EventStream events = watch(CONFIGMAPS + "?watch=1")) {
            assertThat(events.take(1).get(0).path("type").asText()).isEqualTo("ADDED");
        }
    }

    @Test
    void anObjectLeavingTheSelectorIsDeletedForThatWatch() throws Exception {
        start(1000);
        try (EventStream events = watch(
                CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion() + "&labelSelector=tier%20in%20(gold)")) {
            send("POST", CONFIGMAPS, "application/json", """
          {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"l","labels":{"tier":"gold"}}}""");
            patch("l", "{\"metadata\":{\"labels\":{\"tier\":\"bronze\"}}}");
            assertThat(events.take(2)).extracting(e -> e.path("type").asText()).containsExactly("ADDED", "DELETED");
        }
    }

    @Test
    void resumingFromAForgottenVersionGetsExpiredAndTheStreamEnds() throws Exception {
        start(3);
        for (int i = 0; i < 6; i++) {
            create("c" + i, "x", "1");
        }
        try (EventStream events = watch(CONFIGMAPS + "?watch=true&resourceVersion=2")) {
            JsonNode error = events.take(1).get(0);
            assertThat(error.path("type").asText()).isEqualTo("ERROR");
            assertThat(error.at("/object/code").asInt()).isEqualTo(410);
            assertThat(error.at("/object/reason").asText()).isEqualTo("Expired");
            assertThat(events.ended(5)).isTrue();
        }
    }

    @Test
    void timeoutSecondsEndsTheWatch() throws Exception {
        start(1000);
        try (EventStream events =
                watch(CONFIGMAPS + "?watch=true&resourceVersion=" + listVersion() + "&timeoutSeconds=1")) {
            create("t", "x", "1");
            assertThat(events.take(1).get(0).path("type").asText())
                    .as("live until its time is up")
                    .isEqualTo("ADDED");
            assertThat(events.ended(10)).isTrue();
        }
    }

    @Test
    void fabric8InformerFollowsOverWebSocket() throws Exception {
        start(1000);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(server.url())
                        .withNamespace("default")
                        .build())
                .build()) {
            SharedIndexInformer<ConfigMap> informer = inform(client, seen);
            try {
                client.configMaps()
                        .resource(new ConfigMapBuilder()
                                .withNewMetadata()
                                .withName("f")
                                .endMetadata()
                                .addToData("x", "1")
                                .build())
                        .create();
                client.configMaps()
                        .withName("f")
                        .edit(cm -> new ConfigMapBuilder(cm).addToData("x", "2").build());
                client.configMaps().withName("f").delete();
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    events.add(seen.poll(10, TimeUnit.SECONDS));
                }
                assertThat(events).containsExactly("add f", "update f 2", "delete f");
            } finally {
                informer.stop();
            }
        }
    }

    @Test
    void jsonPatchAppliesAndServerSideApplyIsRefusedClearly() throws Exception {
        start(1000);
        create("j", "x", "1");
        HttpResponse<String> json = raw(
                "PATCH",
                CONFIGMAPS + "/j",
                "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/data/x\",\"value\":\"9\"}]");
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(json.body()).at("/data/x").asText()).isEqualTo("9");

        HttpResponse<String> apply =
                raw("PATCH", CONFIGMAPS + "/j?fieldManager=me", "application/apply-patch+yaml", "data: {x: '3'}");
        assertThat(apply.statusCode()).isEqualTo(415);
        assertThat(apply.body()).contains("server-side apply is not supported");
    }

    @Test
    void anUpdateFromAStaleVersionConflicts() throws Exception {
        start(1000);
        JsonNode created = create("v", "x", "1");
        patch("v", "{\"data\":{\"x\":\"2\"}}");
        HttpResponse<String> stale = raw("PUT", CONFIGMAPS + "/v", "application/json", created.toString());
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.body()).contains("the object has been modified");
    }

    @Test
    void aWatchFromAVersionTheServerHasNotReachedIsAnsweredTooLarge() throws Exception {
        start(1000);
        long ahead = Long.parseLong(listVersion()) + 1000;
        try (EventStream events = watch(CONFIGMAPS + "?watch=true&resourceVersion=" + ahead)) {
            JsonNode error = events.take(1).get(0);
            assertThat(error.path("type").asText()).isEqualTo("ERROR");
            assertThat(error.at("/object/code").asInt()).isEqualTo(504);
            assertThat(error.at("/object/reason").asText()).isEqualTo("Timeout");
            assertThat(error.at("/object/message").asText()).startsWith("Too large resource version: " + ahead);
            assertThat(error.at("/object/details/causes/0/reason").asText()).isEqualTo("ResourceVersionTooLarge");
            assertThat(events.ended(5)).isTrue();
        }
        HttpResponse<String> list = raw("GET", CONFIGMAPS + "?resourceVersion=" + ahead, null, null);
        assertThat(list.statusCode()).isEqualTo(504);
    }

    @Test
    void anInformerOfAnEarlierRunListsAgainWhenTheServerRestarts() throws Exception {
        start(1000);
        int port = server.port();
        create("old", "x", "1");
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(server.url())
                        .withNamespace("default")
                        .withWatchReconnectInterval(100)
                        .build())
                .build()) {
            SharedIndexInformer<ConfigMap> informer = inform(client, seen);
            try {
                assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("add old");
                // A new run on the same port: its objects are new, and its versions continue past the
                // old run's, so the informer's watch is "too old" (410) and it lists again.
                server.close();
                server = new LocalApiServer(Clock.systemUTC(), 1000).start(port);
                // A client of the old run may hold a kept-alive connection to it on the same port:
                // this test's requests go on fresh connections, as a new process's would.
                http = newHttpClient();
                create("new", "x", "1");
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    events.add(seen.poll(20, TimeUnit.SECONDS));
                }
                assertThat(events).containsExactlyInAnyOrder("add new", "delete old");
            } finally {
                informer.stop();
            }
        }
    }

    // --- plumbing ---

    private void start(int history) throws IOException {
        server = new LocalApiServer(Clock.systemUTC(), history).start(0);
    }

    /** An informer of the default namespace's ConfigMaps that says what it saw: "add a", "update a 2", "delete a". */
    private static SharedIndexInformer<ConfigMap> inform(KubernetesClient client, BlockingQueue<String> seen) {
        return client.configMaps().inNamespace("default").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                seen.add("add " + cm.getMetadata().getName());
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap after) {
                seen.add("update " + after.getMetadata().getName() + " "
                        + after.getData().get("x"));
            }

            @Override
            public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                seen.add("delete " + cm.getMetadata().getName());
            }
        });
    }

    private String listVersion() throws Exception {
        return send("GET", CONFIGMAPS, null, null)
                .path("metadata")
                .path("resourceVersion")
                .asText();
    }

    private JsonNode create(String name, String key, String value) throws Exception {
        return send("POST", CONFIGMAPS, "application/json", """
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"},"data":{"%s":"%s"}}""".formatted(name, key, value));
    }

    private static HttpClient newHttpClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    private JsonNode patch(String name, String mergePatch) throws Exception {
        return send("PATCH", CONFIGMAPS + "/" + name, "application/merge-patch+json", mergePatch);
    }

    private JsonNode send(String method, String path, String contentType, String body) throws Exception {
        HttpResponse<String> response = raw(method, path, contentType, body);
        assertThat(response.statusCode())
                .as(method + " " + path + ": " + response.body())
                .isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> raw(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private EventStream watch(String path) throws Exception {
        HttpResponse<InputStream> response = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        return new EventStream(response.body());
    }

    /** The events of one watch, read line by line on a thread of its own. */
    private static final class EventStream implements AutoCloseable {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final InputStream in;
        private final Thread reader;
        private static final String END = "\u0000end";

        EventStream(InputStream in) {
            this.in = in;
            this.reader = new Thread(
                    () -> {
                        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                            for (String line = r.readLine(); line != null; line = r.readLine()) {
                                lines.add(line);
                            }
                        } catch (IOException e) {
                            // closed by the test
                        }
                        lines.add(END);
                    },
                    "watch-reader");
            reader.setDaemon(true);
            reader.start();
        }

        List<JsonNode> take(int n) throws Exception {
            List<JsonNode> events = new ArrayList<>();
            while (events.size() < n) {
                String line = lines.poll(10, TimeUnit.SECONDS);
                assertThat(line)
                        .as("event " + (events.size() + 1) + " of " + n)
                        .isNotNull()
                        .isNotEqualTo(END);
                events.add(JSON.readTree(line));
            }
            return events;
        }

        boolean ended(long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            for (String line;
                    (line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null; ) {
                if (line.equals(END)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
