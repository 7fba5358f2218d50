package dev.slb.model;

/**
 * An HTTP listener's redirect of every request to HTTPS: 301 for GET and HEAD, 308 for every other
 * method, keeping host, path and query; WebSocket upgrades too.
 *
 * @param httpsPort the port the {@code Location} names (the HTTPS listener's port as clients reach
 *                  it); left out of the {@code Location} when 443
 */
public record Redirect(int httpsPort) {
    public static final int DEFAULT_HTTPS_PORT = 443;
}
