package dev.slb.local.apiserver.printing;

import static dev.slb.local.apiserver.printing.Cells.age;
import static dev.slb.local.apiserver.printing.Cells.createdAt;
import static dev.slb.local.apiserver.printing.Cells.intOrString;
import static dev.slb.local.apiserver.printing.Cells.name;
import static dev.slb.local.apiserver.printing.Cells.num;
import static dev.slb.local.apiserver.printing.Cells.orElse;
import static dev.slb.local.apiserver.printing.Cells.size;
import static dev.slb.local.apiserver.printing.Cells.str;
import static dev.slb.local.apiserver.printing.Printer.AGE;
import static dev.slb.local.apiserver.printing.Printer.CREATED_DOC;
import static dev.slb.local.apiserver.printing.Printer.NAME;
import static dev.slb.local.apiserver.printing.Printer.NAME_DOC;
import static dev.slb.local.apiserver.printing.Printer.col;
import static dev.slb.local.apiserver.printing.Printer.wide;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slb.local.apiserver.printing.Printer.Column;
import java.util.List;
import java.util.TreeSet;

/**
 * The columns a Kubernetes 1.32 API server prints for the built-in kinds this project uses, with
 * their descriptions as the server sends them; the kinds registry names one per kind.
 */
public final class BuiltinPrinters {

    private static final String STRING = "string";

    private BuiltinPrinters() {}

    /** What the real server prints for kinds with its default convertor: name and creation time. */
    public static final Printer CREATED_AT = new Printer(
            List.of(NAME, new Column("Created At", "date", "", CREATED_DOC, 0)),
            (o, now) -> List.of(name(o), createdAt(o)));

    public static final Printer NAMESPACES = new Printer(
            List.of(NAME, col("Status", STRING, "The status of the namespace"), AGE),
            (o, now) -> List.of(name(o), orElse(str(o, "status", "phase"), "Active"), age(o, now)));

    public static final Printer CONFIG_MAPS = new Printer(
            List.of(NAME, col("Data", STRING, "Data contains the configuration data."), AGE),
            (o, now) -> List.of(name(o), (long) (size(o, "data") + size(o, "binaryData")), age(o, now)));

    public static final Printer SECRETS = new Printer(
            List.of(
                    NAME,
                    col("Type", STRING, "Used to facilitate programmatic handling of secret data."),
                    col("Data", STRING, "Data contains the secret data."),
                    AGE),
            (o, now) -> List.of(name(o), orElse(str(o, "type"), "Opaque"), secretKeys(o), age(o, now)));

    public static final Printer SERVICES = new Printer(
            List.of(
                    NAME,
                    col("Type", STRING, "type determines how the Service is exposed."),
                    col("Cluster-IP", STRING, "clusterIP is the IP address of the service."),
                    col(
                            "External-IP",
                            STRING,
                            "externalIPs is a list of IP addresses for which nodes in the cluster will also accept"
                                    + " traffic for this service."),
                    col("Port(s)", STRING, "The list of ports that are exposed by this service."),
                    AGE,
                    wide(
                            "Selector",
                            STRING,
                            "Route service traffic to pods with label keys and values matching this selector.")),
            BuiltinCells::serviceCells);

    public static final Printer SERVICE_ACCOUNTS = new Printer(
            List.of(
                    NAME,
                    col(
                            "Secrets",
                            STRING,
                            "Secrets is a list of the secrets in the same namespace that pods running using this"
                                    + " ServiceAccount are allowed to use."),
                    AGE),
            (o, now) -> List.of(name(o), (long) size(o, "secrets"), age(o, now)));

    public static final Printer PODS = new Printer(
            List.of(
                    NAME,
                    col("Ready", STRING, "The aggregate readiness state of this pod for accepting traffic."),
                    col("Status", STRING, "The aggregate status of the containers in this pod."),
                    col(
                            "Restarts",
                            STRING,
                            "The number of times the containers in this pod have been restarted and when the last"
                                    + " container in this pod has restarted."),
                    AGE,
                    wide(
                            "IP",
                            STRING,
                            "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet"
                                    + " allocated."),
                    wide("Node", STRING, "NodeName indicates in which node this pod is scheduled."),
                    wide(
                            "Nominated Node",
                            STRING,
                            "nominatedNodeName is set only when this pod preempts other pods on the node."),
                    wide(
                            "Readiness Gates",
                            STRING,
                            "If specified, all readiness gates will be evaluated for pod readiness.")),
            PodCells::podCells,
            PodCells::podConditions);

