package dev.slb.proxy.routing;

/**
 * Where an HTTP listener's redirect to HTTPS points: the request's host without its port, the
 * HTTPS port when it is not 443, and the request's path and query unchanged.
 */
public final class Redirects {
    private static final int HTTPS_DEFAULT_PORT = 443;

    private Redirects() {}

    /** 301 for GET and HEAD (clients may turn other methods into GET on it), 308 for every other method. */
    public static int status(String method) {
        return method.equals("GET") || method.equals("HEAD") ? 301 : 308;
    }

    /**
     * The {@code Location}, or null when the request names no host to send the client to.
     *
     * @param hostHeader the Host header as sent, or null
     * @param target     the request target: origin form, absolute form (whose host then counts) or {@code *}
     * @param httpsPort  the HTTPS listener's port as clients reach it
     */
    public static String location(String hostHeader, String target, int httpsPort) {
        String host = hostHeader;
        String pathAndQuery = target;
        int scheme = target.indexOf("://");
        if (!target.startsWith("/") && scheme > 0) {
            int authority = scheme + 3;
            int end = authority;
            while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
                end++;
            }
            host = target.substring(authority, end);
            pathAndQuery = target.substring(end);
        }
        if (pathAndQuery.isEmpty() || pathAndQuery.equals("*")) {
            pathAndQuery = "/";
        } else if (pathAndQuery.startsWith("?")) {
            pathAndQuery = "/" + pathAndQuery;
        }
        if (host == null || host.isEmpty()) {
            return null;
        }
        String name = withoutPort(host);
        return "https://" + name + (httpsPort == HTTPS_DEFAULT_PORT ? "" : ":" + httpsPort) + pathAndQuery;
    }

    private static String withoutPort(String host) {
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close < 0 ? host : host.substring(0, close + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }
}
