package dev.slb.operator.reconciler;

import dev.slb.model.ProxyConfig;
import dev.slb.operator.api.ListenerStatus;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerStatus;
import dev.slb.operator.api.Tier;
import dev.slb.operator.desired.ListenerStatuses;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.OperatorSettings;
import dev.slb.operator.desired.Problem;
import dev.slb.operator.desired.ProxyConfigs;
import dev.slb.operator.desired.Sizing;
import dev.slb.operator.desired.Specs;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a LoadBalancer into its proxy fleet: validates the spec, settles the tier in effect,
 * resolves backends and Secrets, then invokes the dependents' workflow explicitly (only for a spec
 * that can be served) and reports what it saw in status conditions.
 */
@Workflow(
        explicitInvocation = true,
        dependents = {
            @Dependent(name = "config", type = ConfigMapDependentResource.class),
            @Dependent(name = "service-account", type = ServiceAccountDependentResource.class),
            @Dependent(name = "role", type = RoleDependentResource.class),
            @Dependent(
                    name = "role-binding",
                    type = RoleBindingDependentResource.class,
                    dependsOn = {"role", "service-account"}),
            @Dependent(
                    name = "deployment",
                    type = DeploymentDependentResource.class,
                    dependsOn = {"config", "service-account"}),
            @Dependent(name = ProxyDependents.PROXY_SERVICES, type = ServiceDependentResource.class),
            @Dependent(
                    name = "pdb",
                    type = PodDisruptionBudgetDependentResource.class,
                    reconcilePrecondition = MultipleReplicasCondition.class)
        })
@ControllerConfiguration(name = LoadBalancerReconciler.NAME)
public class LoadBalancerReconciler implements Reconciler<LoadBalancer> {
    public static final String NAME = "loadbalancer";

    public static final String ACCEPTED = "Accepted";
    public static final String RESOLVED_REFS = "ResolvedRefs";
    public static final String PROGRAMMED = "Programmed";
    public static final String READY = "Ready";
    public static final String SERVICE_NOT_FOUND = "ServiceNotFound";
    public static final String SECRET_NOT_FOUND = "SecretNotFound";
    /** While Programmed is not True, look again this often so the status converges. */
    public static final Duration CONVERGE_INTERVAL = Duration.ofSeconds(10);

