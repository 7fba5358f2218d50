package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** What the user adds to the instance's own Service (N-proxy), for the cloud load balancer in front of it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InstanceServiceSpec {
    public static final int MAX_ANNOTATIONS = 64;
    /** A qualified name: a DNS subdomain prefix (253), '/', a name (63). */
    public static final int MAX_ANNOTATION_KEY_LENGTH = 253 + 1 + 63;

    public static final int MAX_ANNOTATION_VALUE_LENGTH = 4096;
    /** Keys and values together, in bytes: a quarter of what Kubernetes allows all of a Service's annotations. */
    public static final int MAX_ANNOTATIONS_TOTAL_BYTES = 64 * 1024;
    /** Annotations under this prefix are the operator's own, on the Service and elsewhere. */
    public static final String OWN_ANNOTATION_PREFIX = "slb.dev/";

    @Size(max = MAX_ANNOTATIONS)
    // Only checks whose cost a cluster can bound: a regex over map keys (whose length the schema cannot
    // cap) would make the API server refuse the CRD; the operator checks the key's form instead.
    @ValidationRule(
            value = "self.all(k, !k.startsWith('" + OWN_ANNOTATION_PREFIX + "'))",
            message = "annotations under slb.dev/ are the operator's own (it writes them on the Service); use the"
                    + " key your cloud documents")
    @ValidationRule(
            value = "self.all(k, size(k) <= " + MAX_ANNOTATION_KEY_LENGTH + ")",
            message = "an annotation key is at most 317 characters: a prefix of at most 253 (a DNS name), '/', and a"
                    + " name of at most 63")
    @JsonPropertyDescription("Annotations copied onto the instance's Service (N-proxy), for the cloud load balancer"
            + " that serves it: your cloud's own switches, such as its PROXY protocol or an internal load balancer."
            + " At most 64; keys are Kubernetes qualified names (an optional DNS-name prefix and '/', then a name of"
            + " at most 63 letters, digits, '-', '_' or '.'), none under slb.dev/ (the operator's own); values at"
            + " most 4096 characters; keys and values at most 64 KiB together. Adding, changing or removing one"
            + " updates the Service's metadata only: no proxy pod restarts and no connection is cut (the cloud may"
            + " reconfigure its load balancer). A key removed here is removed from the Service, even if something"
            + " else has written it since. Absent (the default) leaves the Service's annotations as they are.")
    public Map<String, @Size(max = MAX_ANNOTATION_VALUE_LENGTH) String> annotations;
}
