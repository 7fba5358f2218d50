package dev.slb.local.apiserver.openapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.kinds.BuiltinKinds;
import dev.slb.local.apiserver.kinds.Kind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The built-in kinds of {@link BuiltinKinds} and their schemas, built once. */
final class BuiltinSchemas {

    static final List<Routes.Served> KINDS;
    static final Map<String, ObjectNode> SCHEMAS;

    static {
        Map<String, Class<?>> classes = new HashMap<>();
        ServiceLoader.load(KubernetesResource.class, KubernetesResource.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::type)
                .filter(HasMetadata.class::isAssignableFrom)
                .forEach(type -> {
                    @SuppressWarnings("unchecked")
                    Class<? extends HasMetadata> resource = (Class<? extends HasMetadata>) type;
                    classes.putIfAbsent(
                            HasMetadata.getApiVersion(resource) + "/" + HasMetadata.getKind(resource), type);
                });
        OpenApiModels models = new OpenApiModels();
        models.add(Status.class);
        List<Routes.Served> kinds = new ArrayList<>();
        for (Kind r : BuiltinKinds.ALL) {
            Class<?> type = classes.get(r.apiVersion() + "/" + r.kind());
            if (type == null) {
                continue;
            }
            String schema = models.addKind(type, r.group(), r.version(), r.kind());
            String listSchema = null;
            try {
                Class<?> listType = Class.forName(type.getName() + "List", false, type.getClassLoader());
                listSchema = models.addKind(listType, r.group(), r.version(), r.kind() + "List");
            } catch (ClassNotFoundException e) {
                // fabric8 has a List class for every listable kind; without one, no list route is offered
            }
            kinds.add(new Routes.Served(
                    r.group(), r.version(), r.kind(), r.plural(), r.namespaced(), r.status(), schema, listSchema));
        }
        KINDS = List.copyOf(kinds);
        SCHEMAS = Map.copyOf(models.schemas());
    }

    private BuiltinSchemas() {}
}
