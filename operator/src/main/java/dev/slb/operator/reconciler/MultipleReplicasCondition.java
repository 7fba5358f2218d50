package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.Sizing;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The PodDisruptionBudget's reconcile precondition: the tier in effect runs more than one replica.
 * When it turns false JOSDK deletes an existing budget (the dependent is a Deleter), so a single
 * replica is never pinned by a budget that allows no disruption.
 */
public class MultipleReplicasCondition implements Condition<PodDisruptionBudget, LoadBalancer> {
    @Override
    public boolean isMet(
            DependentResource<PodDisruptionBudget, LoadBalancer> dependentResource,
            LoadBalancer primary,
            Context<LoadBalancer> context) {
        return Sizing.of(Plan.of(context).tier()).replicas() > 1;
    }
}