    static final String BACKEND_SERVICES = "backend-services";
    static final String ENDPOINT_SLICES = "endpoint-slices";
    static final String TLS_SECRETS = "tls-secrets";

    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancerReconciler.class);

    private final OperatorSettings settings;
    private final ProxyVersions proxyVersions;
    private final Clock clock;
    private final Conditions conditions;
    private final OperatorMetrics metrics;

    private volatile InformerEventSource<Service, LoadBalancer> services;
    private volatile InformerEventSource<EndpointSlice, LoadBalancer> endpointSlices;
    private volatile InformerEventSource<Secret, LoadBalancer> secrets;

    public LoadBalancerReconciler(
            OperatorSettings settings, ProxyVersions proxyVersions, Clock clock, OperatorMetrics metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.proxyVersions = Objects.requireNonNull(proxyVersions, "proxyVersions");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.conditions = new Conditions(clock);
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public List<EventSource<?, LoadBalancer>> prepareEventSources(EventSourceContext<LoadBalancer> context) {
        // Backend Services and their EndpointSlices, and TLS Secrets: each event finds the
        // LoadBalancers naming it by a scan of the primary cache (a handful per namespace).
        services = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Service.class, LoadBalancer.class)
                        .withName(BACKEND_SERVICES)
                        .withNamespacesInheritedFromController()
                        .withSecondaryToPrimaryMapper(s -> referencing(
                                context,
                                s.getMetadata().getNamespace(),
                                lb -> References.services(lb)
                                        .contains(s.getMetadata().getName())))
                        .build(),
                context);
        endpointSlices = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(EndpointSlice.class, LoadBalancer.class)
                        .withName(ENDPOINT_SLICES)
                        .withNamespacesInheritedFromController()
                        .withLabelSelector(Backends.SERVICE_NAME_LABEL)
                        .withSecondaryToPrimaryMapper(s -> referencing(
                                context,
                                s.getMetadata().getNamespace(),
                                lb -> References.services(lb).contains(serviceOf(s))))
                        .build(),
                context);
        secrets = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Secret.class, LoadBalancer.class)
                        .withName(TLS_SECRETS)
                        .withNamespacesInheritedFromController()
                        .withSecondaryToPrimaryMapper(s -> referencing(
                                context,
                                s.getMetadata().getNamespace(),
                                lb -> References.secrets(lb)
                                        .contains(s.getMetadata().getName())))
                        .build(),
                context);
        return List.of(services, endpointSlices, secrets);
    }

    private static Set<ResourceID> referencing(
            EventSourceContext<LoadBalancer> context, String namespace, Predicate<LoadBalancer> references) {
        return context.getPrimaryCache()
                .list(namespace, references)
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static String serviceOf(EndpointSlice slice) {
        return slice.getMetadata().getLabels() == null
                ? null
                : slice.getMetadata().getLabels().get(Backends.SERVICE_NAME_LABEL);
    }

    @Override
    public UpdateControl<LoadBalancer> reconcile(LoadBalancer lb, Context<LoadBalancer> context) {
        metrics.reconciliation();
        try {
            return reconcileOrThrow(lb, context);
        } catch (RuntimeException e) {
            metrics.error();
            throw e;
        }
    }

    private UpdateControl<LoadBalancer> reconcileOrThrow(LoadBalancer lb, Context<LoadBalancer> context) {
        String namespace = lb.getMetadata().getNamespace();
        Long generation = lb.getMetadata().getGeneration();
        LoadBalancerStatus previous = lb.getStatus() == null ? new LoadBalancerStatus() : lb.getStatus();
        LoadBalancerStatus status = copy(previous);
        status.observedGeneration = generation;
        List<Condition> conds = previous.conditions;

        LoadBalancer normalized = Specs.normalize(lb);
        List<Problem> problems = new ArrayList<>(Specs.validate(normalized.getSpec()));
        Specs.checkName(lb.getMetadata().getName()).ifPresent(p -> problems.add(0, p));
        if (!problems.isEmpty()) {
            // Nothing serving is touched: the workflow is not invoked, the last good config keeps serving.
            String message = "The spec cannot be served; the last accepted config keeps serving. Fix: "
                    + problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
            conds = conditions.set(conds, ACCEPTED, Conditions.FALSE, Problem.INVALID_SPEC, message, generation);
            if (conds.stream().noneMatch(c -> READY.equals(c.getType()))) {
                // Never served: nothing is ready. Otherwise Ready stays as it was, since the last
                // accepted config is still serving traffic.
                conds = conditions.set(
                        conds,
                        READY,
                        Conditions.FALSE,
                        "NotAccepted",
                        "The spec is not accepted (see Accepted); nothing is served yet.",
                        generation);
            }
            status.conditions = conds;
            return patch(lb, status, false);
        }

        Tier requested = normalized.getSpec().tier;
        Tier inEffect = previous.tier != null ? previous.tier : requested;
        var tierProblem = Specs.checkTierChange(inEffect, requested);
        if (tierProblem.isEmpty()) {
            inEffect = requested;
            conds = conditions.set(
                    conds,
                    ACCEPTED,
                    Conditions.TRUE,
                    ACCEPTED,
                    "The spec is valid and served on tier " + inEffect + ".",
                    generation);
        } else {
            // The rest of the spec is valid: it keeps being served (backends followed) on the old tier.
            conds = conditions.set(
                    conds,
                    ACCEPTED,
                    Conditions.FALSE,
                    tierProblem.get().reason(),
                    tierProblem.get().toString(),
                    generation);
        }

        // HTTPS listeners whose Secret is missing are left out until it appears; the others serve.
        Set<String> missingSecrets = new TreeSet<>();
        Set<String> waitingSecrets = new TreeSet<>();
        List<String> unusableSecrets = new ArrayList<>();
        for (String secret : References.secrets(normalized)) {
            var found = secrets.get(new ResourceID(secret, namespace));
            if (found.isEmpty()) {
                missingSecrets.add(secret);
                waitingSecrets.add(secret);
                continue;
            }
            List<String> lacking = lackingTlsKeys(found.get());
            if (!lacking.isEmpty()) {
                // Listeners on it wait, as for a missing Secret; the spec is not acceptable as it is.
                waitingSecrets.add(secret);
                unusableSecrets.add("Secret " + secret + " has no " + String.join(" and no ", lacking)
                        + "; re-create it with kubectl create secret tls " + secret + " -n " + namespace
                        + " --cert=tls.crt --key=tls.key");
            }
        }
        if (!unusableSecrets.isEmpty()) {
            conds = conditions.set(
                    conds,
                    ACCEPTED,
                    Conditions.FALSE,
                    "InvalidSecret",
                    "The HTTPS listeners using it are not served until it is fixed: "
                            + String.join("; ", unusableSecrets) + ".",
                    generation);
        }
        LoadBalancer served = Specs.normalize(lb);
        List<String> waiting = new ArrayList<>();
        served.getSpec().listeners.removeIf(l -> {
            boolean missing = l.tls != null && waitingSecrets.contains(l.tls.secretName);
            if (missing) {
                waiting.add(l.name);
            }
            return missing;
        });

        Backends.Resolution resolution = Backends.resolve(
                normalized.getSpec(),
                name -> services.get(new ResourceID(name, namespace)),
                name -> endpointSlices
                        .list(namespace, s -> name.equals(serviceOf(s)))
                        .toList());

        List<String> unresolved = new ArrayList<>();
        for (String secret : missingSecrets) {
            unresolved.add("Secret " + secret + " not found (listeners waiting for it are not served; create it, "
                    + "e.g. kubectl create secret tls " + secret + " -n " + namespace
                    + " --cert=tls.crt --key=tls.key)");
        }
        unresolved.addAll(resolution.missing());
        if (unresolved.isEmpty()) {
            conds = conditions.set(
                    conds,
                    RESOLVED_REFS,
                    Conditions.TRUE,
                    RESOLVED_REFS,
                    "Every referenced Service and Secret was found.",
                    generation);
        } else {
            conds = conditions.set(
                    conds,
                    RESOLVED_REFS,
                    Conditions.FALSE,
                    missingSecrets.isEmpty() ? SERVICE_NOT_FOUND : SECRET_NOT_FOUND,
                    String.join("; ", unresolved) + ".",
                    generation);
        }

        status.tier = inEffect;
        status.listeners = ListenerStatuses.of(normalized, inEffect);
        status.replicas = Sizing.of(inEffect).replicas();

        if (served.getSpec().listeners.isEmpty()) {
            // A proxy with no listener serves nothing: deploy nothing until a Secret appears.
            conds = conditions.set(
                    conds,
                    PROGRAMMED,
                    Conditions.FALSE,
                    "NoListenerServable",
                    "Every listener waits for a missing or unusable Secret (" + String.join(", ", waitingSecrets)
                            + "); nothing is deployed until one exists.",
                    generation);
            conds = conditions.set(
                    conds,
                    READY,
                    Conditions.FALSE,
                    "NotProgrammed",
                    "No listener can be served yet (see ResolvedRefs).",
                    generation);
            status.conditions = conds;
            return patch(lb, status, true);
        }

        ProxyConfig config = ProxyConfigs.render(served, inEffect, resolution.endpoints(), settings);
        context.managedWorkflowAndDependentResourceContext()
                .put(Plan.class, new Plan(normalized, served, inEffect, config, settings));
        try {
            context.managedWorkflowAndDependentResourceContext()
                    .reconcileManagedWorkflow()
                    .throwAggregateExceptionIfErrorsPresent();
        } catch (RuntimeException e) {
            // Say so in the status (a quota, an admission webhook, a name taken...) and try again,
            // rather than leave the last status standing as if all were well.
            metrics.error();
            LOG.warn(
                    "LoadBalancer {}/{}: applying the proxy resources failed",
                    namespace,
                    lb.getMetadata().getName(),
                    e);
            conds = conditions.set(
                    conds,
                    PROGRAMMED,
                    Conditions.FALSE,
                    "ReconcileError",
                    "Applying the proxy resources failed: " + rootMessage(e) + " The operator retries.",
                    generation);
            status.conditions = conds;
            return patch(lb, status, true);
        }

        status.configVersion = config.version();
        status.readyReplicas = context.getSecondaryResource(Deployment.class)
                .map(d -> d.getStatus() == null || d.getStatus().getReadyReplicas() == null
                        ? 0
                        : d.getStatus().getReadyReplicas())
                .orElse(0);
        status.addresses = context.getSecondaryResource(Service.class, ProxyDependents.PROXY_SERVICES)
                .map(LoadBalancerReconciler::addresses)
                .orElse(List.of());

        Programmed outcome = programmed(lb, config.version(), conds, generation);
        boolean programmed = outcome.programmed();
        conds = outcome.conditions();
        boolean accepted = tierProblem.isEmpty();
        // Ready summarises "traffic is being served": a ready replica serves. It does not follow
        // config propagation (that is Programmed), or it would flap with every backend change.
        if (status.readyReplicas > 0) {
            List<String> notes = new ArrayList<>();
            notes.add(status.readyReplicas + " of " + status.replicas + " proxy replicas are ready and serving");
            if (!programmed) {
                notes.add("config " + config.version() + " is still reaching them (see Programmed)");
            }
            if (!accepted) {
                notes.add("a spec change was refused, tier " + inEffect + " keeps serving (see Accepted)");
            }
            conds = conditions.set(conds, READY, Conditions.TRUE, READY, String.join("; ", notes) + ".", generation);
        } else {
            conds = conditions.set(
                    conds,
                    READY,
                    Conditions.FALSE,
                    "NoReadyReplicas",
                    "No proxy replica is ready yet" + (programmed ? "." : " (see Programmed)."),
                    generation);
        }
        status.conditions = conds;

        if (websocketDisabled(status.listeners) && !websocketDisabled(previous.listeners)) {
            emitWebsocketDisabled(lb, context);
        }
        return patch(lb, status, !programmed);
    }

    private record Programmed(boolean programmed, List<Condition> conditions) {}

    /** The PEM keys a TLS Secret must carry that this one lacks (empty when it has both). */
    static List<String> lackingTlsKeys(io.fabric8.kubernetes.api.model.Secret secret) {
        List<String> lacking = new ArrayList<>();
        for (String key : List.of("tls.crt", "tls.key")) {
            boolean inData = secret.getData() != null
                    && secret.getData().get(key) != null
                    && !secret.getData().get(key).isEmpty();
            boolean inStringData = secret.getStringData() != null
                    && secret.getStringData().get(key) != null
                    && !secret.getStringData().get(key).isEmpty();
            if (!inData && !inStringData) {
                lacking.add(key);
            }
        }
        return lacking;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.endsWith(".") ? m : m + ".";
    }

    /**
     * Programmed=True iff at least one proxy pod is ready and every ready pod reports {@code version}. It is
     * decided from the pods listed and probed now (not from the Deployment's cached readyReplicas, which lags
     * behind the pods while scaling); a ready pod that did not answer counts as not yet programmed.
     */
    private Programmed programmed(LoadBalancer lb, String version, List<Condition> conds, Long generation) {
        List<ProxyVersions.Replica> ready = proxyVersions.versions(lb);
        List<String> behind = ready.stream()
                .filter(r -> !r.serves(version))
                .map(r -> r.version() == null ? r.pod() + " did not answer" : r.pod() + " serves " + r.version())
                .sorted()
                .toList();
        int current = ready.size() - behind.size();
        boolean programmed = !ready.isEmpty() && behind.isEmpty();
        if (programmed) {
            return new Programmed(
                    programmed,
                    conditions.set(
                            conds,
                            PROGRAMMED,
                            Conditions.TRUE,
                            PROGRAMMED,
                            "Every ready proxy replica (" + current + ") serves config " + version + ".",
                            generation));
        }
        if (ready.isEmpty()) {
            return new Programmed(
                    programmed,
                    conditions.set(
                            conds,
                            PROGRAMMED,
                            Conditions.FALSE,
                            "NoReadyReplicas",
                            "No proxy replica is ready yet to serve config " + version + ".",
                            generation));
        }
        int shown = Math.min(behind.size(), 5);
        String listed = String.join(", ", behind.subList(0, shown))
                + (behind.size() > shown ? " and " + (behind.size() - shown) + " more" : "");
        return new Programmed(
                programmed,
                conditions.set(
                        conds,
                        PROGRAMMED,
                        Conditions.FALSE,
                        "Pending",
                        current + " of " + ready.size() + " ready proxy replicas report config " + version + "; "
                                + listed + ".",
                        generation));
    }

    private UpdateControl<LoadBalancer> patch(LoadBalancer lb, LoadBalancerStatus status, boolean requeue) {
        // Only the status is patched; the spec in hand is the user's, untouched (normalizing works on copies).
        lb.setStatus(status);
        UpdateControl<LoadBalancer> control = UpdateControl.patchStatus(lb);
        return requeue ? control.rescheduleAfter(CONVERGE_INTERVAL) : control;
    }

    private static List<String> addresses(Service service) {
        List<String> addresses = new ArrayList<>();
        if (service.getStatus() != null
                && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress ingress :
                    service.getStatus().getLoadBalancer().getIngress()) {
                if (ingress.getIp() != null) {
                    addresses.add(ingress.getIp());
                } else if (ingress.getHostname() != null) {
                    addresses.add(ingress.getHostname());
                }
            }
        }
        if (addresses.isEmpty()
                && service.getSpec() != null
                && service.getSpec().getClusterIP() != null
                && !"None".equals(service.getSpec().getClusterIP())) {
            addresses.add(service.getSpec().getClusterIP());
        }
        return addresses;
    }

    private static boolean websocketDisabled(List<ListenerStatus> listeners) {
        return listeners != null
                && listeners.stream()
                        .anyMatch(l -> ListenerStatuses.DISABLED.equals(l.websocket)
                                && ProxyConfigs.WEBSOCKET_REQUIRES_GUARANTEED.equals(l.websocketReason));
    }

    /** Best effort: an event that cannot be written is logged, never a failed reconciliation. */
    private void emitWebsocketDisabled(LoadBalancer lb, Context<LoadBalancer> context) {
        String namespace = lb.getMetadata().getNamespace();
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        try {
            context.getClient()
                    .v1()
                    .events()
                    .inNamespace(namespace)
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withName(lb.getMetadata().getName() + ".websocket-disabled."
                                    + lb.getMetadata().getGeneration())
                            .withNamespace(namespace)
                            .endMetadata()
                            .withType("Normal")
                            .withReason(ProxyConfigs.WEBSOCKET_REQUIRES_GUARANTEED)
                            .withMessage(ProxyConfigs.websocketDisabledMessage(lb))
                            .withInvolvedObject(new ObjectReferenceBuilder()
                                    .withApiVersion(lb.getApiVersion())
                                    .withKind(lb.getKind())
                                    .withName(lb.getMetadata().getName())
                                    .withNamespace(namespace)
                                    .withUid(lb.getMetadata().getUid())
                                    .withResourceVersion(lb.getMetadata().getResourceVersion())
                                    .build())
                            .withNewSource()
                            .withComponent(Names.MANAGER)
                            .endSource()
                            .withFirstTimestamp(now)
                            .withLastTimestamp(now)
                            .withCount(1)
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // The event is named by generation: another reconciliation of this generation recorded it already.
                LOG.debug(
                        "event already recorded for {}/{}",
                        namespace,
                        lb.getMetadata().getName());
                return;
            }
            LOG.warn(
                    "could not record the event that WebSocket is off on {}/{}: {}",
                    namespace,
                    lb.getMetadata().getName(),
                    e.toString());
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not record the event that WebSocket is off on {}/{}: {}",
                    namespace,
                    lb.getMetadata().getName(),
                    e.toString());
        }
    }

    private static LoadBalancerStatus copy(LoadBalancerStatus s) {
        LoadBalancerStatus c = new LoadBalancerStatus();
        c.observedGeneration = s.observedGeneration;
        c.tier = s.tier;
        c.addresses = s.addresses == null ? new ArrayList<>() : new ArrayList<>(s.addresses);
        c.configVersion = s.configVersion;
        c.replicas = s.replicas;
        c.readyReplicas = s.readyReplicas;
        c.listeners = s.listeners == null ? new ArrayList<>() : new ArrayList<>(s.listeners);
        c.conditions = s.conditions == null ? new ArrayList<>() : new ArrayList<>(s.conditions);
        return c;
    }
}
