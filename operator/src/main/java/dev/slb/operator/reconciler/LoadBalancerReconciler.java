package dev.slb.operator.reconciler;

import dev.slb.model.BackendHealthReport;
import dev.slb.model.ReloadReport;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.LoadBalancerStatus;
import dev.slb.operator.api.Tier;
import dev.slb.operator.desired.Backends;
import dev.slb.operator.desired.Decision;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.OperatorSettings;
import dev.slb.operator.desired.ProxyResources;
import dev.slb.operator.desired.References;
import dev.slb.operator.desired.StatusAggregator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a LoadBalancer into its proxy fleet. It only observes (every read comes from an informer's
 * cache or from what the proxies reported to {@link ProxyVersions}), calls the pure {@link
 * Decision} and {@link StatusAggregator}, invokes the dependents' workflow for a spec that can be
 * served, and patches the status when it differs from what is stored. At rest it makes no API
 * request at all; a resync (every 5 minutes unless configured) repairs a status someone edited.
 */
@Workflow(
        explicitInvocation = true,
        dependents = {
            @Dependent(name = "service-account", type = ServiceAccountDependentResource.class),
            @Dependent(name = "role", type = RoleDependentResource.class),
            // The Role first: it must grant a new TLS Secret before the proxies read the config naming it.
            @Dependent(name = "config", type = ConfigMapDependentResource.class, dependsOn = "role"),
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
@ControllerConfiguration(
        name = LoadBalancerReconciler.NAME,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class LoadBalancerReconciler implements Reconciler<LoadBalancer> {
    public static final String NAME = "loadbalancer";

    static final String BACKEND_SERVICES = "backend-services";
    static final String ENDPOINT_SLICES = "endpoint-slices";
    static final String TLS_SECRETS = "tls-secrets";
    static final String PROXY_PODS = "proxy-pods";

    /** How soon a status write that lost a race is tried again, from the newer object. */
    static final Duration CONFLICT_RETRY = Duration.ofMillis(200);

    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancerReconciler.class);
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private final OperatorSettings settings;
    private final ProxyVersions proxyVersions;
    private final Clock clock;
    private final OperatorMetrics metrics;

    private volatile InformerEventSource<Service, LoadBalancer> services;
    private volatile InformerEventSource<EndpointSlice, LoadBalancer> endpointSlices;
    private volatile InformerEventSource<Secret, LoadBalancer> secrets;
    private volatile InformerEventSource<Pod, LoadBalancer> pods;

    public LoadBalancerReconciler(
            OperatorSettings settings, ProxyVersions proxyVersions, Clock clock, OperatorMetrics metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.proxyVersions = Objects.requireNonNull(proxyVersions, "proxyVersions");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public List<EventSource<?, LoadBalancer>> prepareEventSources(EventSourceContext<LoadBalancer> context) {
        metrics.countLoadBalancersIn(() -> context.getPrimaryCache().list());
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
        // The proxy pods, by their labels: readiness changes reach the status without asking the API.
        pods = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, LoadBalancer.class)
                        .withName(PROXY_PODS)
                        .withNamespacesInheritedFromController()
                        .withLabelSelector(Names.NAME_LABEL + "=" + Names.APP + "," + ProxyDependents.SELECTOR)
                        .withSecondaryToPrimaryMapper(p -> instanceOf(p)
                                .map(name -> Set.of(
                                        new ResourceID(name, p.getMetadata().getNamespace())))
                                .orElse(Set.of()))
                        .build(),
                context);
        return List.of(services, endpointSlices, secrets, pods, new ProxyVersionsEventSource(proxyVersions));
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

    private static Optional<String> instanceOf(Pod pod) {
        return pod.getMetadata().getLabels() == null
                ? Optional.empty()
                : Optional.ofNullable(pod.getMetadata().getLabels().get(Names.INSTANCE_LABEL));
    }

    @Override
    public UpdateControl<LoadBalancer> reconcile(LoadBalancer lb, Context<LoadBalancer> context) {
        metrics.reconciliation();
        String namespace = lb.getMetadata().getNamespace();

        // The tier in effect is what the operator's own ConfigMap says it serves; status is never read for it.
        Optional<ConfigMap> configMap = context.getSecondaryResource(ConfigMap.class);
        Optional<Tier> tierServed =
                configMap.flatMap(cm -> annotation(cm, Names.TIER_ANNOTATION)).flatMap(LoadBalancerReconciler::tier);
        Optional<String> servedVersion = configMap.flatMap(cm -> annotation(cm, Names.CONFIG_VERSION_ANNOTATION));
        Optional<String> templateBefore =
                context.getSecondaryResource(Deployment.class).flatMap(ProxyResources::podTemplateChecksum);

        // The instance's own Service, as its informer last saw it: its load balancer address goes
        // into the config for SLB-IP. Its status changing is an event of that informer, so the
        // address arriving or changing reaches the proxies by reload, without waiting for a resync.
        Optional<Service> proxyService = context.getSecondaryResource(Service.class, ProxyDependents.PROXY_SERVICES);
        Decision decision = Decision.of(
                lb,
                tierServed,
                name -> secrets.get(new ResourceID(name, namespace)),
                name -> services.get(new ResourceID(name, namespace)),
                name -> endpointSlices
                        .list(namespace, s -> name.equals(serviceOf(s)))
                        .toList(),
                settings,
                proxyService.flatMap(
                        s -> ProxyResources.ingressAddresses(s).stream().findFirst()));

        Optional<String> applyError = Optional.empty();
        String templateNow = null;
        if (decision.servable()) {
            Deployment deployment = ProxyResources.deployment(decision.spec(), decision.tier(), settings);
            templateNow = ProxyResources.podTemplateChecksum(deployment).orElse(null);
            context.managedWorkflowAndDependentResourceContext()
                    .put(
                            Plan.class,
                            new Plan(
                                    decision.spec(),
                                    decision.served(),
                                    decision.tier(),
                                    decision.config(),
                                    deployment));
            try {
                context.managedWorkflowAndDependentResourceContext()
                        .reconcileManagedWorkflow()
                        .throwAggregateExceptionIfErrorsPresent();
            } catch (RuntimeException e) {
                // Said in the status (a quota, an admission webhook, a name taken...) and tried again
                // at the next event or resync, rather than the last status left standing as if all were well.
                metrics.error();
                applyError = Optional.of(rootMessage(e));
                LOG.warn(
                        "LoadBalancer {}/{}: applying the proxy resources failed: {}",
                        namespace,
                        lb.getMetadata().getName(),
                        applyError.get());
                LOG.debug("the failure in full", e);
            }
        }

        String expected = decision.servable() ? decision.config().version() : servedVersion.orElse(null);
        StatusAggregator.Observation observation = new StatusAggregator.Observation(
                replicas(lb, expected),
                applyError,
                servedVersion,
                templateBefore,
                templateNow,
                proxyService.map(LoadBalancerReconciler::addresses).orElse(List.of()));
        StatusAggregator.Outcome outcome = StatusAggregator.aggregate(decision, observation, clock.instant());
        for (StatusAggregator.Note note : outcome.events()) {
            EventRecorder.record(context.getClient(), lb, note, clock.instant());
        }
        if (sameStatus(lb.getStatus(), outcome.status())) {
            return UpdateControl.noUpdate();
        }
        if (context.getControllerConfiguration().getConfigurationService().useSSAToPatchPrimaryResource()) {
            // Server-side apply sends the whole status, owned by the operator's field manager.
            lb.setStatus(outcome.status());
            return UpdateControl.patchStatus(lb);
        }
        writeStatus(lb, outcome.status(), context);
        return UpdateControl.noUpdate();
    }

    /**
     * Replaces the status whole (PUT of the status subresource), at the resourceVersion this
     * reconcile saw, and keeps the answer in JOSDK's cache so the next reconcile starts from it.
     * Not JOSDK's default JSON patch: that is a diff against the cached resource, applied without a
     * resourceVersion, so against a cache one write behind it applies half a change (a condition
     * with the new message and the old status). A conflict (someone wrote in between) is retried
     * from the newer object (see {@link #updateErrorStatus}).
     */
    private static void writeStatus(LoadBalancer lb, LoadBalancerStatus status, Context<LoadBalancer> context) {
        LoadBalancer next = new LoadBalancer();
        next.setMetadata(new ObjectMetaBuilder()
                .withName(lb.getMetadata().getName())
                .withNamespace(lb.getMetadata().getNamespace())
                .withResourceVersion(lb.getMetadata().getResourceVersion())
                .build());
        next.setSpec(lb.getSpec());
        next.setStatus(status);
        LoadBalancer written = context.getClient().resource(next).updateStatus();
        context.eventSourceRetriever()
                .getControllerEventSource()
                .handleRecentResourceUpdate(ResourceID.fromResource(lb), written, lb);
    }

    /** The ready proxy replicas of this instance (from the pod informer) and what each last reported. */
    private List<StatusAggregator.Replica> replicas(LoadBalancer lb, String expected) {
        String name = lb.getMetadata().getName();
        List<ProxyVersions.Target> targets = pods.list(
                        lb.getMetadata().getNamespace(),
                        p -> instanceOf(p).filter(name::equals).isPresent())
                .filter(LoadBalancerReconciler::readyAndServing)
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .map(p -> {
                    URI uri = HttpProxyVersions.adminConfigUri(p);
                    return uri == null
                            ? null
                            : new ProxyVersions.Target(p.getMetadata().getName(), uri);
                })
                .filter(Objects::nonNull)
                .toList();
        Map<String, String> reported = expected == null || targets.isEmpty()
                ? Map.of()
                : proxyVersions.observe(ResourceID.fromResource(lb), expected, targets);
        Map<String, BackendHealthReport> health =
                targets.isEmpty() ? Map.of() : proxyVersions.health(ResourceID.fromResource(lb));
        Map<String, ReloadReport> reloads =
                targets.isEmpty() ? Map.of() : proxyVersions.reloads(ResourceID.fromResource(lb));
        List<StatusAggregator.Replica> replicas = new ArrayList<>(targets.size());
        for (ProxyVersions.Target t : targets) {
            replicas.add(new StatusAggregator.Replica(
                    t.pod(), reported.get(t.pod()), health.get(t.pod()), reloads.get(t.pod())));
        }
        return replicas;
    }

    /** PodReady is True and the pod is not being deleted (a stopping replica no longer takes traffic). */
    private static boolean readyAndServing(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() == null
                && pod.getStatus() != null
                && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * A status write for a LoadBalancer deleted meanwhile (404) ends that object, quietly. One that
     * lost a race (409: the object changed since this reconcile read it) is tried again shortly from
     * the newer object, quietly too. Any other failure is counted and left to JOSDK, which logs it
     * and retries.
     */
    @Override
    public ErrorStatusUpdateControl<LoadBalancer> updateErrorStatus(
            LoadBalancer lb, Context<LoadBalancer> context, Exception e) {
        if (e instanceof KubernetesClientException k && k.getCode() == 404) {
            LOG.debug(
                    "LoadBalancer {}/{} was deleted while its status was written; nothing more to do",
                    lb.getMetadata().getNamespace(),
                    lb.getMetadata().getName());
            return ErrorStatusUpdateControl.<LoadBalancer>noStatusUpdate().withNoRetry();
        }
        if (e instanceof KubernetesClientException k && k.getCode() == 409) {
            LOG.debug(
                    "LoadBalancer {}/{} changed while its status was written; reconciling again",
                    lb.getMetadata().getNamespace(),
                    lb.getMetadata().getName());
            return ErrorStatusUpdateControl.<LoadBalancer>noStatusUpdate()
                    .withNoRetry()
                    .rescheduleAfter(CONFLICT_RETRY);
        }
        metrics.error();
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    private static boolean sameStatus(LoadBalancerStatus stored, LoadBalancerStatus next) {
        return stored != null && JSON.convertValue(stored, Map.class).equals(JSON.convertValue(next, Map.class));
    }

    private static Optional<String> annotation(ConfigMap cm, String key) {
        return cm.getMetadata().getAnnotations() == null
                ? Optional.empty()
                : Optional.ofNullable(cm.getMetadata().getAnnotations().get(key));
    }

    private static Optional<Tier> tier(String wireName) {
        try {
            return Optional.of(Tier.parse(wireName));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.endsWith(".") ? m : m + ".";
    }

    private static List<String> addresses(Service service) {
        List<String> addresses = new ArrayList<>(ProxyResources.ingressAddresses(service));
        if (addresses.isEmpty()
                && service.getSpec() != null
                && service.getSpec().getClusterIP() != null
                && !"None".equals(service.getSpec().getClusterIP())) {
            addresses.add(service.getSpec().getClusterIP());
        }
        return addresses;
    }
}
