package dev.slb.operator.desired;

/**
 * One endpoint behind a Service port, as its EndpointSlices list it.
 *
 * @param ip          the endpoint's address
 * @param port        the endpoint's port for that Service port (the target port)
 * @param ready       whether the endpoint is ready; ready endpoints become backends
 * @param terminating whether its pod is going away (serving or not); such an endpoint becomes a
 *                    draining backend: no new connections, its open ones closed within the
 *                    listener's connectionDrainSeconds
 */
public record ResolvedEndpoint(String ip, int port, boolean ready, boolean terminating) {
    public ResolvedEndpoint(String ip, int port, boolean ready) {
        this(ip, port, ready, false);
    }
}
