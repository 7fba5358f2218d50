package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.ProxyResources;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The proxy config ConfigMap the instance's proxies follow. */
@KubernetesDependent(informer = @Informer(labelSelector = ProxyDependents.SELECTOR))
public class ConfigMapDependentResource extends CRUDKubernetesDependentResource<ConfigMap, LoadBalancer> {
    public ConfigMapDependentResource() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(LoadBalancer primary, Context<LoadBalancer> context) {
        Plan plan = Plan.of(context);
        return ProxyResources.configMap(plan.served(), plan.config(), plan.tier());
    }
}
