package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.ProxyResources;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The PodDisruptionBudget of a fleet with more than one replica (see MultipleReplicasCondition). */
@KubernetesDependent(informer = @Informer(labelSelector = ProxyDependents.SELECTOR))
public class PodDisruptionBudgetDependentResource
        extends CRUDKubernetesDependentResource<PodDisruptionBudget, LoadBalancer> {
    public PodDisruptionBudgetDependentResource() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(LoadBalancer primary, Context<LoadBalancer> context) {
        Plan plan = Plan.of(context);
        // Only asked when MultipleReplicasCondition holds, so the budget is always there.
        return ProxyResources.podDisruptionBudget(plan.served(), plan.tier()).orElseThrow();
    }
}
