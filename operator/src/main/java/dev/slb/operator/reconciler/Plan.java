package dev.slb.operator.reconciler;

import dev.slb.model.ProxyConfig;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Tier;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * What one reconciliation decided to serve, handed to the dependents' {@code desired()} through
 * the workflow context: computed once, so every dependent renders from the same inputs.
 *
 * @param spec       the normalized, valid LoadBalancer with every listener: the Service is shaped by
 *                   it, so a Secret that goes missing (say, deleted to be re-created) drops no port
 * @param served     the same, less the HTTPS listeners whose Secret is missing: what the proxies
 *                   serve, and the Secrets their Role lets them read
 * @param tier       the tier in effect
 * @param config     the proxy config rendered for it
 * @param deployment the proxy Deployment rendered for it
 */
public record Plan(LoadBalancer spec, LoadBalancer served, Tier tier, ProxyConfig config, Deployment deployment) {
    /** The plan the reconciler put in the context before it invoked the workflow. */
    static Plan of(Context<LoadBalancer> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(Plan.class, Plan.class);
    }
}
