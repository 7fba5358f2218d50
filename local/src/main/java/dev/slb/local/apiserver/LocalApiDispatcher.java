package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers what kubectl needs before it touches any object (version and discovery) and hands
 * everything else to fabric8's CRUD dispatcher, which stores the objects.
 *
 * <p>Discovery is served in the legacy, unaggregated form only: kubectl 1.27+ first asks for
 * {@code application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList}; an answer whose
 * Content-Type is plain {@code application/json} makes it fall back to {@code /api}, {@code /apis}
 * and one request per group version.
 */
final class LocalApiDispatcher extends Dispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(LocalApiDispatcher.class);
  static final String CRD_LIST_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final String JSON = "application/json";

  private final KubernetesCrudDispatcher storage;
  private final ObjectMapper mapper = new ObjectMapper();
  private final IntSupplier port;
  private final Map<String, String> versionInfo;

  LocalApiDispatcher(KubernetesCrudDispatcher storage, IntSupplier port, Map<String, String> versionInfo) {
    this.storage = storage;
    this.port = port;
    this.versionInfo = versionInfo;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String fullPath = request.getPath() == null ? "/" : request.getPath();
    int q = fullPath.indexOf('?');
    String path = q < 0 ? fullPath : fullPath.substring(0, q);
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    LOG.debug("{} {}", request.getMethod(), fullPath);
    if ("GET".equalsIgnoreCase(request.getMethod())) {
      MockResponse discovery = discovery(path);
      if (discovery != null) {
        return discovery;
      }
    }
    String contentType = request.getHeader("Content-Type");
    if (request.getBody() != null && request.getBody().size() > 0 && contentType != null
        && contentType.toLowerCase(java.util.Locale.ROOT).contains("protobuf")) {
      try {
        java.util.Optional<ObjectNode> json = ProtobufBodies.toJson(request.getBody().getBytes(), mapper);
        if (json.isPresent()) {
          request = asJson(request, json.get());
          contentType = JSON;
        }
      } catch (ProtobufBodies.Unsupported e) {
        return status(415, "UnsupportedMediaType", e.getMessage());
      }
    }
    if (request.getBody() != null && request.getBody().size() > 0 && contentType != null
        && !contentType.toLowerCase(java.util.Locale.ROOT).contains("json")) {
      // fabric8's storage parses every body as JSON; any other body (CBOR, ...) would hang it.
      return status(415, "UnsupportedMediaType", "the local API server accepts JSON bodies only, not "
          + contentType);
    }
    if (path.startsWith(CRD_LIST_PATH) && !path.endsWith("/status")
        && ("POST".equalsIgnoreCase(request.getMethod()) || "PUT".equalsIgnoreCase(request.getMethod()))
        && request.getBody() != null && request.getBody().size() > 0) {
      request = withEstablishedStatus(request);
    }
    MockResponse response = storage.dispatch(request);
    return completeResponse(response, path);
  }

  @Override
  public void shutdown() {
    storage.shutdown();
  }

  /** Returns the discovery answer for {@code path}, or null when the path names objects. */
  MockResponse discovery(String path) {
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
      return versions.isEmpty() ? notFound(path) : json(200, apiGroup(s[1], versions));
    }
    if (s.length == 3 && s[0].equals("apis")) {
      String gv = s[1] + "/" + s[2];
      List<BuiltinResources.Resource> resources = groupVersions().get(gv);
      return resources == null ? notFound(path) : json(200, resourceList(gv, resources));
    }
    if (path.startsWith("/openapi/")) {
      return OpenApi.SHARED.respond(path, storedCrds());
    }
    return null;
  }

  /** Every served group version ("group/version") with its resources: built-ins, then CRDs. */
  Map<String, List<BuiltinResources.Resource>> groupVersions() {
    Map<String, List<BuiltinResources.Resource>> result = new LinkedHashMap<>();
    for (String group : BuiltinResources.GROUPS) {
      for (BuiltinResources.Resource r : BuiltinResources.RESOURCES) {
        if (r.group().equals(group)) {
          result.computeIfAbsent(r.groupVersion(), k -> new ArrayList<>()).add(r);
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
        list.add(new BuiltinResources.Resource(group, v, plural,
            names.path("singular").asText(kind.toLowerCase(java.util.Locale.ROOT)), kind, namespaced,
            shortNames, BuiltinResources.ALL_VERBS));
        if (version.path("subresources").has("status")) {
          list.add(new BuiltinResources.Resource(group, v, plural + "/status", "", kind, namespaced,
              List.of(), BuiltinResources.SUBRESOURCE_VERBS));
        }
        if (version.path("subresources").has("scale")) {
          list.add(new BuiltinResources.Resource(group, v, plural + "/scale", "", "Scale", namespaced,
              List.of(), BuiltinResources.SUBRESOURCE_VERBS));
        }
      }
    }
    return result;
  }

  /** The CustomResourceDefinitions held in storage, read through the storage's own GET. */
  List<JsonNode> storedCrds() {
    MockResponse response = storage.handleGet(CRD_LIST_PATH);
    List<JsonNode> crds = new ArrayList<>();
    if (response.code() != 200 || response.getBody() == null) {
      return crds;
    }
    try {
      JsonNode list = mapper.readTree(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
      list.path("items").forEach(crds::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return crds;
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
    g.putObject("preferredVersion").put("groupVersion", group + "/" + versions.get(0))
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
      ArrayNode verbs = item.putArray("verbs");
      r.verbs().forEach(verbs::add);
      if (!r.shortNames().isEmpty()) {
        ArrayNode shortNames = item.putArray("shortNames");
        r.shortNames().forEach(shortNames::add);
      }
    }
    return list;
  }

  private MockResponse completeResponse(MockResponse response, String path) {
    if (response.code() == 404 && (response.getBody() == null || response.getBody().size() == 0)) {
      return notFound(path);
    }
    if (response.header("Content-Type") == null && response.code() != 101
        && response.getWebSocketListener() == null) {
      response.setHeader("Content-Type", JSON);
    }
    return response;
  }

  /** A Status body, so that kubectl says what was not found rather than a bare 404. */
  MockResponse notFound(String path) {
    String[] s = path.substring(1).split("/");
    String resource = "";
    String name = "";
    String group = "";
    int first = s.length > 0 && s[0].equals("api") ? 2 : 3;
    if (s.length > 0 && s[0].equals("apis") && s.length > 1) {
      group = s[1];
    }
    List<String> rest = new ArrayList<>(List.of(s).subList(Math.min(first, s.length), s.length));
    if (rest.size() >= 2 && rest.get(0).equals("namespaces") && rest.size() > 2) {
      rest = rest.subList(2, rest.size());
    }
    if (!rest.isEmpty()) {
      resource = rest.get(0);
    }
    if (rest.size() > 1) {
      name = rest.get(1);
    }
    String qualified = group.isEmpty() ? resource : resource + "." + group;
    ObjectNode status = mapper.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", name.isEmpty()
        ? "the server could not find the requested resource"
        : qualified + " \"" + name + "\" not found");
    status.put("reason", "NotFound");
    ObjectNode details = status.putObject("details");
    if (!name.isEmpty()) {
      details.put("name", name);
      details.put("group", group);
      details.put("kind", resource);
    }
    status.put("code", 404);
    return json(404, status);
  }

  /**
   * There is no CRD controller here, so a CRD is accepted and established as it is stored: its
   * status gets acceptedNames, storedVersions and the NamesAccepted and Established conditions,
   * so that {@code kubectl wait --for condition=established} can succeed.
   */
  private RecordedRequest withEstablishedStatus(RecordedRequest request) {
    JsonNode parsed;
    try {
      parsed = mapper.readTree(request.getBody().getBytes());
    } catch (IOException e) {
      return request; // let the storage report the malformed body
    }
    if (!(parsed instanceof ObjectNode crd) || !crd.path("spec").isObject()) {
      return request;
    }
    ObjectNode status = crd.withObjectProperty("status");
    status.set("acceptedNames", crd.path("spec").path("names").deepCopy());
    ArrayNode stored = status.putArray("storedVersions");
    for (JsonNode v : crd.path("spec").path("versions")) {
      if (v.path("storage").asBoolean(false)) {
        stored.add(v.path("name").asText());
      }
    }
    String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    ArrayNode conditions = status.putArray("conditions");
    conditions.addObject().put("type", "NamesAccepted").put("status", "True")
        .put("reason", "NoConflicts").put("message", "no conflicts found").put("lastTransitionTime", now);
    conditions.addObject().put("type", "Established").put("status", "True")
        .put("reason", "InitialNamesAccepted").put("message", "the initial names have been accepted")
        .put("lastTransitionTime", now);
    return asJson(request, crd);
  }

  private RecordedRequest asJson(RecordedRequest request, ObjectNode body) {
    io.fabric8.mockwebserver.http.Headers.Builder headers = request.getHeaders().newBuilder();
    headers.set("Content-Type", JSON);
    try {
      return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(),
          headers.build(), new Buffer(mapper.writeValueAsBytes(body)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  MockResponse status(int code, String reason, String message) {
    ObjectNode status = mapper.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    status.put("code", code);
    return json(code, status);
  }

  private MockResponse json(int code, JsonNode body) {
    try {
      return new MockResponse().setResponseCode(code)
          .setHeader("Content-Type", JSON)
          .setBody(new Buffer(mapper.writeValueAsBytes(body)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
