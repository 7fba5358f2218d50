package dev.slb.local.apiserver.printing;

import static dev.slb.local.apiserver.printing.Cells.age;
import static dev.slb.local.apiserver.printing.Cells.at;
import static dev.slb.local.apiserver.printing.Cells.firstText;
import static dev.slb.local.apiserver.printing.Cells.formatLabels;
import static dev.slb.local.apiserver.printing.Cells.items;
import static dev.slb.local.apiserver.printing.Cells.join;
import static dev.slb.local.apiserver.printing.Cells.name;
import static dev.slb.local.apiserver.printing.Cells.num;
import static dev.slb.local.apiserver.printing.Cells.orElse;
import static dev.slb.local.apiserver.printing.Cells.parseTime;
import static dev.slb.local.apiserver.printing.Cells.selectorString;
import static dev.slb.local.apiserver.printing.Cells.since;
import static dev.slb.local.apiserver.printing.Cells.str;
import static dev.slb.local.apiserver.printing.Cells.texts;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The cells of the built-in kinds whose columns take more than a field each, as the real server computes them. */
final class BuiltinCells {

    private BuiltinCells() {}

    static List<Object> serviceCells(JsonNode svc, Instant now) {
        // Defaults the real server fills in on create, which the local storage does not.
        String type = orElse(str(svc, "spec", "type"), "ClusterIP");
        String clusterIp = firstText(at(svc, "spec", "clusterIPs"));
        if (clusterIp.isEmpty()) {
            clusterIp = str(svc, "spec", "clusterIP");
        }
        List<String> ports = new ArrayList<>();
        for (JsonNode port : items(svc, "spec", "ports")) {
            String protocol = orElse(str(port, "protocol"), "TCP");
            long nodePort = num(port, "nodePort");
            ports.add(
                    nodePort > 0
                            ? num(port, "port") + ":" + nodePort + "/" + protocol
                            : num(port, "port") + "/" + protocol);
        }
        return List.of(
                name(svc),
                type,
                orElse(clusterIp, "<none>"),
                externalIp(svc, type),
                ports.isEmpty() ? "<none>" : String.join(",", ports),
                age(svc, now),
                formatLabels(at(svc, "spec", "selector")));
    }

