package dev.slb.local.apiserver.rest;

import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.store.ObjectStore;
import dev.slb.local.apiserver.store.Stored;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's pod proxy for GET, {@code /api/v1/namespaces/N/pods/P[:PORT]/proxy/PATH}, as a cluster serves it
 * (what {@code kubectl get --raw} and {@code kubectl slb status} read a proxy's admin port through): the request
 * goes over plain HTTP to the pod's {@code status.podIP}, a loopback address here.
 */
final class PodProxy {
    private static final Pattern PATH =
            Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/:]+)(?::(\\d{1,5}))?/proxy(/.*)?$");
    /** A cluster's default when the path names no port. */
    private static final int DEFAULT_PORT = 80;

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ObjectStore store;
    private final Kind pods;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .build();

    PodProxy(ObjectStore store, Kind pods) {
        this.store = store;
        this.pods = pods;
    }

    /** The pod's answer to a GET of a pod-proxy path, or null when {@code path} is not one. */
    ApiResponse.Reply get(ApiRequest request, String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            return null;
        }
        String namespace = m.group(1);
        String name = m.group(2);
        int port = m.group(3) == null ? DEFAULT_PORT : Integer.parseInt(m.group(3));
        String rest = m.group(4) == null ? "/" : m.group(4);
        Stored pod = store.get(pods, namespace, name);
        if (pod == null) {
            throw ApiError.notFound(pods, name);
        }
        String ip = pod.tree().path("status").path("podIP").asText("");
        if (ip.isEmpty() || port < 1 || port > 65535) {
            throw unavailable(
                    "pod " + namespace + "/" + name + (ip.isEmpty() ? " has no IP yet" : " has no port " + port));
        }
        URI target =
                URI.create("http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port + rest + query(request));
        try {
            HttpResponse<byte[]> answer = http.send(
                    HttpRequest.newBuilder(target).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new ApiResponse.Reply(
                    answer.statusCode(),
                    answer.headers().firstValue("Content-Type").orElse("application/octet-stream"),
                    answer.body());
        } catch (IOException e) {
            // As a cluster's API server words it, so that a client sees the same message.
            throw unavailable("error trying to reach service: dial tcp " + ip + ":" + port + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while proxying to " + target);
        }
    }

    private static String query(ApiRequest request) {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        for (Map.Entry<String, List<String>> p : request.query().entrySet()) {
            for (String value : p.getValue()) {
                q.add(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
        return q.toString();
    }

    private static ApiError unavailable(String message) {
        return new ApiError(503, "ServiceUnavailable", message);
    }
}
