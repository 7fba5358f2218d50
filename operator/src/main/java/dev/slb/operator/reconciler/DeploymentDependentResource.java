package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The proxy Deployment: replicas from the tier in effect. */
@KubernetesDependent(informer = @Informer(labelSelector = ProxyDependents.SELECTOR))
public class DeploymentDependentResource extends CRUDKubernetesDependentResource<Deployment, LoadBalancer> {
    public DeploymentDependentResource() {
        super(Deployment.class);
    }

    @Override
    protected Deployment desired(LoadBalancer primary, Context<LoadBalancer> context) {
        Plan plan = Plan.of(context);
        return plan.deployment();
    }
}