    /** Both core/v1 and events.k8s.io/v1 events. */
    public static final Printer EVENTS = new Printer(
            List.of(
                    col("Last Seen", STRING, "Time at which the most recent occurrence of this event was recorded."),
                    col("Type", STRING, "Type of this event (Normal, Warning), new types could be added in the future"),
                    col(
                            "Reason",
                            STRING,
                            "This should be a short, machine understandable string that gives the reason for the"
                                    + " transition into the object's current status."),
                    col("Object", STRING, "The object that this event is about."),
                    wide("Subobject", STRING, "The field of the involved object this event is about."),
                    wide(
                            "Source",
                            STRING,
                            "The component reporting this event. Should be a short machine understandable string."),
                    col("Message", STRING, "A human-readable description of the status of this operation."),
                    wide(
                            "First Seen",
                            STRING,
                            "The time at which the event was first recorded. (Time of server receipt is in"
                                    + " TypeMeta.)"),
                    wide("Count", STRING, "The number of times this event has occurred."),
                    new Column("Name", STRING, "name", NAME_DOC, 1)),
            BuiltinCells::eventCells);

    public static final Printer DEPLOYMENTS = new Printer(
            List.of(
                    NAME,
                    col("Ready", STRING, "Number of the pod with ready state"),
                    col(
                            "Up-to-date",
                            STRING,
                            "Total number of non-terminated pods targeted by this deployment that have the desired"
                                    + " template spec."),
                    col(
                            "Available",
                            STRING,
                            "Total number of available pods (ready for at least minReadySeconds) targeted by this"
                                    + " deployment."),
                    AGE,
                    wide("Containers", STRING, "Names of each container in the template."),
                    wide("Images", STRING, "Images referenced by each container in the template."),
                    wide("Selector", STRING, "Label selector for pods.")),
            BuiltinCells::deploymentCells);

    public static final Printer POD_DISRUPTION_BUDGETS = new Printer(
            List.of(
                    NAME,
                    col("Min Available", STRING, "The minimum number of pods that must be available."),
                    col("Max Unavailable", STRING, "The maximum number of pods that may be unavailable."),
                    col(
                            "Allowed Disruptions",
                            "integer",
                            "Calculated number of pods that may be disrupted at this time."),
                    AGE),
            (o, now) -> List.of(
                    name(o),
                    intOrString(o, "N/A", "spec", "minAvailable"),
                    intOrString(o, "N/A", "spec", "maxUnavailable"),
                    num(o, "status", "disruptionsAllowed"),
                    age(o, now)));

    public static final Printer ENDPOINT_SLICES = new Printer(
            List.of(
                    NAME,
                    col(
                            "AddressType",
                            STRING,
                            "addressType specifies the type of address carried by this EndpointSlice."),
                    col(
                            "Ports",
                            STRING,
                            "ports specifies the list of network ports exposed by each endpoint in this slice."),
                    col("Endpoints", STRING, "endpoints is a list of unique endpoints in this slice."),
                    AGE),
            (o, now) -> List.of(
                    name(o),
                    str(o, "addressType"),
                    BuiltinCells.slicePorts(o),
                    BuiltinCells.sliceEndpoints(o),
                    age(o, now)));

    public static final Printer LEASES = new Printer(
            List.of(
                    NAME,
                    col("Holder", STRING, "holderIdentity contains the identity of the holder of a current lease."),
                    AGE),
            (o, now) -> List.of(name(o), str(o, "spec", "holderIdentity"), age(o, now)));

    public static final Printer ROLE_BINDINGS = bindings("roleBinding");
    public static final Printer CLUSTER_ROLE_BINDINGS = bindings("clusterRoleBinding");

    private static Printer bindings(String kind) {
        return new Printer(
                List.of(
                        NAME,
                        col(
                                "Role",
                                STRING,
                                "RoleRef can only reference a ClusterRole in the global namespace, or a Role in the"
                                        + " binding's namespace."),
                        AGE,
                        wide("Users", STRING, "Users in the " + kind),
                        wide("Groups", STRING, "Groups in the " + kind),
                        wide("ServiceAccounts", STRING, "ServiceAccounts in the " + kind)),
                BuiltinCells::roleBindingCells);
    }

    private static long secretKeys(JsonNode secret) {
        // The real server folds stringData into data on write; the store keeps what was written.
        TreeSet<String> keys = new TreeSet<>();
        secret.path("data").fieldNames().forEachRemaining(keys::add);
        secret.path("stringData").fieldNames().forEachRemaining(keys::add);
        return keys.size();
    }
}
