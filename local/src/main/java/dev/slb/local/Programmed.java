package dev.slb.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Programmed measurement of {@link OperatorTargets}: how long after every proxy replica of an
 * instance serves a change the instance's status says Programmed for that generation.
 */
final class Programmed {
    private static final ResourceDefinitionContext LOAD_BALANCERS = OperatorTargets.LOAD_BALANCERS;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private Programmed() {}

    /** When each (instance, generation) was first seen Programmed, in System.nanoTime(). */
    private static final Map<String, Long> PROGRAMMED_AT = new ConcurrentHashMap<>();

    static void run(KubernetesClient client, int instances, int changes) throws Exception {
        SharedIndexInformer<GenericKubernetesResource> lbs =
                OperatorTargets.followLoadBalancers(client, Programmed::seen);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            String name = "m-" + i;
            names.add(name);
            client.genericKubernetesResources(LOAD_BALANCERS)
                    .inNamespace("default")
                    .resource(loadBalancer(name, 60))
                    .create();
        }
        System.out.printf(
                "%d shared instances (one replica each) created; waiting for them to be Programmed%n", instances);
        for (String name : names) {
            await(() -> PROGRAMMED_AT.containsKey(name + "/1"), Duration.ofMinutes(5), name + " Programmed");
        }

        List<Double> afterServed = new ArrayList<>();
        List<Double> toServe = new ArrayList<>();
        for (int i = 0; i < changes; i++) {
            String name = names.get(i % instances);
            List<String> admins = admins(client, name);
            String before = versions(admins).get(0);
            long t0 = System.nanoTime();
            GenericKubernetesResource patched = client.genericKubernetesResources(LOAD_BALANCERS)
                    .inNamespace("default")
                    .withName(name)
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            "{\"spec\":{\"listeners\":[{\"name\":\"web\",\"protocol\":\"HTTP\",\"port\":80,"
                                    + "\"idleTimeoutSeconds\":" + (61 + i) + "}]}}");
            long generation = patched.getMetadata().getGeneration();
            // Served: every replica reports a version other than the one before the change.
            long served = await(
                    () -> versions(admins).stream().noneMatch(v -> v == null || v.equals(before)),
                    Duration.ofSeconds(30),
                    name + " serving the change");
            await(
                    () -> PROGRAMMED_AT.containsKey(name + "/" + generation),
                    Duration.ofSeconds(60),
                    name + " Programmed for generation " + generation);
            long programmedAt = PROGRAMMED_AT.get(name + "/" + generation);
            toServe.add((served - t0) / 1e9);
            afterServed.add(Math.max(0, programmedAt - served) / 1e9);
            System.out.printf(
                    "change %2d on %s: served %.3f s after the patch, Programmed %.3f s after it was served%n",
                    i + 1, name, (served - t0) / 1e9, Math.max(0, programmedAt - served) / 1e9);
            Thread.sleep(300);
        }
        System.out.printf(
                "%d changes: Programmed after the proxies served it: p50 %.3f s, p90 %.3f s, p99 %.3f s, max %.3f s"
                        + " (served after the patch: p50 %.3f s, p99 %.3f s)%n",
                changes,
                OperatorTargets.percentile(afterServed, 50),
                OperatorTargets.percentile(afterServed, 90),
                OperatorTargets.percentile(afterServed, 99),
                OperatorTargets.percentile(afterServed, 100),
                OperatorTargets.percentile(toServe, 50),
                OperatorTargets.percentile(toServe, 99));
        lbs.stop();
        for (String name : names) {
            client.genericKubernetesResources(LOAD_BALANCERS)
                    .inNamespace("default")
                    .withName(name)
                    .delete();
        }
    }

    private static void seen(GenericKubernetesResource lb) {
        Map<String, Object> programmed = OperatorTargets.trueCondition(lb, "Programmed");
        if (programmed != null && programmed.get("observedGeneration") != null) {
            PROGRAMMED_AT.putIfAbsent(
                    lb.getMetadata().getName() + "/" + programmed.get("observedGeneration"), System.nanoTime());
        }
    }

    private static GenericKubernetesResource loadBalancer(String name, int idleTimeout) {
        return OperatorTargets.loadBalancer(
                name,
                Map.of(
                        "tier", "shared",
                        "listeners",
                                List.of(Map.of(
                                        "name",
                                        "web",
                                        "protocol",
                                        "HTTP",
                                        "port",
                                        80,
                                        "idleTimeoutSeconds",
                                        idleTimeout)),
                        "backends", List.of(Map.of("service", Map.of("name", "demo-backend", "port", 8080)))));
    }

    /** The admin /config URI of each ready proxy pod of the instance. */
    private static List<String> admins(KubernetesClient client, String instance) {
        List<String> admins = new ArrayList<>();
        for (Pod p : client.pods()
                .inNamespace("default")
                .withLabel("app.kubernetes.io/instance", instance)
                .list()
                .getItems()) {
            if (p.getStatus() != null
                    && p.getStatus().getPodIP() != null
                    && p.getMetadata().getDeletionTimestamp() == null) {
                admins.add("http://" + p.getStatus().getPodIP() + ":9901/config");
            }
        }
        return admins;
    }

    private static List<String> versions(List<String> admins) {
        List<String> versions = new ArrayList<>();
        for (String admin : admins) {
            try {
                HttpResponse<Void> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create(admin))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                versions.add(r.headers().firstValue("X-Config-Version").orElse(null));
            } catch (IOException e) {
                versions.add(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                versions.add(null);
            }
        }
        return versions;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    /** Polls every 5 ms until the check holds; the System.nanoTime() when it first did. */
    private static long await(Check check, Duration limit, String what) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return System.nanoTime();
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        throw new IllegalStateException("waited " + limit.toSeconds() + " s for " + what);
    }
}
