package dev.slb.operator.desired;

/**
 * One endpoint behind a Service port, as its EndpointSlices list it.
 *
 * @param ip    the endpoint's address
 * @param port  the endpoint's port for that Service port (the target port)
 * @param ready whether the endpoint is ready; only ready endpoints become backends
 */
public record ResolvedEndpoint(String ip, int port, boolean ready) {}
