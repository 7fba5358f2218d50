package dev.slb.proxy.routing;

import dev.slb.model.ForwardingRule;
import dev.slb.model.RulePaths;
import java.util.List;
import java.util.Map;

/**
 * A listener's forwarding rules, ready to match requests: which backend group a host and request
 * target go to. Precedence: an exact host before any wildcard, a longer wildcard before a shorter
 * one, any of those before a rule with no host; among rules of equal host rank, the longest
 * whole-segment path prefix; between equal rules, the first written. Paths are compared as
 * {@link RulePaths} reads them, and a path it refuses, or reads two ways that route differently,
 * is {@link #REFUSED}. Without a path in any rule, no request path is read.
 */
public final class Routes {
    /** What {@link #route} answers when no rule matches: the listener's default group. */
    public static final int NO_MATCH = -1;
    /** What {@link #route} answers for a path that cannot be routed safely: {@link #problem} says why. */
    public static final int REFUSED = -2;

    private static final int ANY_HOST = 0;
    private static final int EXACT_HOST = Integer.MAX_VALUE;

    private final String[] hosts;
    private final boolean[] wildcard;
    private final String[] paths;
    private final int[] groups;
    /** True when some rule has a path other than "/": only then is a request's path read at all. */
    private final boolean byPath;

    private Routes(String[] hosts, boolean[] wildcard, String[] paths, int[] groups) {
        this.hosts = hosts;
        this.wildcard = wildcard;
        this.paths = paths;
        this.groups = groups;
        boolean any = false;
        for (String p : paths) {
            any |= !p.isEmpty();
        }
        this.byPath = any;
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
            // Read as requests are: "/v1/", "/V1" and "/v1" are one prefix; "/" (read as "") means every path.
            paths[i] = r.path() == null ? "" : RulePaths.ofRule(r.path());
            Integer g = groupIndex.get(r.backendGroup());
            if (g == null) {
                throw new IllegalArgumentException("rule " + i + " names no known backend group: " + r.backendGroup());
            }
            groups[i] = g;
        }
        return new Routes(hosts, wildcard, paths, groups);
    }

    /**
     * The group index of the best rule for a request, {@link #NO_MATCH} or {@link #REFUSED}.
     *
     * @param hostHeader the Host header as sent (any case, maybe with a port), or null
     * @param target     the request target: origin form ({@code /a/b?q}), absolute form
     *                   ({@code http://host/a}, whose host then counts instead of the header's) or {@code *}
     */
    public int route(String hostHeader, String target) {
        Request r = new Request(hostHeader, target);
        if (!byPath) {
            return best(r.host, r.hostFrom, r.hostTo, "");
        }
        RulePaths.Reading strict = RulePaths.read(target, r.pathFrom, r.pathTo, false);
        if (strict.path() == null) {
            return REFUSED;
        }
        int g = best(r.host, r.hostFrom, r.hostTo, strict.path());
        if (RulePaths.ambiguous(target, r.pathFrom, r.pathTo)) {
            RulePaths.Reading liberal = RulePaths.read(target, r.pathFrom, r.pathTo, true);
            if (liberal.path() == null || best(r.host, r.hostFrom, r.hostTo, liberal.path()) != g) {
                return REFUSED;
            }
        }
        if (RulePaths.hasDotSegment(target, r.pathFrom, r.pathTo)
                && best(r.host, r.hostFrom, r.hostTo, RulePaths.literal(target, r.pathFrom, r.pathTo)) != g) {
            return REFUSED;
        }
        return g;
    }

    /** Why {@link #route} refuses this request's path, in words for the client; null when it does not. */
    public String problem(String hostHeader, String target) {
        if (route(hostHeader, target) != REFUSED) {
            return null;
        }
        Request r = new Request(hostHeader, target);
        for (boolean liberal : new boolean[] {false, true}) {
            RulePaths.Reading reading = RulePaths.read(target, r.pathFrom, r.pathTo, liberal);
            if (reading.problem() != null) {
                return reading.problem();
            }
        }
        return "a dot segment ('.', '..'), an encoded slash, backslash or ';' (%2F, %5C, %3B), a backslash or a"
                + " double-encoded '%' (%25) in the path changes which forwarding rule it matches, depending on how"
                + " the backend reads it";
    }

    /** Where the host and the path are in a request: the host in the target when absolute, else in the header. */
    private static final class Request {
        final String host;
        final int hostFrom;
        final int hostTo;
        final int pathFrom;
        final int pathTo;

        Request(String hostHeader, String target) {
            int authority = -1;
            if (target != null && !target.isEmpty() && target.charAt(0) != '/' && target.charAt(0) != '*') {
                int scheme = target.indexOf("://");
                if (scheme > 0) {
                    authority = scheme + 3;
                }
            }
            if (authority >= 0) {
                int slash = target.indexOf('/', authority);
                int end = slash < 0 ? target.length() : slash;
                int query = target.indexOf('?', authority);
                if (query >= 0 && query < end) {
                    end = query;
                }
                host = target;
                hostFrom = authority;
                hostTo = hostEnd(target, authority, end);
                pathFrom = end;
            } else {
                host = hostHeader;
                hostFrom = 0;
                hostTo = hostHeader == null ? 0 : hostEnd(hostHeader, 0, hostHeader.length());
                pathFrom = 0;
            }
            pathTo = target == null || target.startsWith("*") ? pathFrom : pathEnd(target, pathFrom);
        }
    }

    private int best(String host, int hostFrom, int hostTo, String path) {
        int best = NO_MATCH;
        int bestHostRank = -1;
        int bestPathLength = -1;
        for (int i = 0; i < groups.length; i++) {
            int rank = hostRank(i, host, hostFrom, hostTo);
            if (rank < 0 || rank < bestHostRank) {
                continue;
            }
            int pathLength = pathMatch(paths[i], path);
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

    /** The length of {@code prefix} when it is a whole-segment prefix of {@code path} (both as read), else -1. */
    private static int pathMatch(String prefix, String path) {
        if (prefix.isEmpty()) {
            return 0;
        }
        if (!path.startsWith(prefix)) {
            return -1;
        }
        return path.length() == prefix.length() || path.charAt(prefix.length()) == '/' ? prefix.length() : -1;
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

    /** Where the path ends: at the query or the end ('#' is left in, for {@link RulePaths} to refuse). */
    private static int pathEnd(String target, int from) {
        int query = target.indexOf('?', from);
        return query < 0 ? target.length() : query;
    }
}
