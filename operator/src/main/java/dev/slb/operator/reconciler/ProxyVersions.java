package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import java.util.Map;

/** Which config version each ready proxy replica of an instance reports on its admin port. */
public interface ProxyVersions {
    /**
     * Pod name to the config version it serves, for the instance's ready proxy pods that answered;
     * a pod that could not be asked is absent.
     */
    Map<String, String> versions(LoadBalancer lb);
}