    static String externalIp(JsonNode svc, String type) {
        List<String> externalIps = texts(at(svc, "spec", "externalIPs"));
        switch (type) {
            case "ClusterIP", "NodePort" -> {
                return externalIps.isEmpty() ? "<none>" : String.join(",", externalIps);
            }
            case "LoadBalancer" -> {
                // Sorted and deduplicated, the way the server's string set lists them.
                TreeSet<String> ingress = new TreeSet<>();
                for (JsonNode point : items(svc, "status", "loadBalancer", "ingress")) {
                    String ip = str(point, "ip");
                    String hostname = str(point, "hostname");
                    if (!ip.isEmpty()) {
                        ingress.add(ip);
                    } else if (!hostname.isEmpty()) {
                        ingress.add(hostname);
                    }
                }
                List<String> all = new ArrayList<>(ingress);
                all.addAll(externalIps);
                return all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            case "ExternalName" -> {
                return str(svc, "spec", "externalName");
            }
            default -> {
                return "<unknown>";
            }
        }
    }

    static List<Object> deploymentCells(JsonNode deployment, Instant now) {
        List<JsonNode> containers = items(deployment, "spec", "template", "spec", "containers");
        String selector = selectorString(at(deployment, "spec", "selector"));
        return List.of(
                name(deployment),
                num(deployment, "status", "readyReplicas") + "/" + replicas(deployment),
                num(deployment, "status", "updatedReplicas"),
                num(deployment, "status", "availableReplicas"),
                age(deployment, now),
                join(containers, "name"),
                join(containers, "image"),
                selector == null ? "<invalid>" : selector);
    }

    /** spec.replicas, or the 1 the real server defaults it to. */
    static long replicas(JsonNode object) {
        JsonNode replicas = at(object, "spec", "replicas");
        return replicas.isNumber() ? replicas.longValue() : 1;
    }

    static List<Object> roleBindingCells(JsonNode binding, Instant now) {
        List<String> users = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<String> serviceAccounts = new ArrayList<>();
        for (JsonNode subject : items(binding, "subjects")) {
            switch (str(subject, "kind")) {
                case "User" -> users.add(str(subject, "name"));
                case "Group" -> groups.add(str(subject, "name"));
                case "ServiceAccount" -> serviceAccounts.add(str(subject, "namespace") + "/" + str(subject, "name"));
                default -> {
                    // The server lists other kinds nowhere in the table either.
                }
            }
        }
        return List.of(
                name(binding),
                str(binding, "roleRef", "kind") + "/" + str(binding, "roleRef", "name"),
                age(binding, now),
                String.join(", ", users),
                String.join(", ", groups),
                String.join(", ", serviceAccounts));
    }

    /** Both core/v1 and events.k8s.io/v1 events, the latter's fields read under their own names. */
    static List<Object> eventCells(JsonNode event, Instant now) {
        boolean core =
                !str(event, "apiVersion").startsWith("events.k8s.io/") && !event.has("regarding") && !event.has("note");
        String firstSeenAt = str(event, core ? "firstTimestamp" : "deprecatedFirstTimestamp");
        String firstSeen = since(parseTime(firstSeenAt) == null ? str(event, "eventTime") : firstSeenAt, now);
        String lastSeenAt = str(event, core ? "lastTimestamp" : "deprecatedLastTimestamp");
        String lastSeen = parseTime(lastSeenAt) == null ? firstSeen : since(lastSeenAt, now);
        long count = num(event, core ? "count" : "deprecatedCount");
        if (at(event, "series").isObject()) {
            lastSeen = since(str(event, "series", "lastObservedTime"), now);
            count = num(event, "series", "count");
        } else if (count == 0) {
            // Singleton events of the new API carry no count.
            count = 1;
        }
        JsonNode regarding = at(event, core ? "involvedObject" : "regarding");
        String kind = str(regarding, "kind").toLowerCase(Locale.ROOT);
        String target = str(regarding, "name").isEmpty() ? kind : kind + "/" + str(regarding, "name");
        JsonNode source = at(event, core ? "source" : "deprecatedSource");
        String component =
                orElse(str(source, "component"), str(event, core ? "reportingComponent" : "reportingController"));
        String host = orElse(str(source, "host"), str(event, "reportingInstance"));
        return List.of(
                lastSeen,
                str(event, "type"),
                str(event, "reason"),
                target,
                str(regarding, "fieldPath"),
                host.isEmpty() ? component : component + ", " + host,
                str(event, core ? "message" : "note").strip(),
                firstSeen,
                count,
                name(event));
    }

    /** Up to three host:port pairs of ready addresses, then "+ N more...". */
    static String slicePorts(JsonNode slice) {
        List<String> shown = new ArrayList<>();
        int count = 0;
        for (JsonNode port : items(slice, "ports")) {
            if (shown.size() < 3) {
                shown.add(
                        at(port, "port").isNumber()
                                ? Long.toString(num(port, "port"))
                                : orElse(str(port, "name"), "*"));
            }
            count++;
        }
        return listWithMore(shown, count);
    }

    static String sliceEndpoints(JsonNode slice) {
        List<String> shown = new ArrayList<>();
        int count = 0;
        for (JsonNode endpoint : items(slice, "endpoints")) {
            for (JsonNode address : items(endpoint, "addresses")) {
                if (shown.size() < 3) {
                    shown.add(address.asText());
                }
                count++;
            }
        }
        return listWithMore(shown, count);
    }

    static String listWithMore(List<String> shown, int count) {
        String joined = String.join(",", shown);
        if (count > shown.size()) {
            return joined + " + " + (count - shown.size()) + " more...";
        }
        return joined.isEmpty() ? "<unset>" : joined;
    }
}
