package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The defaults a cluster's API server fills in on creation, for the built-in kinds this project
 * creates, so that objects read back look as they do in a cluster (a Secret has a type, a
 * Namespace is Active, a Service has a type and target ports, a Deployment a replica count and a
 * strategy).
 */
final class Defaults {

    private Defaults() {}

    static void apply(String group, String kind, ObjectNode object) {
        switch (group + "/" + kind) {
            case "/Secret" -> {
                putIfAbsent(object, "type", "Opaque");
            }
            case "/Namespace" -> {
                String name = object.path("metadata").path("name").asText();
                object.withObject("metadata").withObject("labels").put("kubernetes.io/metadata.name", name);
                object.withObject("spec").withArray("finalizers");
                object.withObject("status").put("phase", "Active");
            }
            case "/Service" -> {
                service(object.withObject("spec"));
                object.withObject("status").withObject("loadBalancer");
            }
            case "apps/Deployment" -> deployment(object.withObject("spec"));
            case "/Event" -> {
                putIfAbsent(object, "type", "Normal");
            }
            default -> {
                // no defaults
            }
        }
    }

    private static void service(ObjectNode spec) {
        putIfAbsent(spec, "type", "ClusterIP");
        putIfAbsent(spec, "sessionAffinity", "None");
        for (JsonNode port : spec.path("ports")) {
            ObjectNode p = (ObjectNode) port;
            putIfAbsent(p, "protocol", "TCP");
            if (!p.has("targetPort") && p.has("port")) {
                p.set("targetPort", p.get("port"));
            }
        }
    }

    private static void deployment(ObjectNode spec) {
        if (!spec.has("replicas")) {
            spec.put("replicas", 1);
        }
        if (!spec.has("revisionHistoryLimit")) {
            spec.put("revisionHistoryLimit", 10);
        }
        if (!spec.has("progressDeadlineSeconds")) {
            spec.put("progressDeadlineSeconds", 600);
        }
        ObjectNode strategy = spec.withObject("strategy");
        putIfAbsent(strategy, "type", "RollingUpdate");
        if (strategy.path("type").asText().equals("RollingUpdate")) {
            ObjectNode rolling = strategy.withObject("rollingUpdate");
            putIfAbsent(rolling, "maxUnavailable", "25%");
            putIfAbsent(rolling, "maxSurge", "25%");
        }
        ObjectNode pod = spec.withObject("template").withObject("spec");
        putIfAbsent(pod, "restartPolicy", "Always");
        putIfAbsent(pod, "dnsPolicy", "ClusterFirst");
        putIfAbsent(pod, "schedulerName", "default-scheduler");
        if (!pod.has("terminationGracePeriodSeconds")) {
            pod.put("terminationGracePeriodSeconds", 30);
        }
    }

    /** Sets a string field that is missing, null or empty (as an empty string is unset in Go). */
    private static void putIfAbsent(ObjectNode node, String field, String value) {
        if (node.path(field).asText("").isEmpty()) {
            node.put(field, value);
        }
    }
}
