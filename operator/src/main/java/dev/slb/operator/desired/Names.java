package dev.slb.operator.desired;

import dev.slb.model.ProxyContract;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every name, label and annotation the operator gives the resources of one LoadBalancer. */
public final class Names {
    /** The ConfigMap key holding the proxy config. */
    public static final String CONFIG_KEY = ProxyContract.CONFIG_MAP_KEY;
    /** On the ConfigMap: the proxy config version it holds, as the proxies report it on their admin port. */
    public static final String CONFIG_VERSION_ANNOTATION = "slb.dev/config-version";
    /**
     * On the ConfigMap: the tier in effect, which the operator reads back as what it serves (never
     * from status, which anyone with access to the status subresource can write).
     */
    public static final String TIER_ANNOTATION = "slb.dev/tier";
    /** On the pod template: a hash of the rest of the template, so a roll is seen (and announced) as one. */
    public static final String POD_TEMPLATE_CHECKSUM_ANNOTATION = "slb.dev/pod-template-checksum";
    /**
     * On the Service: the names of its ports whose listeners expect a PROXY protocol header, comma
     * separated (empty when none), for a load balancer in front that can send one (local/'s does).
     * Always written, empty included: a dependent's annotations are merged into what the Service
     * has, so one that was left out would never be removed.
     */
    public static final String PROXY_PROTOCOL_PORTS_ANNOTATION = "slb.dev/proxy-protocol-ports";
    /**
     * On the Service: the keys of the annotations copied from {@code spec.service.annotations}, comma
     * separated, so that one the user removes is removed from the Service too. Written only while
     * there are some, so an instance that sets none keeps its Service as it was.
     */
    public static final String USER_ANNOTATIONS_ANNOTATION = "slb.dev/user-annotations";

    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String APP = "slb-proxy";
    public static final String MANAGER = "slb-operator";

    /** The proxy container in every proxy pod. */
    public static final String CONTAINER = "proxy";
    /** The container port name of the proxy's admin endpoint; no listener may take it. */
    public static final String ADMIN_PORT_NAME = "admin";

    private Names() {}

    /**
     * The Service is {@code N-proxy}, not {@code N}: a LoadBalancer is often named like the
     * application behind it, whose own Service it must never collide with.
     */
    public static String service(String instance) {
        return proxy(instance);
    }

    public static String configMap(String instance) {
        return instance + "-proxy-config";
    }

    public static String deployment(String instance) {
        return proxy(instance);
    }

    public static String serviceAccount(String instance) {
        return proxy(instance);
    }

    public static String role(String instance) {
        return proxy(instance);
    }

    public static String roleBinding(String instance) {
        return proxy(instance);
    }

    public static String podDisruptionBudget(String instance) {
        return proxy(instance);
    }

    private static String proxy(String instance) {
        return instance + "-proxy";
    }

    /** Labels on every resource of the instance. */
    public static Map<String, String> labels(String instance) {
        Map<String, String> labels = selector(instance);
        labels.put(MANAGED_BY_LABEL, MANAGER);
        return labels;
    }

    /** The labels that pick the instance's proxy pods; a subset of {@link #labels}, never changed once set. */
    public static Map<String, String> selector(String instance) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME_LABEL, APP);
        labels.put(INSTANCE_LABEL, instance);
        return labels;
    }
}
