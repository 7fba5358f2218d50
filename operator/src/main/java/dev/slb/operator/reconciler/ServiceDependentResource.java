package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.ProxyResources;
import dev.slb.operator.desired.ServiceAnnotations;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The Service exposing the instance's listeners. JOSDK matches and updates it keeping every
 * annotation it has (a cloud's controllers write their own), so an annotation the user removed from
 * {@code spec.service.annotations} is found by the record the operator keeps of the keys it wrote,
 * and removed by name.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ProxyDependents.SELECTOR))
public class ServiceDependentResource extends CRUDKubernetesDependentResource<Service, LoadBalancer> {
    public ServiceDependentResource() {
        super(Service.class);
    }

    @Override
    protected Service desired(LoadBalancer primary, Context<LoadBalancer> context) {
        Plan plan = Plan.of(context);
        return ProxyResources.service(plan.spec());
    }

    @Override
    public Result<Service> match(Service actual, Service desired, LoadBalancer primary, Context<LoadBalancer> context) {
        Result<Service> result = super.match(actual, desired, primary, context);
        return result.matched() && !ServiceAnnotations.stale(actual, desired).isEmpty()
                ? Result.computed(false, desired)
                : result;
    }

    @Override
    public Service update(Service actual, Service desired, LoadBalancer primary, Context<LoadBalancer> context) {
        // The update starts from what the Service has: drop what is no longer wanted before it adds the rest.
        return super.update(ServiceAnnotations.withoutStale(actual, desired), desired, primary, context);
    }
}
