package dev.slb.proxy.routing;

import dev.slb.model.ForwardingRule;
import java.util.List;
import java.util.Map;

/**
 * A listener's forwarding rules, ready to match requests: which backend group a host and request
 * target go to. Precedence: an exact host before any wildcard, a longer wildcard before a shorter
 * one, any of those before a rule with no host; among rules of equal host rank, the longest
 * whole-segment path prefix; between equal rules, the first written. Matching allocates nothing.
 */
public final class Routes {
    /** What {@link #route} answers when no rule matches: the listener's default group. */
    public static final int NO_MATCH = -1;

    private static final int ANY_HOST = 0;
    private static final int EXACT_HOST = Integer.MAX_VALUE;

    private final String[] hosts;
    private final boolean[] wildcard;
    private final String[] paths;
    private final int[] groups;

    private Routes(String[] hosts, boolean[] wildcard, String[] paths, int[] groups) {
        this.hosts = hosts;
        this.wildcard = wildcard;
        this.paths = paths;
        this.groups = groups;
    }

    /**
     * Compiles validated rules; {@code groupIndex} gives each group name's index, which
     * {@link #route} then answers.
     */
    public static Routes of(List<ForwardingRule> rules, Map<String, Integer> groupIndex) {
        int n = rules.size();
        String[] hosts = new String[n];
        boolean[] wildcard = new boolean[n];
        String[] paths = new String[n];
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) {
            ForwardingRule r = rules.get(i);
            String host = r.host();
            if (host != null && host.startsWith("*.")) {
                // Kept with its dot: "*.example.com" matches "a.example.com", never "example.com" itself.
                wildcard[i] = true;
                host = host.substring(1);
            }
            hosts[i] = host;
            String path = r.path() == null ? "" : r.path();
            // "/v1/" and "/v1" mean the same whole-segment prefix; "/" means every path.
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            paths[i] = path;
            Integer g = groupIndex.get(r.backendGroup());
            if (g == null) {
                throw new IllegalArgumentException("rule " + i + " names no known backend group: " + r.backendGroup());
            }
            groups[i] = g;
        }
        return new Routes(hosts, wildcard, paths, groups);
    }

    /**
     * The group index of the best rule for a request, or {@link #NO_MATCH}.
     *
     * @param hostHeader the Host header as sent (any case, maybe with a port), or null
     * @param target     the request target: origin form ({@code /a/b?q}), absolute form
     *                   ({@code http://host/a}, whose host then counts instead of the header's) or {@code *}
     */
    public int route(String hostHeader, String target) {
        String host = hostHeader;
        int pathStart = 0;
        if (target != null && !target.isEmpty() && target.charAt(0) != '/' && target.charAt(0) != '*') {
            int scheme = target.indexOf("://");
            if (scheme > 0) {
                int authority = scheme + 3;
                int slash = target.indexOf('/', authority);
                int end = slash < 0 ? target.length() : slash;
                int query = target.indexOf('?', authority);
                if (query >= 0 && query < end) {
                    end = query;
                }
                host = target;
                return best(host, authority, hostEnd(target, authority, end), target, end);
            }
        }
        if (host == null) {
            return best(null, 0, 0, target, pathStart);
        }
        return best(host, 0, hostEnd(host, 0, host.length()), target, pathStart);
    }

    private int best(String host, int hostFrom, int hostTo, String target, int pathFrom) {
        int pathTo = pathEnd(target, pathFrom);
        int best = NO_MATCH;
        int bestHostRank = -1;
        int bestPathLength = -1;
        for (int i = 0; i < groups.length; i++) {
            int rank = hostRank(i, host, hostFrom, hostTo);
            if (rank < 0 || rank < bestHostRank) {
                continue;
            }
            int pathLength = pathMatch(paths[i], target, pathFrom, pathTo);
            if (pathLength < 0) {
                continue;
            }
            if (rank > bestHostRank || pathLength > bestPathLength) {
                best = groups[i];
                bestHostRank = rank;
                bestPathLength = pathLength;
            }
        }
        return best;
    }

    /** How well rule {@code i}'s host matches: -1 not at all, else higher is more specific. */
    private int hostRank(int i, String host, int from, int to) {
        String want = hosts[i];
        if (want == null) {
            return ANY_HOST;
        }
        if (host == null) {
            return -1;
        }
        int length = to - from;
        if (!wildcard[i]) {
            return length == want.length() && host.regionMatches(true, from, want, 0, length) ? EXACT_HOST : -1;
        }
        // The suffix with its dot, after at least one character of label.
        return length > want.length() && host.regionMatches(true, to - want.length(), want, 0, want.length())
                ? want.length()
                : -1;
    }

    /** The length of {@code prefix} when it is a whole-segment prefix of the path, else -1. */
    private static int pathMatch(String prefix, String target, int from, int to) {
        if (prefix.isEmpty()) {
            return 0;
        }
        int length = to - from;
        if (target == null || length < prefix.length() || !target.startsWith(prefix, from)) {
            return -1;
        }
        return length == prefix.length() || target.charAt(from + prefix.length()) == '/' ? prefix.length() : -1;
    }

    /** Where the host ends in {@code s[from, to)}: before a port, after an IPv6 literal's bracket, before a final dot. */
    private static int hostEnd(String s, int from, int to) {
        int end = to;
        if (from < to && s.charAt(from) == '[') {
            int close = s.indexOf(']', from);
            return close < 0 || close >= to ? to : close + 1;
        }
        int colon = s.indexOf(':', from);
        if (colon >= 0 && colon < to) {
            end = colon;
        }
        return end > from && s.charAt(end - 1) == '.' ? end - 1 : end;
    }

    private static int pathEnd(String target, int from) {
        if (target == null) {
            return from;
        }
        int n = target.length();
        for (int i = from; i < n; i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return n;
    }
}
