package dev.slb.local.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code kubectl get --raw .../pods/P:PORT/proxy/PATH} reaches the pod's port at its podIP, as in a cluster. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PodProxyKubectlTest {
    @TempDir
    Path dir;

    @Test
    void getReachesThePodAtItsIpAndAMissingPodOrPortIsAnError() throws Exception {
        HttpServer pod = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pod.createContext("/", exchange -> {
            byte[] body =
                    (exchange.getRequestMethod() + " " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        pod.start();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (TestingKubectl kubectl = TestingKubectl.start(dir)) {
            Path manifest = dir.resolve("pod.yaml");
            Files.writeString(
                    manifest,
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\n"
                            + "spec:\n  containers:\n  - {name: app, image: app:1}\n");
            TestingKubectl.Result created = kubectl.run("apply", "-f", manifest.toString());
            assertThat(created.code()).as(created.toString()).isZero();
            HttpResponse<String> status = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            kubectl.server.url() + "/api/v1/namespaces/default/pods/web/status"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/merge-patch+json")
                                    .method(
                                            "PATCH",
                                            HttpRequest.BodyPublishers.ofString(
                                                    "{\"status\":{\"podIP\":\"127.0.0.1\"}}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).as(status.body()).isEqualTo(200);

            int port = pod.getAddress().getPort();
            TestingKubectl.Result proxied =
                    kubectl.run("get", "--raw", "/api/v1/namespaces/default/pods/web:" + port + "/proxy/metrics?x=1");
            assertThat(proxied.code()).as(proxied.toString()).isZero();
            // The query goes along (kubectl adds its request timeout to it).
            assertThat(proxied.out()).startsWith("GET /metrics?").contains("x=1");

            TestingKubectl.Result missing =
                    kubectl.run("get", "--raw", "/api/v1/namespaces/default/pods/nope:" + port + "/proxy/metrics");
            assertThat(missing.code()).isNotZero();
            assertThat(missing.err()).contains("NotFound");
            TestingKubectl.Result unreachable =
                    kubectl.run("get", "--raw", "/api/v1/namespaces/default/pods/web:" + closedPort + "/proxy/");
            assertThat(unreachable.code()).isNotZero();
            assertThat(unreachable.err()).contains("ServiceUnavailable");
        } finally {
            pod.stop(0);
        }
    }
}
