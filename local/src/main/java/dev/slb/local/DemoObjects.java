package dev.slb.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What local/ puts in the cluster before the user does anything: the CRDs, the TLS Secret the
 * HTTPS samples name, and the demo backend (a Deployment of two pods and its Service), so every
 * sample works as it is.
 */
final class DemoObjects {

    static final String BACKEND = "demo-backend";
    static final int CERTIFICATE_ADDRESSES = 32;

    private DemoObjects() {}

    /** Applies every CRD under {@code crds/} (not the samples), as installing the operator does. */
    static void installCrds(KubernetesClient client, Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(
                            f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml"))
                    .toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    for (HasMetadata crd : client.load(in).items()) {
                        // As `kubectl apply` would have left it, so that the user's own apply is a clean patch.
                        crd.getMetadata()
                                .setAnnotations(new LinkedHashMap<>(Map.of(
                                        "kubectl.kubernetes.io/last-applied-configuration",
                                        Serialization.asJson(crd) + "\n")));
                        client.resource(crd).createOr(NonDeletingOperation::update);
                    }
                }
            }
        }
    }

    /** The TLS Secret {@code demo-tls} (its CA in {@code state/tls}) and the demo backend. */
    static void create(KubernetesClient client, Path state, int block) throws IOException, InterruptedException {
        List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
        for (int i = 1; i <= CERTIFICATE_ADDRESSES; i++) {
            ips.add("127." + block + ".1." + i);
        }
        Path tls = state.resolve("tls");
        DemoCertificate.write(tls, ips);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("demo-tls")
                        .withNamespace("default")
                        .endMetadata()
                        .withType("kubernetes.io/tls")
                        .addToData("tls.crt", base64(tls.resolve("tls.crt")))
                        .addToData("tls.key", base64(tls.resolve("tls.key")))
                        .build())
                .createOr(NonDeletingOperation::update);
        String manifest;
        try (InputStream in = Objects.requireNonNull(DemoObjects.class.getResourceAsStream("demo-backend.yaml"))) {
            manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${CLUSTER_IP}", clusterIp(block));
        }
        for (HasMetadata object : client.load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8)))
                .items()) {
            client.resource(object).createOr(NonDeletingOperation::update);
        }
    }

    /** The demo backend Service's cluster IP, on which the Service load balancer serves it. */
    static String clusterIp(int block) {
        return "127." + block + ".0.2";
    }

    /** Waits until every replica of the demo backend is Ready, as {@code kubectl rollout status} would. */
    static void awaitBackend(KubernetesClient client, Duration limit, LocalCluster.Check meanwhile)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            meanwhile.check();
            Deployment d = client.apps()
                    .deployments()
                    .inNamespace("default")
                    .withName(BACKEND)
                    .get();
            if (d != null
                    && d.getStatus() != null
                    && Objects.equals(
                            d.getStatus().getReadyReplicas(), d.getSpec().getReplicas())) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("the demo backend's pods did not become ready within " + limit.toSeconds()
                + " s; see their logs under pods/default/");
    }

    private static String base64(Path file) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    }
}
