package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.kinds.Kinds;
import dev.slb.local.apiserver.openapi.OpenApi;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Answers what clients ask before they touch any object: {@code /version}, the discovery
 * documents of the served kinds, and OpenAPI.
 *
 * <p>Discovery is served in the legacy, unaggregated form only: kubectl 1.27+ first asks for
 * {@code application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList}; an answer whose
 * Content-Type is plain {@code application/json} makes it fall back to {@code /api}, {@code /apis}
 * and one request per group version.
 */
final class Discovery {

    private static final List<String> VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

    private final Kinds kinds;
    private final OpenApi openApi;
    private final IntSupplier port;
    private final Map<String, String> versionInfo;

    Discovery(Kinds kinds, OpenApi openApi, IntSupplier port, Map<String, String> versionInfo) {
        this.kinds = kinds;
        this.openApi = openApi;
        this.port = port;
        this.versionInfo = versionInfo;
    }

    /** The answer for {@code path}, or null when the path names objects. */
    ApiResponse.Reply answer(String path, String accept) {
        Map<String, List<Kind>> groupVersions = kinds.groupVersions();
        String[] s = path.substring(1).split("/", -1);
        if (path.equals("/version")) {
            return Json.reply(200, Json.MAPPER.valueToTree(versionInfo));
        }
        if (path.startsWith("/openapi/")) {
            OpenApi.Answer answer = openApi.answer(path, accept, kinds);
            return new ApiResponse.Reply(answer.code(), answer.contentType(), answer.body());
        }
        if (path.equals("/")) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            ArrayNode paths = root.putArray("paths")
                    .add("/api")
                    .add("/api/v1")
                    .add("/apis")
                    .add("/version");
            groupVersions.keySet().stream()
                    .filter(gv -> gv.contains("/"))
                    .forEach(gv -> paths.add("/apis/" + gv.substring(0, gv.indexOf('/')))
                            .add("/apis/" + gv));
            return Json.reply(200, root);
        }
        if (path.equals("/api")) {
            ObjectNode versions = Json.MAPPER.createObjectNode().put("kind", "APIVersions");
            versions.putArray("versions").add("v1");
            versions.putArray("serverAddressByClientCIDRs")
                    .addObject()
                    .put("clientCIDR", "0.0.0.0/0")
                    .put("serverAddress", "127.0.0.1:" + port.getAsInt());
            return Json.reply(200, versions);
        }
        if (path.equals("/api/v1")) {
            return Json.reply(200, resourceList("v1", groupVersions.get("v1")));
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (String gv : groupVersions.keySet()) {
            if (gv.contains("/")) {
                String[] parts = gv.split("/");
                groups.computeIfAbsent(parts[0], g -> new ArrayList<>()).add(parts[1]);
            }
        }
        if (path.equals("/apis")) {
            ObjectNode list =
                    Json.MAPPER.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
            ArrayNode items = list.putArray("groups");
            groups.forEach((group, versions) -> items.add(apiGroup(group, versions)));
            return Json.reply(200, list);
        }
        if (s.length == 2 && s[0].equals("apis") && groups.containsKey(s[1])) {
            return Json.reply(200, apiGroup(s[1], groups.get(s[1])));
        }
        if (s.length == 3 && s[0].equals("apis") && groupVersions.containsKey(s[1] + "/" + s[2])) {
            return Json.reply(200, resourceList(s[1] + "/" + s[2], groupVersions.get(s[1] + "/" + s[2])));
        }
        return null;
    }

    private static ObjectNode apiGroup(String group, List<String> versions) {
        ObjectNode g = Json.MAPPER.createObjectNode().put("kind", "APIGroup").put("apiVersion", "v1");
        g.put("name", group);
        ArrayNode vs = g.putArray("versions");
        versions.forEach(
                v -> vs.addObject().put("groupVersion", group + "/" + v).put("version", v));
        // The first served version is preferred; CRD authors list the newest first by convention.
        g.putObject("preferredVersion")
                .put("groupVersion", group + "/" + versions.get(0))
                .put("version", versions.get(0));
        return g;
    }

    private static ObjectNode resourceList(String groupVersion, List<Kind> resources) {
        ObjectNode list =
                Json.MAPPER.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1");
        list.put("groupVersion", groupVersion);
        ArrayNode items = list.putArray("resources");
        for (Kind k : resources) {
            ObjectNode item = resource(items, k.plural(), k.singular(), k.namespaced(), k.kind(), VERBS);
            if (!k.shortNames().isEmpty()) {
                k.shortNames().forEach(item.putArray("shortNames")::add);
            }
            if (k.status()) {
                resource(items, k.plural() + "/status", "", k.namespaced(), k.kind(), SUBRESOURCE_VERBS);
            }
            if (k.scale()) {
                // Clients find the Scale type's own group version here (kubectl scale does).
                resource(items, k.plural() + "/scale", "", k.namespaced(), "Scale", SUBRESOURCE_VERBS)
                        .put("group", "autoscaling")
                        .put("version", "v1");
            }
        }
        return list;
    }

    private static ObjectNode resource(
            ArrayNode items, String name, String singular, boolean namespaced, String kind, List<String> verbs) {
        ObjectNode item = items.addObject();
        item.put("name", name)
                .put("singularName", singular)
                .put("namespaced", namespaced)
                .put("kind", kind);
        verbs.forEach(item.putArray("verbs")::add);
        return item;
    }
}
