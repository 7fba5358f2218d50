package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Answers what clients ask before they touch any object: {@code /version}, the discovery
 * documents for the built-in kinds and the stored CRDs, and OpenAPI.
 *
 * <p>Discovery is served in the legacy, unaggregated form only: kubectl 1.27+ first asks for
 * {@code application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList}; an answer whose
 * Content-Type is plain {@code application/json} makes it fall back to {@code /api}, {@code /apis}
 * and one request per group version.
 */
final class Discovery {

    private static final ResourcePath CRDS =
            new ResourcePath("apiextensions.k8s.io", "v1", null, "customresourcedefinitions", null, null);
    private static final String JSON = "application/json";

    private final Storage storage;
    private final ObjectMapper mapper;
    private final IntSupplier port;
    private final Map<String, String> versionInfo;

    Discovery(Storage storage, ObjectMapper mapper, IntSupplier port, Map<String, String> versionInfo) {
        this.storage = storage;
        this.mapper = mapper;
        this.port = port;
        this.versionInfo = versionInfo;
    }

    /** Returns the answer for {@code path}, or null when the path names objects. */
    ApiResponse.Reply answer(String path, String accept) {
        String[] s = path.substring(1).split("/", -1);
        if (path.equals("/version")) {
            return json(200, mapper.valueToTree(versionInfo));
        }
        if (path.equals("/")) {
            ObjectNode root = mapper.createObjectNode();
            ArrayNode paths = root.putArray("paths");
            paths.add("/api").add("/api/v1").add("/apis").add("/version");
            for (String gv : groupVersions().keySet()) {
                paths.add("/apis/" + gv.substring(0, gv.indexOf('/')));
                paths.add("/apis/" + gv);
            }
            return json(200, root);
        }
        if (path.equals("/api")) {
            ObjectNode versions = mapper.createObjectNode();
            versions.put("kind", "APIVersions");
            versions.putArray("versions").add("v1");
            ObjectNode cidr = versions.putArray("serverAddressByClientCIDRs").addObject();
            cidr.put("clientCIDR", "0.0.0.0/0");
            cidr.put("serverAddress", "127.0.0.1:" + port.getAsInt());
            return json(200, versions);
        }
        if (path.equals("/api/v1")) {
            return json(200, resourceList("v1", resourcesOf("v1")));
        }
        if (path.equals("/apis")) {
            ObjectNode list = mapper.createObjectNode();
            list.put("kind", "APIGroupList");
            list.put("apiVersion", "v1");
            ArrayNode groups = list.putArray("groups");
            Map<String, List<String>> byGroup = new LinkedHashMap<>();
            for (String gv : groupVersions().keySet()) {
                String[] parts = gv.split("/");
                byGroup.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[1]);
            }
            byGroup.forEach((group, versions) -> groups.add(apiGroup(group, versions)));
            return json(200, list);
        }
        if (s.length == 2 && s[0].equals("apis")) {
            List<String> versions = new ArrayList<>();
            for (String gv : groupVersions().keySet()) {
                if (gv.startsWith(s[1] + "/")) {
                    versions.add(gv.substring(s[1].length() + 1));
                }
            }
            return versions.isEmpty() ? null : json(200, apiGroup(s[1], versions));
        }
        if (s.length == 3 && s[0].equals("apis")) {
            String gv = s[1] + "/" + s[2];
            List<BuiltinResources.Resource> resources = groupVersions().get(gv);
            return resources == null ? null : json(200, resourceList(gv, resources));
        }
        if (path.startsWith("/openapi/")) {
            OpenApi.Answer answer = OpenApi.SHARED.answer(path, accept, storedCrds());
            return new ApiResponse.Reply(answer.code(), answer.contentType(), answer.body());
        }
        return null;
    }

    /** Every served group version ("group/version") with its resources: built-ins, then CRDs. */
    Map<String, List<BuiltinResources.Resource>> groupVersions() {
        Map<String, List<BuiltinResources.Resource>> result = new LinkedHashMap<>();
        for (String group : BuiltinResources.GROUPS) {
            for (BuiltinResources.Resource r : BuiltinResources.RESOURCES) {
                if (r.group().equals(group)) {
                    result.computeIfAbsent(r.groupVersion(), k -> new ArrayList<>())
                            .add(r);
                }
            }
        }
        for (JsonNode crd : storedCrds()) {
            JsonNode spec = crd.path("spec");
            JsonNode names = spec.path("names");
            String group = spec.path("group").asText();
            String plural = names.path("plural").asText();
            if (group.isEmpty() || plural.isEmpty()) {
                continue;
            }
            boolean namespaced = !"Cluster".equals(spec.path("scope").asText("Namespaced"));
            List<String> shortNames = new ArrayList<>();
            names.path("shortNames").forEach(n -> shortNames.add(n.asText()));
            String kind = names.path("kind").asText();
            for (JsonNode version : spec.path("versions")) {
                if (!version.path("served").asBoolean(true)) {
                    continue;
                }
                String v = version.path("name").asText();
                List<BuiltinResources.Resource> list = result.computeIfAbsent(group + "/" + v, k -> new ArrayList<>());
                list.add(new BuiltinResources.Resource(
                        group,
                        v,
                        plural,
                        names.path("singular").asText(kind.toLowerCase(java.util.Locale.ROOT)),
                        kind,
                        namespaced,
                        shortNames,
                        BuiltinResources.ALL_VERBS));
                if (version.path("subresources").has("status")) {
                    list.add(new BuiltinResources.Resource(
                            group,
                            v,
                            plural + "/status",
                            "",
                            kind,
                            namespaced,
                            List.of(),
                            BuiltinResources.SUBRESOURCE_VERBS));
                }
                if (version.path("subresources").has("scale")) {
                    list.add(new BuiltinResources.Resource(
                            group,
                            v,
                            plural + "/scale",
                            "",
                            "Scale",
                            namespaced,
                            List.of(),
                            BuiltinResources.SUBRESOURCE_VERBS));
                }
            }
        }
        return result;
    }

    /** The CustomResourceDefinitions held in storage. */
    List<JsonNode> storedCrds() {
        return storage.list(CRDS);
    }

    private static List<BuiltinResources.Resource> resourcesOf(String groupVersion) {
        List<BuiltinResources.Resource> list = new ArrayList<>();
        for (BuiltinResources.Resource r : BuiltinResources.RESOURCES) {
            if (r.groupVersion().equals(groupVersion)) {
                list.add(r);
            }
        }
        return list;
    }

    private ObjectNode apiGroup(String group, List<String> versions) {
        ObjectNode g = mapper.createObjectNode();
        g.put("kind", "APIGroup");
        g.put("apiVersion", "v1");
        g.put("name", group);
        ArrayNode vs = g.putArray("versions");
        for (String v : versions) {
            vs.addObject().put("groupVersion", group + "/" + v).put("version", v);
        }
        // The first served version is preferred; CRD authors list the newest first by convention.
        g.putObject("preferredVersion")
                .put("groupVersion", group + "/" + versions.get(0))
                .put("version", versions.get(0));
        return g;
    }

    private ObjectNode resourceList(String groupVersion, List<BuiltinResources.Resource> resources) {
        ObjectNode list = mapper.createObjectNode();
        list.put("kind", "APIResourceList");
        list.put("apiVersion", "v1");
        list.put("groupVersion", groupVersion);
        ArrayNode items = list.putArray("resources");
        Set<String> seen = new LinkedHashSet<>();
        for (BuiltinResources.Resource r : resources) {
            if (!seen.add(r.name())) {
                continue;
            }
            ObjectNode item = items.addObject();
            item.put("name", r.name());
            item.put("singularName", r.singularName());
            item.put("namespaced", r.namespaced());
            item.put("kind", r.kind());
            if (r.kind().equals("Scale")) {
                // Clients find the Scale type's own group version here (kubectl scale does).
                item.put("group", "autoscaling").put("version", "v1");
            }
            ArrayNode verbs = item.putArray("verbs");
            r.verbs().forEach(verbs::add);
            if (!r.shortNames().isEmpty()) {
                ArrayNode shortNames = item.putArray("shortNames");
                r.shortNames().forEach(shortNames::add);
            }
        }
        return list;
    }

    private ApiResponse.Reply json(int code, JsonNode body) {
        try {
            return new ApiResponse.Reply(code, JSON, mapper.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
