package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.BuiltinKinds;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.kinds.Kinds;
import dev.slb.local.apiserver.openapi.OpenApi;
import dev.slb.local.apiserver.store.ObjectStore;
import dev.slb.local.apiserver.store.StoreException;
import dev.slb.local.apiserver.store.WatchCache;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's semantics, apart from HTTP: routes each request to discovery and OpenAPI, or
 * to the reads ({@link Reads}) and writes ({@link Writes}) of a served kind, and answers every
 * refusal as a {@code Status}.
 */
public final class LocalApi {

    private static final Logger LOG = LoggerFactory.getLogger(LocalApi.class);
    /** Namespaces a cluster has from the start. */
    static final List<String> INITIAL_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    private final Kinds kinds;
    private final Discovery discovery;
    private final Reads reads;
    private final Writes writes;
    private final PodProxy podProxy;

    public LocalApi(
            ObjectStore store,
            WatchCache watches,
            Kinds kinds,
            OpenApi openApi,
            Clock clock,
            IntSupplier port,
            Map<String, String> versionInfo) {
        this.kinds = kinds;
        this.discovery = new Discovery(kinds, openApi, port, versionInfo);
        this.reads = new Reads(store, watches, clock);
        this.writes = new Writes(store, clock);
        this.podProxy = new PodProxy(store, kinds.find("", "v1", "pods"));
    }

    /** Creates the namespaces every cluster starts with. */
    public void createInitialNamespaces() {
        Kind namespaces = BuiltinKinds.ALL.get(0);
        for (String name : INITIAL_NAMESPACES) {
            ObjectNode namespace =
                    Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
            namespace.putObject("metadata").put("name", name);
            ApiResponse r = handle(new ApiRequest(
                    "POST", namespaces.path(null), Map.of(), Json.TYPE, Json.TYPE, Json.bytes(namespace)));
            if (r instanceof ApiResponse.Reply reply && reply.status() != 201) {
                throw new IllegalStateException("cannot create namespace " + name + ": " + new String(reply.body()));
            }
        }
    }

    /** Sends every watch that allows bookmarks the current resourceVersion. */
    public void sendBookmarks() {
        reads.bookmarks();
    }

    public ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (ApiError e) {
            return Json.reply(e.code, e.toStatus());
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", request.method(), request.path(), e);
            return Json.reply(
                    500,
                    ApiError.status(
                            500,
                            "InternalError",
                            "the local API server failed on " + request.method() + " " + request.path() + ": " + e));
        }
    }

    private ApiResponse route(ApiRequest request) {
        String path = request.path().length() > 1 && request.path().endsWith("/")
                ? request.path().substring(0, request.path().length() - 1)
                : request.path();
        String method = request.method().toUpperCase(Locale.ROOT);
        if (method.equals("GET")) {
            ApiResponse.Reply answer = discovery.answer(path, request.accept());
            if (answer != null) {
                return answer;
            }
            ApiResponse.Reply proxied = podProxy.get(request, path);
            if (proxied != null) {
                return proxied;
            }
        }
        ResourcePath p = ResourcePath.parse(path);
        Kind kind = p == null ? null : kinds.find(p.group(), p.version(), p.resource());
        if (kind == null
                || (p.namespace() != null && !kind.namespaced())
                || (p.subresource() != null
                        && !(p.subresource().equals("status") && kind.status())
                        && !(p.subresource().equals("scale") && kind.scale()))) {
            throw ApiError.noSuchPath();
        }
        try {
            if ("scale".equals(p.subresource())) {
                return writes.scale(request, p, kind, method);
            }
            return switch (method) {
                case "GET" -> p.isCollection() ? reads.listOrWatch(request, p, kind) : reads.get(request, p, kind);
                case "POST" -> p.isCollection() ? writes.create(request, p, kind) : notAllowed(method, p);
                case "PUT" -> p.isCollection() ? notAllowed(method, p) : writes.update(request, p, kind);
                case "PATCH" -> p.isCollection() ? notAllowed(method, p) : writes.patch(request, p, kind);
                case "DELETE" ->
                    p.isCollection() ? writes.deleteCollection(request, p, kind) : writes.delete(request, p, kind);
                default -> notAllowed(method, p);
            };
        } catch (StoreException e) {
            throw switch (e.problem()) {
                case NOT_FOUND -> ApiError.notFound(kind, p.name() != null ? p.name() : e.getMessage());
                case ALREADY_EXISTS ->
                    new ApiError(409, "AlreadyExists", kind.qualified() + " \"" + e.getMessage() + "\" already exists");
                // client-go retries on reason Conflict only.
                case CONFLICT ->
                    ApiError.conflict(
                            kind,
                            e.getMessage(),
                            "the object has been modified; please apply your changes to the latest version and try"
                                    + " again");
            };
        }
    }

    private static ApiResponse notAllowed(String method, ResourcePath p) {
        throw new ApiError(405, "MethodNotAllowed", method + " is not supported on " + p);
    }

    /** Whether the request asks for a server-side dry run ({@code dryRun=All}, in the query or the options). */
    static boolean isDryRun(ApiRequest request, JsonNode options) {
        return "All".equals(request.param("dryRun"))
                || (options != null && options.path("dryRun").toString().contains("All"));
    }
}
