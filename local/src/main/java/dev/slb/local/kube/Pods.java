package dev.slb.local.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

/** What the controllers read of a Pod object, and the names they share with the kubelet. */
public final class Pods {

    /** The one node of local/: every Pod the controllers create is scheduled to it. */
    public static final String NODE_NAME = "local";
    /** The label that tells a Deployment's pods of one template from another's, as a ReplicaSet's does. */
    public static final String TEMPLATE_HASH_LABEL = "pod-template-hash";

    private Pods() {}

    /** True when the kubelet reports the pod Ready. */
    public static boolean ready(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    /** True once the pod is being deleted (it stays, Terminating, until its kubelet has stopped it). */
    public static boolean terminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    /** The pod's address, or null before the kubelet has given it one. */
    public static String ip(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    }
}
