package dev.slb.operator.reconciler;

import dev.slb.model.ProxyConfig;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Tier;
import dev.slb.operator.desired.OperatorSettings;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * What one reconciliation decided to serve, handed to the dependents' {@code desired()} through
 * the workflow context: computed once, so every dependent renders from the same inputs.
 *
 * @param served   the normalized, valid LoadBalancer, less the HTTPS listeners whose Secret is missing
 * @param tier     the tier in effect
 * @param config   the proxy config rendered for it
 * @param settings the operator's settings (image, drain, pod size)
 */
public record Plan(LoadBalancer served, Tier tier, ProxyConfig config, OperatorSettings settings) {
    /** The plan the reconciler put in the context before it invoked the workflow. */
    static Plan of(Context<LoadBalancer> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(Plan.class, Plan.class);
    }
}
