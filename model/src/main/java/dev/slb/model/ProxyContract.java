package dev.slb.model;

/**
 * What the operator and the proxy agree on besides the config records: where the config lives in
 * its ConfigMap and what the proxy's admin port serves. Both sides use these names, so neither
 * can drift from the other.
 */
public final class ProxyContract {
    /** The ConfigMap key that holds the rendered {@link ProxyConfig}. */
    public static final String CONFIG_MAP_KEY = "config.yaml";

    /** Admin path: 200 while the process serves. */
    public static final String HEALTHZ_PATH = "/healthz";
    /** Admin path: 200 while the proxy takes new connections, 503 while it drains. */
    public static final String READYZ_PATH = "/readyz";
    /** Admin path: the config served, as JSON; its version also in {@link #CONFIG_VERSION_HEADER}. */
    public static final String CONFIG_PATH = "/config";
    /** Admin path: each backend's health as this replica sees it, as a {@link BackendHealthReport}. */
    public static final String BACKENDS_PATH = "/backends";
    /** Admin path: Prometheus metrics. */
    public static final String METRICS_PATH = "/metrics";
    /** Admin path: what the last config reloads did (connections kept, draining, closed), as JSON, newest last. */
    public static final String RELOADS_PATH = "/reloads";
    /** Response header of the admin port carrying the {@link ProxyConfig#version()} served. */
    public static final String CONFIG_VERSION_HEADER = "X-Config-Version";

    private ProxyContract() {}
}
