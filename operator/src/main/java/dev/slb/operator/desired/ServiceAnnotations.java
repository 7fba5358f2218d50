package dev.slb.operator.desired;

import dev.slb.operator.api.InstanceServiceSpec;
import dev.slb.operator.api.LoadBalancerSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The user's annotations on the instance's Service ({@code spec.service.annotations}): their checks,
 * held in Java too for when the schema was not applied; how they are written; and which ones the
 * Service still has after the user removed them. A dependent's update merges annotations into what
 * the Service has, so the keys written are recorded on the Service ({@link Names#USER_ANNOTATIONS_ANNOTATION})
 * and those no longer wanted are removed by name.
 */
public final class ServiceAnnotations {
    /** Kubernetes' qualified name, as it checks annotation keys (lower-cased first, as it does). */
    private static final Pattern PREFIX =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9_.]*[a-z0-9])?");
    private static final int MAX_PREFIX_LENGTH = 253;
    private static final int MAX_NAME_LENGTH = 63;

    private ServiceAnnotations() {}

    /** A copy of {@code spec.service}; absent stays absent. */
    static InstanceServiceSpec normalize(InstanceServiceSpec service) {
        if (service == null) {
            return null;
        }
        InstanceServiceSpec copy = new InstanceServiceSpec();
        copy.annotations = service.annotations == null ? null : new LinkedHashMap<>(service.annotations);
        return copy;
    }

    /** The CRD's rules for {@code spec.service.annotations}, and the total size the schema cannot add up. */
    static void validate(InstanceServiceSpec service, List<Problem> problems) {
        if (service == null || service.annotations == null) {
            return;
        }
        String at = "spec.service.annotations";
        Map<String, String> annotations = service.annotations;
        if (annotations.size() > InstanceServiceSpec.MAX_ANNOTATIONS) {
            problems.add(Problem.invalid(
                    at,
                    "has " + annotations.size() + " entries; at most " + InstanceServiceSpec.MAX_ANNOTATIONS
                            + " are copied onto the Service"));
        }
        long total = 0;
        for (Map.Entry<String, String> e : new TreeMap<>(annotations).entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            String field = at + "[" + key + "]";
            String keyProblem = keyProblem(key);
            if (keyProblem != null) {
                problems.add(Problem.invalid(field, keyProblem));
            }
            if (value == null) {
                problems.add(Problem.invalid(field, "has no value; write \"\" for an empty one"));
                continue;
            }
            int length = value.codePointCount(0, value.length());
            if (length > InstanceServiceSpec.MAX_ANNOTATION_VALUE_LENGTH) {
                problems.add(Problem.invalid(
                        field,
                        "the value has " + length + " characters; at most "
                                + InstanceServiceSpec.MAX_ANNOTATION_VALUE_LENGTH));
            }
            total += key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
        }
        if (total > InstanceServiceSpec.MAX_ANNOTATIONS_TOTAL_BYTES) {
            problems.add(Problem.invalid(
                    at,
                    "keys and values come to " + total + " bytes; at most "
                            + InstanceServiceSpec.MAX_ANNOTATIONS_TOTAL_BYTES + " (64 KiB) together"));
        }
    }

    /** Why {@code key} cannot be an annotation the user gives the Service, or null when it can. */
    private static String keyProblem(String key) {
        if (key.startsWith(InstanceServiceSpec.OWN_ANNOTATION_PREFIX)) {
            return "annotations under slb.dev/ are the operator's own (it writes them on the Service); use the key"
                    + " your cloud documents";
        }
        if (key.length() > InstanceServiceSpec.MAX_ANNOTATION_KEY_LENGTH) {
            return "the key has " + key.length() + " characters; at most "
                    + InstanceServiceSpec.MAX_ANNOTATION_KEY_LENGTH
                    + " (a prefix of at most " + MAX_PREFIX_LENGTH + ", '/', a name of at most " + MAX_NAME_LENGTH
                    + ")";
        }
        String lower = key.toLowerCase(Locale.ROOT);
        int slash = lower.indexOf('/');
        String prefix = slash < 0 ? null : lower.substring(0, slash);
        String name = slash < 0 ? lower : lower.substring(slash + 1);
        boolean ok = (prefix == null
                        || (prefix.length() <= MAX_PREFIX_LENGTH
                                && PREFIX.matcher(prefix).matches()))
                && name.length() <= MAX_NAME_LENGTH
                && NAME.matcher(name).matches();
        return ok
                ? null
                : "is not a Kubernetes annotation key: an optional prefix that is a DNS name (lower-case letters,"
                        + " digits, '-' and '.') and '/', then a name of 1 to 63 letters, digits, '-', '_' or '.'"
                        + " that starts and ends with a letter or digit, such as"
                        + " service.beta.kubernetes.io/aws-load-balancer-internal";
    }

    /**
     * What the Service carries for the user: their annotations, sorted, and, when there are any,
     * the record of their keys; nothing at all when there are none, so an instance that sets none
     * keeps its Service as it was.
     */
    static Map<String, String> of(LoadBalancerSpec spec) {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (spec.service == null || spec.service.annotations == null || spec.service.annotations.isEmpty()) {
            return annotations;
        }
        TreeMap<String, String> sorted = new TreeMap<>(spec.service.annotations);
        annotations.putAll(sorted);
        annotations.put(Names.USER_ANNOTATIONS_ANNOTATION, String.join(",", sorted.keySet()));
        return annotations;
    }

    /**
     * The annotations {@code actual} has from an earlier {@link #of} that {@code desired} no longer
     * has: the user's keys it recorded, and the record itself once there are none. Empty when there
     * is nothing to remove.
     */
    public static Set<String> stale(Service actual, Service desired) {
        Map<String, String> has = annotations(actual);
        String record = has.get(Names.USER_ANNOTATIONS_ANNOTATION);
        if (record == null) {
            return Set.of();
        }
        Map<String, String> wanted = annotations(desired);
        Set<String> stale = new LinkedHashSet<>();
        List<String> recorded = new ArrayList<>(Arrays.asList(record.split(",")));
        recorded.add(Names.USER_ANNOTATIONS_ANNOTATION);
        for (String key : recorded) {
            if (!key.isEmpty() && has.containsKey(key) && !wanted.containsKey(key)) {
                stale.add(key);
            }
        }
        return stale;
    }

    /** A copy of {@code actual} without the annotations {@link #stale} names; {@code actual} is left as it was. */
    public static Service withoutStale(Service actual, Service desired) {
        Set<String> stale = stale(actual, desired);
        if (stale.isEmpty()) {
            return actual;
        }
        Service copy = new ServiceBuilder(actual).build();
        Map<String, String> kept = new LinkedHashMap<>(annotations(copy));
        kept.keySet().removeAll(stale);
        copy.getMetadata().setAnnotations(kept);
        return copy;
    }

    private static Map<String, String> annotations(Service service) {
        return service.getMetadata() == null || service.getMetadata().getAnnotations() == null
                ? Map.of()
                : service.getMetadata().getAnnotations();
    }
}
