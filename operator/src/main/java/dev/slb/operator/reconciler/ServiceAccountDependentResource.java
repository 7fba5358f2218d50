package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.ProxyResources;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The proxies' ServiceAccount. */
@KubernetesDependent(informer = @Informer(labelSelector = ProxyDependents.SELECTOR))
public class ServiceAccountDependentResource extends CRUDKubernetesDependentResource<ServiceAccount, LoadBalancer> {
    public ServiceAccountDependentResource() {
        super(ServiceAccount.class);
    }

    @Override
    protected ServiceAccount desired(LoadBalancer primary, Context<LoadBalancer> context) {
        Plan plan = Plan.of(context);
        return ProxyResources.serviceAccount(plan.served());
    }
}
