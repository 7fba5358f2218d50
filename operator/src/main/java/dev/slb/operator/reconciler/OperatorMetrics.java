package dev.slb.operator.reconciler;

import dev.slb.operator.api.ConditionType;
import dev.slb.operator.api.LoadBalancer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The operator's metrics, kept in a Prometheus registry: reconciliations, their duration, outcome and queue,
 * Kubernetes API errors, and the LoadBalancers by condition state.
 */
public final class OperatorMetrics {
    /** The condition states counted for each type; a LoadBalancer without the condition counts as Unknown. */
    static final List<String> CONDITION_STATES = List.of("True", "False", "Unknown");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final CounterDataPoint reconciliations;
    private final CounterDataPoint errors;
    private final Histogram reconcileDuration;
    private final Counter apiErrors;
    private final Map<String, AtomicInteger> queued = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> executing = new ConcurrentHashMap<>();
    // JOSDK calls "finished" also for a reconcile it skipped without "started"; this tells the two apart.
    private final ThreadLocal<Boolean> executingHere = ThreadLocal.withInitial(() -> false);
    private volatile Supplier<Stream<LoadBalancer>> loadBalancers = Stream::empty;

    public OperatorMetrics() {
        reconciliations = Counter.builder()
                .name("slb_operator_reconciliations_total")
                .help("LoadBalancer reconciliations started.")
                .withoutExemplars()
                .register(registry)
                .labelValues();
        errors = Counter.builder()
                .name("slb_operator_reconciliation_errors_total")
                .help("LoadBalancer reconciliations that failed (their status says why, or the operator log does).")
                .withoutExemplars()
                .register(registry)
                .labelValues();
        reconcileDuration = Histogram.builder()
                .name("slb_operator_reconcile_duration_seconds")
                .help("How long each reconcile (or cleanup) took, per controller, by outcome: success, or error"
                        + " when it threw and JOSDK retries it.")
                .unit(Unit.SECONDS)
                .labelNames("controller", "execution", "outcome")
                .classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .withoutExemplars()
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_operator_reconciles_queued")
                .help("Reconciles submitted and waiting for a reconcile thread, per controller.")
                .labelNames("controller")
                .callback(cb -> queued.forEach((controller, n) -> cb.call(n.get(), controller)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_operator_reconciles_executing")
                .help("Reconciles running now, per controller (at most SLB_RECONCILE_THREADS).")
                .labelNames("controller")
                .callback(cb -> executing.forEach((controller, n) -> cb.call(n.get(), controller)))
                .register(registry);
        apiErrors = Counter.builder()
                .name("slb_operator_api_errors_total")
                .help("Kubernetes API requests the operator made that were answered with an error status (by code)"
                        + " or not answered at all (code \"none\"). 404 and 409 are routine in small numbers.")
                .labelNames("code")
                .withoutExemplars()
                .register(registry);
        GaugeWithCallback.builder()
                .name("slb_operator_loadbalancers")
                .help("LoadBalancers by the state of each status condition, as the operator's cache holds them;"
                        + " one without the condition counts as Unknown.")
                .labelNames("condition", "status")
                .callback(cb -> byCondition()
                        .forEach(
                                (type, states) -> states.forEach((state, count) -> cb.call(count, type.name(), state))))
                .register(registry);
    }

    /** The registry to expose (the admin server writes it in the Prometheus text format). */
    public PrometheusRegistry registry() {
        return registry;
    }

    public void reconciliation() {
        reconciliations.inc();
    }

    public void error() {
        errors.inc();
    }

    public long reconciliations() {
        return (long) reconciliations.get();
    }

    public long errors() {
        return (long) errors.get();
    }

    /** Where {@code slb_operator_loadbalancers} counts from at each scrape: the reconciler's primary cache. */
    public void countLoadBalancersIn(Supplier<Stream<LoadBalancer>> loadBalancers) {
        this.loadBalancers = Objects.requireNonNull(loadBalancers, "loadBalancers");
    }

    private Map<ConditionType, Map<String, Integer>> byCondition() {
        Map<ConditionType, Map<String, Integer>> counts = new EnumMap<>(ConditionType.class);
        for (ConditionType type : ConditionType.values()) {
            Map<String, Integer> states = new LinkedHashMap<>();
            CONDITION_STATES.forEach(state -> states.put(state, 0));
            counts.put(type, states);
        }
        loadBalancers.get().forEach(lb -> {
            List<Condition> conditions = lb.getStatus() == null ? List.of() : lb.getStatus().conditions;
            for (ConditionType type : ConditionType.values()) {
                String state = conditions.stream()
                        .filter(c -> type.name().equals(c.getType()))
                        .map(Condition::getStatus)
                        .filter(CONDITION_STATES::contains)
                        .findFirst()
                        .orElse("Unknown");
                counts.get(type).merge(state, 1, Integer::sum);
            }
        });
        return counts;
    }

    /** What JOSDK reports of its reconciles: duration and outcome, queue and executions, per controller. */
    public Metrics josdk() {
        return new Metrics() {
            @Override
            public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
                long start = System.nanoTime();
                String outcome = "error";
                try {
                    T result = execution.execute();
                    outcome = "success";
                    return result;
                } finally {
                    reconcileDuration
                            .labelValues(execution.controllerName(), execution.name(), outcome)
                            .observe((System.nanoTime() - start) / 1e9);
                }
            }

            @Override
            public void reconcileCustomResource(
                    HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
                count(queued, metadata).incrementAndGet();
            }

            @Override
            public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
                count(queued, metadata).decrementAndGet();
                count(executing, metadata).incrementAndGet();
                executingHere.set(true);
            }

            @Override
            public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
                if (executingHere.get()) {
                    executingHere.set(false);
                    count(executing, metadata).decrementAndGet();
                } else {
                    count(queued, metadata).decrementAndGet();
                }
            }
        };
    }

    private static AtomicInteger count(Map<String, AtomicInteger> counts, Map<String, Object> metadata) {
        Object controller = metadata.get(Constants.CONTROLLER_NAME);
        return counts.computeIfAbsent(String.valueOf(controller), c -> new AtomicInteger());
    }

    /** Counts every API request answered with an error status, or not answered, by code. */
    public Interceptor apiErrors() {
        return new Interceptor() {
            @Override
            public void after(
                    HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
                if (response.code() >= 400) {
                    apiErrors.labelValues(Integer.toString(response.code())).inc();
                }
            }

            @Override
            public void afterConnectionFailure(HttpRequest request, Throwable failure) {
                apiErrors.labelValues("none").inc();
            }
        };
    }
}
