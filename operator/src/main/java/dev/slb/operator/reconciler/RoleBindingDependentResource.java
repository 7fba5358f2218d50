package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.ProxyResources;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** Binds the proxies' Role to their ServiceAccount. */
@KubernetesDependent(informer = @Informer(labelSelector = ProxyDependents.SELECTOR))
public class RoleBindingDependentResource extends CRUDKubernetesDependentResource<RoleBinding, LoadBalancer> {
    public RoleBindingDependentResource() {
        super(RoleBinding.class);
    }

    @Override
    protected RoleBinding desired(LoadBalancer primary, Context<LoadBalancer> context) {
        Plan plan = Plan.of(context);
        return ProxyResources.roleBinding(plan.served());
    }
}
