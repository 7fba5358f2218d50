package dev.slb.operator.desired;

import dev.slb.model.Drain;
import dev.slb.operator.api.LoadBalancerSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * The operator's own settings that shape every proxy fleet: image, drain window and pod size
 * (the same for every tier; a tier changes only the replica count).
 *
 * @param proxyImage           the proxy container image
 * @param imagePullPolicy      Always, IfNotPresent or Never
 * @param readinessGracePeriod how long a stopping proxy keeps accepting after turning not-ready
 * @param drainTimeout         how long in-flight work may take once a stopping proxy stops accepting
 * @param cpuRequest           proxy container CPU request, a Kubernetes quantity
 * @param cpuLimit             proxy container CPU limit
 * @param memoryRequest        proxy container memory request
 * @param memoryLimit          proxy container memory limit
 */
public record OperatorSettings(
        String proxyImage,
        String imagePullPolicy,
        Duration readinessGracePeriod,
        Duration drainTimeout,
        String cpuRequest,
        String cpuLimit,
        String memoryRequest,
        String memoryLimit) {

    public static final String DEFAULT_IMAGE = "slb-proxy:0.1.0-SNAPSHOT";
    /** Added to the drain window for the JVM to exit before the kubelet sends SIGKILL. */
    public static final Duration EXIT_MARGIN = Duration.ofSeconds(15);

    public OperatorSettings {
        Objects.requireNonNull(proxyImage, "proxyImage");
        Objects.requireNonNull(imagePullPolicy, "imagePullPolicy");
        Objects.requireNonNull(readinessGracePeriod, "readinessGracePeriod");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
    }

    /** Image {@value #DEFAULT_IMAGE} (IfNotPresent), drain 5 s + 30 s, 1 CPU and 1 GiB requested and limited. */
    public static OperatorSettings defaults() {
        return new OperatorSettings(
                DEFAULT_IMAGE,
                "IfNotPresent",
                Drain.DEFAULT_READINESS_GRACE_PERIOD,
                Drain.DEFAULT_TIMEOUT,
                "1",
                "1",
                "1Gi",
                "1Gi");
    }

    public OperatorSettings withProxyImage(String image) {
        return new OperatorSettings(
                image,
                imagePullPolicy,
                readinessGracePeriod,
                drainTimeout,
                cpuRequest,
                cpuLimit,
                memoryRequest,
                memoryLimit);
    }

    /** The same settings with another drain window (readiness grace period, then drain timeout). */
    public OperatorSettings withDrain(Duration readinessGrace, Duration timeout) {
        return new OperatorSettings(
                proxyImage, imagePullPolicy, readinessGrace, timeout, cpuRequest, cpuLimit, memoryRequest, memoryLimit);
    }

    /** These settings with the drain window of {@code spec.drain}, where the LoadBalancer sets one. */
    public OperatorSettings forInstance(LoadBalancerSpec spec) {
        if (spec == null || spec.drain == null) {
            return this;
        }
        return withDrain(
                spec.drain.readinessGraceSeconds == null
                        ? readinessGracePeriod
                        : Duration.ofSeconds(spec.drain.readinessGraceSeconds),
                spec.drain.timeoutSeconds == null ? drainTimeout : Duration.ofSeconds(spec.drain.timeoutSeconds));
    }

    /** The drain the proxies are configured with. */
    public Drain drain() {
        return new Drain(readinessGracePeriod, drainTimeout);
    }

    /** Longer than the drain window, so the kubelet never kills a proxy that is still draining. */
    public Duration terminationGracePeriod() {
        return readinessGracePeriod.plus(drainTimeout).plus(EXIT_MARGIN);
    }
}
