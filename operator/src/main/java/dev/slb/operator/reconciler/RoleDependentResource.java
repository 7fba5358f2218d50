package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.ProxyResources;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The Role letting the proxies read their own ConfigMap and the TLS Secrets their listeners name. */
@KubernetesDependent(informer = @Informer(labelSelector = ProxyDependents.SELECTOR))
public class RoleDependentResource extends CRUDKubernetesDependentResource<Role, LoadBalancer> {
    public RoleDependentResource() {
        super(Role.class);
    }

    @Override
    protected Role desired(LoadBalancer primary, Context<LoadBalancer> context) {
        Plan plan = Plan.of(context);
        return ProxyResources.role(plan.served());
    }
}
