package dev.slb.local.apiserver.printing;

import static dev.slb.local.apiserver.printing.Cells.age;
import static dev.slb.local.apiserver.printing.Cells.at;
import static dev.slb.local.apiserver.printing.Cells.humanDuration;
import static dev.slb.local.apiserver.printing.Cells.items;
import static dev.slb.local.apiserver.printing.Cells.later;
import static dev.slb.local.apiserver.printing.Cells.name;
import static dev.slb.local.apiserver.printing.Cells.num;
import static dev.slb.local.apiserver.printing.Cells.orElse;
import static dev.slb.local.apiserver.printing.Cells.parseTime;
import static dev.slb.local.apiserver.printing.Cells.str;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A Pod's row as kubectl shows it: READY, STATUS and RESTARTS walk init containers, then containers. */
final class PodCells {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private PodCells() {}

    static ArrayNode podConditions(JsonNode pod) {
        String phase = str(pod, "status", "phase");
        if (!phase.equals("Succeeded") && !phase.equals("Failed")) {
            return null;
        }
        ArrayNode conditions = JSON.arrayNode();
        ObjectNode completed = conditions.addObject();
        completed.put("type", "Completed");
        completed.put("status", "True");
        completed.put("reason", phase);
        completed.put("message", phase.equals("Succeeded") ? "The pod has completed successfully." : "The pod failed.");
        return conditions;
    }

    /** READY, STATUS and RESTARTS as kubectl shows them, walking init containers then containers. */
    static List<Object> podCells(JsonNode pod, Instant now) {
        // A real server stores every new pod with phase Pending; the local storage may not.
        String phase = orElse(str(pod, "status", "phase"), "Pending");
        String reason = orElse(str(pod, "status", "reason"), phase);
        for (JsonNode condition : items(pod, "status", "conditions")) {
            if (str(condition, "type").equals("PodScheduled")
                    && str(condition, "reason").equals("SchedulingGated")) {
                reason = "SchedulingGated";
            }
        }

        List<JsonNode> initSpecs = items(pod, "spec", "initContainers");
        Map<String, Boolean> sidecars = new HashMap<>();
        int total = items(pod, "spec", "containers").size();
        for (JsonNode init : initSpecs) {
            boolean sidecar = str(init, "restartPolicy").equals("Always");
            sidecars.put(str(init, "name"), sidecar);
            if (sidecar) {
                total++;
            }
        }

        int ready = 0;
        long restarts = 0;
        long sidecarRestarts = 0;
        Instant lastRestart = null;
        Instant lastSidecarRestart = null;
        boolean initializing = false;
        List<JsonNode> initStatuses = items(pod, "status", "initContainerStatuses");
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode status = initStatuses.get(i);
            boolean sidecar = sidecars.getOrDefault(str(status, "name"), false);
            restarts += num(status, "restartCount");
            Instant finished = parseTime(str(status, "lastState", "terminated", "finishedAt"));
            lastRestart = later(lastRestart, finished);
            if (sidecar) {
                sidecarRestarts += num(status, "restartCount");
                lastSidecarRestart = later(lastSidecarRestart, finished);
            }
            JsonNode terminated = at(status, "state", "terminated");
            JsonNode waiting = at(status, "state", "waiting");
            if (terminated.isObject() && num(terminated, "exitCode") == 0) {
                continue;
            }
            if (sidecar && at(status, "started").asBoolean(false)) {
                if (at(status, "ready").asBoolean(false)) {
                    ready++;
                }
                continue;
            }
            if (terminated.isObject()) {
                reason = !str(terminated, "reason").isEmpty()
                        ? "Init:" + str(terminated, "reason")
                        : num(terminated, "signal") != 0
                                ? "Init:Signal:" + num(terminated, "signal")
                                : "Init:ExitCode:" + num(terminated, "exitCode");
            } else if (waiting.isObject()
                    && !str(waiting, "reason").isEmpty()
                    && !str(waiting, "reason").equals("PodInitializing")) {
                reason = "Init:" + str(waiting, "reason");
            } else {
                reason = "Init:" + i + "/" + initSpecs.size();
            }
            initializing = true;
            break;
        }

        if (!initializing || conditionTrue(pod, "Initialized")) {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            boolean hasRunning = false;
            List<JsonNode> statuses = items(pod, "status", "containerStatuses");
            // Backwards, so the first container's state is the one the STATUS column ends on.
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode status = statuses.get(i);
                restarts += num(status, "restartCount");
                lastRestart = later(lastRestart, parseTime(str(status, "lastState", "terminated", "finishedAt")));
                JsonNode waiting = at(status, "state", "waiting");
                JsonNode terminated = at(status, "state", "terminated");
                if (waiting.isObject() && !str(waiting, "reason").isEmpty()) {
                    reason = str(waiting, "reason");
                } else if (terminated.isObject() && !str(terminated, "reason").isEmpty()) {
                    reason = str(terminated, "reason");
                } else if (terminated.isObject()) {
                    reason = num(terminated, "signal") != 0
                            ? "Signal:" + num(terminated, "signal")
                            : "ExitCode:" + num(terminated, "exitCode");
                } else if (at(status, "ready").asBoolean(false)
                        && at(status, "state", "running").isObject()) {
                    hasRunning = true;
                    ready++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = conditionTrue(pod, "Ready") ? "Running" : "NotReady";
            }
        }

        boolean deleting = !str(pod, "metadata", "deletionTimestamp").isEmpty();
        if (deleting && str(pod, "status", "reason").equals("NodeLost")) {
            reason = "Unknown";
        } else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) {
            reason = "Terminating";
        }

        String restartText = restarts != 0 && lastRestart != null
                ? restarts + " (" + humanDuration(Duration.between(lastRestart, now)) + " ago)"
                : Long.toString(restarts);

        String podIp = str(at(pod, "status", "podIPs").path(0), "ip");
        if (podIp.isEmpty()) {
            podIp = str(pod, "status", "podIP");
        }
        String readinessGates = "<none>";
        List<JsonNode> gates = items(pod, "spec", "readinessGates");
        if (!gates.isEmpty()) {
            int trueGates = 0;
            for (JsonNode gate : gates) {
                for (JsonNode condition : items(pod, "status", "conditions")) {
                    if (str(condition, "type").equals(str(gate, "conditionType"))) {
                        if (str(condition, "status").equals("True")) {
                            trueGates++;
                        }
                        break;
                    }
                }
            }
            readinessGates = trueGates + "/" + gates.size();
        }
        return List.of(
                name(pod),
                ready + "/" + total,
                reason,
                restartText,
                age(pod, now),
                orElse(podIp, "<none>"),
                orElse(str(pod, "spec", "nodeName"), "<none>"),
                orElse(str(pod, "status", "nominatedNodeName"), "<none>"),
                readinessGates);
    }

    private static boolean conditionTrue(JsonNode pod, String type) {
        for (JsonNode condition : items(pod, "status", "conditions")) {
            if (str(condition, "type").equals(type) && str(condition, "status").equals("True")) {
                return true;
            }
        }
        return false;
    }
}
