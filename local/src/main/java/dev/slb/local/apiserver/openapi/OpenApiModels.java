package dev.slb.local.apiserver.openapi;

import com.fasterxml.jackson.databind.AnnotationIntrospector;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Quantity;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Derives the built-in kinds' OpenAPI v3 schemas from fabric8's model classes by Jackson
 * introspection.
 */
final class OpenApiModels {

    static final String REF_PREFIX = "#/components/schemas/";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String FABRIC8 = "io.fabric8.kubernetes.api.model";
    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    private static final Set<String> META_TYPES = Set.of(
            "ObjectMeta",
            "ListMeta",
            "OwnerReference",
            "ManagedFieldsEntry",
            "FieldsV1",
            "LabelSelector",
            "LabelSelectorRequirement",
            "Condition",
            "Status",
            "StatusDetails",
            "StatusCause",
            "DeleteOptions",
            "Preconditions",
            "MicroTime",
            "Time");
    private static final Pattern VERSION = Pattern.compile("v\\d+((alpha|beta)\\d+)?");

    private final ObjectMapper mapper = new ObjectMapper();
    private final AnnotationIntrospector annotations =
            mapper.getDeserializationConfig().getAnnotationIntrospector();
    private final Map<String, ObjectNode> schemas = new TreeMap<>();
    private final Map<Class<?>, String> names = new HashMap<>();
    private final Map<String, Class<?>> owners = new HashMap<>();

    /** The schemas added so far, by component name. */
    Map<String, ObjectNode> schemas() {
        return schemas;
    }

    /**
     * Adds the schema of a top-level kind (and of everything it refers to) with its
     * {@code x-kubernetes-group-version-kind}; returns its component name.
     */
    String addKind(Class<?> type, String group, String version, String kind) {
        String name = add(type);
        schemas.get(name).putArray("x-kubernetes-group-version-kind").add(OpenApi.gvk(group, version, kind));
        return name;
    }

    /** Adds the schema of a model class and of everything it refers to; returns its component name. */
    String add(Class<?> type) {
        String known = names.get(type);
        if (known != null) {
            return known;
        }
        String name = componentName(type);
        if (owners.containsKey(name)) {
            name = type.getName(); // two classes would share a Kubernetes name; keep them apart
        }
        names.put(type, name);
        owners.put(name, type);
        ObjectNode schema = NODES.objectNode();
        schemas.put(name, schema); // registered before its properties, so that cycles end in a $ref
        schema.put("type", "object");
        BeanDescription bean = mapper.getDeserializationConfig().introspect(mapper.constructType(type));
        ObjectNode properties = NODES.objectNode();
        for (BeanPropertyDefinition property : bean.findProperties()) {
            if (!property.couldDeserialize()) {
                continue;
            }
            properties.set(
                    property.getName(),
                    hasOwnDeserializer(property.getPrimaryMember())
                            ? NODES.objectNode()
                            : schemaOf(property.getPrimaryType()));
        }
        if (properties.isEmpty()) {
            // Beans such as FieldsV1 hold whatever JSON they are given (through their any-setter).
            schema.put("x-kubernetes-preserve-unknown-fields", true);
        } else {
            schema.set("properties", properties);
        }
        return name;
    }

    /**
     * The inline schema of a property of this Java type: a primitive, an array, a map or a $ref.
     * fabric8 keeps no descriptions and marks no field required, so neither is published: kubectl
     * still checks field names and types, which is what a typo needs.
     */
    ObjectNode schemaOf(JavaType type) {
        Class<?> raw = type.getRawClass();
        if (type.isArrayType() && raw != byte[].class || type.isCollectionLikeType()) {
            ObjectNode array = primitive("array", null);
            array.set("items", schemaOf(type.getContentType()));
            return array;
        }
        if (type.isMapLikeType()) {
            ObjectNode map = primitive("object", null);
            map.set("additionalProperties", schemaOf(type.getContentType()));
            return map;
        }
        if (raw == String.class || raw == Character.class || raw == char.class || raw.isEnum()) {
            return primitive("string", null);
        }
        if (raw == byte[].class) {
            return primitive("string", "byte");
        }
        if (raw == Integer.class
                || raw == int.class
                || raw == Short.class
                || raw == short.class
                || raw == Byte.class
                || raw == byte.class) {
            return primitive("integer", "int32");
        }
        if (raw == Long.class || raw == long.class || raw == BigInteger.class) {
            return primitive("integer", "int64");
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return primitive("boolean", null);
        }
        if (raw == Double.class
                || raw == double.class
                || raw == Float.class
                || raw == float.class
                || raw == BigDecimal.class) {
            return primitive("number", "double");
        }
        if (raw == IntOrString.class || raw == Quantity.class) {
            return intOrString();
        }
        if (raw == MicroTime.class) {
            return primitive("string", "date-time");
        }
        if (raw == Duration.class) {
            return primitive("string", null);
        }
        if (raw.getName().startsWith(FABRIC8)
                && KubernetesResource.class.isAssignableFrom(raw)
                && !raw.isInterface()
                && !Modifier.isAbstract(raw.getModifiers())
                && !hasOwnDeserializer(mapper.getDeserializationConfig()
                        .introspectClassAnnotations(raw)
                        .getClassInfo())) {
            return NODES.objectNode().put("$ref", REF_PREFIX + add(raw));
        }
        // Object, JsonNode, interfaces and classes with hand-written deserializers (JSONSchemaPropsOrBool,
        // ...): any JSON value, as the API server says of RawExtension and JSON.
        return NODES.objectNode();
    }

    /** What the API server publishes for IntOrString and Quantity: either an integer or a string. */
    static ObjectNode intOrString() {
        ObjectNode schema = NODES.objectNode();
        schema.put("x-kubernetes-int-or-string", true);
        schema.putArray("anyOf").add(primitive("integer", null)).add(primitive("string", null));
        return schema;
    }

    /**
     * The Kubernetes name of a fabric8 class, e.g. {@code io.k8s.api.apps.v1.DeploymentSpec}, so
     * that ObjectMeta is one component shared by built-in and custom resources, and explain shows
     * the names kubectl users know.
     */
    static String componentName(Class<?> type) {
        String pkg = type.getPackageName();
        String simple = type.getSimpleName();
        if (pkg.equals(FABRIC8)) {
            if (type == IntOrString.class) {
                return "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
            }
            if (type == Quantity.class) {
                return "io.k8s.apimachinery.pkg.api.resource.Quantity";
            }
            return (META_TYPES.contains(simple) ? META : "io.k8s.api.core.v1.") + simple;
        }
        if (pkg.startsWith(FABRIC8 + ".")) {
            String rest = pkg.substring(FABRIC8.length() + 1);
            String last = rest.substring(rest.lastIndexOf('.') + 1);
            String versioned = VERSION.matcher(last).matches() ? rest : rest + ".v1";
            return (rest.startsWith("apiextensions") ? "io.k8s.apiextensions-apiserver.pkg.apis." : "io.k8s.api.")
                    + versioned + "." + simple;
        }
        return type.getName();
    }

    private boolean hasOwnDeserializer(Annotated annotated) {
        return annotated != null && annotations.findDeserializer(annotated) != null;
    }

    static ObjectNode primitive(String type, String format) {
        ObjectNode schema = NODES.objectNode().put("type", type);
        if (format != null) {
            schema.put("format", format);
        }
        return schema;
    }
}
