package dev.slb.operator.reconciler;

import dev.slb.model.ProxyContract;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.ProxyConfigs;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks each ready proxy pod's admin port ({@code GET /config}) for the config version it serves. All pods are
 * asked at once, each with its own timeout, and the whole probe ends at one deadline: a pod that has not
 * answered by then is reported with an unknown ({@code null}) version, so one reconcile never waits for
 * unreachable pods one after another.
 */
public final class HttpProxyVersions implements ProxyVersions {
    public static final String VERSION_HEADER = ProxyContract.CONFIG_VERSION_HEADER;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    static final Duration DEADLINE = Duration.ofSeconds(3);
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyVersions.class);

    private final KubernetesClient client;
    private final Function<Pod, URI> configUri;
    private final Duration requestTimeout;
    private final Duration deadline;
    private final HttpClient http;

    public HttpProxyVersions(KubernetesClient client) {
        this(client, HttpProxyVersions::adminConfigUri, REQUEST_TIMEOUT, DEADLINE);
    }

    /** For tests: where to ask a pod, and how long to wait for one pod and for all of them. */
    HttpProxyVersions(
            KubernetesClient client, Function<Pod, URI> configUri, Duration requestTimeout, Duration deadline) {
        this.client = Objects.requireNonNull(client, "client");
        this.configUri = Objects.requireNonNull(configUri, "configUri");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(requestTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code http://<podIP>:<admin port>/config}. */
    static URI adminConfigUri(Pod pod) {
        String ip = pod.getStatus().getPodIP();
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        return URI.create("http://" + host + ":" + ProxyConfigs.ADMIN_PORT + ProxyContract.CONFIG_PATH);
    }

    @Override
    public List<Replica> versions(LoadBalancer lb) {
        List<Pod> ready = client
                .pods()
                .inNamespace(lb.getMetadata().getNamespace())
                .withLabels(Names.selector(lb.getMetadata().getName()))
                .list()
                .getItems()
                .stream()
                .filter(HttpProxyVersions::readyWithIp)
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        if (ready.isEmpty()) {
            return List.of();
        }
        long until = System.nanoTime() + deadline.toNanos();
        List<CompletableFuture<HttpResponse<Void>>> sent = new ArrayList<>(ready.size());
        List<CompletableFuture<String>> asked = new ArrayList<>(ready.size());
        for (Pod pod : ready) {
            CompletableFuture<HttpResponse<Void>> exchange = send(pod);
            sent.add(exchange);
            asked.add(version(pod.getMetadata().getName(), exchange));
        }
        try {
            CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
                    .get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.debug(
                    "LoadBalancer {}/{}: not every proxy pod reported its config version within {}",
                    lb.getMetadata().getNamespace(),
                    lb.getMetadata().getName(),
                    deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Not reached: each probe turns its failure into an unknown version.
        }
        List<Replica> replicas = new ArrayList<>(ready.size());
        for (int i = 0; i < ready.size(); i++) {
            CompletableFuture<String> answer = asked.get(i);
            String version = answer.isDone() && !answer.isCompletedExceptionally() ? answer.join() : null;
            // Abandon an exchange still under way (the HttpClient aborts it on cancel).
            sent.get(i).cancel(true);
            replicas.add(new Replica(ready.get(i).getMetadata().getName(), version));
        }
        return List.copyOf(replicas);
    }

    private CompletableFuture<HttpResponse<Void>> send(Pod pod) {
        try {
            HttpRequest request = HttpRequest.newBuilder(configUri.apply(pod))
                    .timeout(requestTimeout)
                    .GET()
                    .build();
            return http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The version the pod reports, or {@code null} when it answers without one or fails; never fails itself. */
    private static CompletableFuture<String> version(String pod, CompletableFuture<HttpResponse<Void>> exchange) {
        return exchange.handle((response, failure) -> {
            if (failure != null) {
                LOG.debug("proxy pod {} did not report its config version: {}", pod, failure.toString());
                return null;
            }
            if (response.statusCode() != 200) {
                LOG.debug(
                        "proxy pod {} answered HTTP {} when asked for its config version", pod, response.statusCode());
                return null;
            }
            return response.headers().firstValue(VERSION_HEADER).orElse(null);
        });
    }

    private static boolean readyWithIp(Pod pod) {
        if (pod.getStatus() == null
                || pod.getStatus().getPodIP() == null
                || pod.getStatus().getPodIP().isBlank()
                || pod.getMetadata() == null
                || pod.getMetadata().getName() == null) {
            return false;
        }
        return pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
