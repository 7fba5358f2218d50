package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.ProxyConfigs;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks each ready proxy pod's admin port ({@code GET /config}) for the config version it serves. */
public final class HttpProxyVersions implements ProxyVersions {
    public static final String VERSION_HEADER = "X-Config-Version";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyVersions.class);

    private final KubernetesClient client;
    private final HttpClient http;

    public HttpProxyVersions(KubernetesClient client) {
        this.client = client;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    @Override
    public Map<String, String> versions(LoadBalancer lb) {
        Map<String, String> versions = new TreeMap<>();
        for (Pod pod : client.pods().inNamespace(lb.getMetadata().getNamespace())
                .withLabels(Names.selector(lb.getMetadata().getName())).list().getItems()) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || !ready(pod)) {
                continue;
            }
            String host = ip.contains(":") ? "[" + ip + "]" : ip;
            HttpRequest request = HttpRequest.newBuilder(
                    URI.create("http://" + host + ":" + ProxyConfigs.ADMIN_PORT + "/config")).timeout(TIMEOUT).GET().build();
            try {
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                response.headers().firstValue(VERSION_HEADER)
                        .ifPresent(v -> versions.put(pod.getMetadata().getName(), v));
            } catch (IOException e) {
                LOG.debug("proxy pod {} did not report its config version: {}", pod.getMetadata().getName(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return versions;
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
