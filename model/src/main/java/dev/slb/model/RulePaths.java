package dev.slb.model;

import java.util.Locale;

/**
 * Reads a request path the way forwarding rules compare it, broadly enough that no common backend
 * reads the same bytes as a path under a rule's prefix when the proxy did not: percent escapes
 * decoded (RFC 3986 6.2.2.2, and beyond the unreserved characters), {@code ;parameters} cut from
 * each segment (as Tomcat, Jetty and Spring do), empty segments merged (as nginx does), dot
 * segments removed (RFC 3986 5.2.4, {@code %2e} included), and ASCII letters in lower case (as
 * IIS and case-insensitive file systems do).
 *
 * <p>Where backends disagree, the path is read more than once: strictly ({@code %2F}, {@code %5C}
 * and {@code %3B} are characters of a segment, {@code %25} is a '%'), liberally (those and a raw
 * backslash are slashes or a ';', {@code %25} escapes are decoded again), and, when it has a dot
 * segment, literally, as a backend that resolves none reads it. When the readings route
 * differently, the request is refused rather than guessed. Refused outright: a {@code ..} that climbs above the
 * root, an encoded NUL, a '%' without two hex digits and a '#' (a fragment, which no client sends).
 *
 * <p>In model/ because both sides read paths this way: the proxy to route requests, the operator
 * to warn about rules that read as the same path or do not read at all.
 */
public final class RulePaths {
    private RulePaths() {}

    /** One reading of a path: the path as rules compare it, or why it cannot be read. */
    public record Reading(String path, String problem) {
        static Reading refused(String problem) {
            return new Reading(null, problem);
        }
    }

    /**
     * A rule's own path, read as a request's is (strictly). A path that does not read (see
     * {@link #problemOfRule}) is kept as written, in lower case: requests spelled that way are
     * refused, so such a rule does not match the requests it seems to name.
     */
    public static String ofRule(String path) {
        Reading r = read(path, 0, path.length(), false);
        return r.path() != null ? r.path() : path.toLowerCase(Locale.ROOT);
    }

    /** Why a rule's own path does not read as a request's path can, or null when it reads. */
    public static String problemOfRule(String path) {
        return read(path, 0, path.length(), false).problem();
    }

    /** True when {@code target[from, to)} holds what a backend may read in more than one way. */
    public static boolean ambiguous(String target, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = target.charAt(i);
            if (c == '\\') {
                return true;
            }
            if (c == '%' && i + 2 < to) {
                char a = target.charAt(i + 1);
                char b = (char) (target.charAt(i + 2) | 0x20);
                if ((a == '2' && (b == 'f' || b == '5')) || (a == '5' && b == 'c') || (a == '3' && b == 'b')) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * True when {@code target[from, to)} has a segment that starts with '.' or an encoded one: a
     * dot segment that backends which resolve them (most) and those that do not (Express, Flask,
     * nginx for {@code ..;}) read as different paths.
     */
    public static boolean hasDotSegment(String target, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = target.charAt(i);
            if (c == '.' && i > from && target.charAt(i - 1) == '/') {
                return true;
            }
            if (c == '%' && i + 2 < to && target.charAt(i + 1) == '2' && (target.charAt(i + 2) | 0x20) == 'e') {
                return true;
            }
        }
        return false;
    }

    /**
     * The path {@code target[from, to)} as a backend that resolves no dot segment and decodes
     * nothing reads it: empty segments merged and {@code ;parameters} cut, as {@link #read} does,
     * letters in lower case, and every {@code .}, {@code ..} and escape left as it is.
     */
    public static String literal(String target, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            if (target.charAt(i) == '/') {
                i++;
                continue;
            }
            int start = i;
            int end = -1;
            while (i < to && target.charAt(i) != '/') {
                if (end < 0 && target.charAt(i) == ';') {
                    end = i;
                }
                i++;
            }
            if (end < 0) {
                end = i;
            }
            if (end > start) {
                out.append('/');
                for (int p = start; p < end; p++) {
                    out.append(lower(target.charAt(p)));
                }
            }
        }
        return out.toString();
    }

    /**
     * Reads the path {@code target[from, to)} (no query: {@code to} is at the '?' or the end).
     * The answer has no trailing slash and is empty for the root, so a rule prefix matches when it
     * equals the answer or is followed in it by '/'.
     */
    public static Reading read(String target, int from, int to, boolean liberal) {
        char[] decoded = new char[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = target.charAt(i);
            if (c == '#') {
                return Reading.refused("a '#' in the request target: a fragment is never sent to a server");
            }
            if (c == '%') {
                int v = hex(target, i + 1, to);
                if (v < 0) {
                    return Reading.refused("a '%' not followed by two hex digits in the path");
                }
                i += 2;
                if (v == '%' && liberal) {
                    // Decoded once more, as a backend that decodes twice would.
                    int w = hex(target, i + 1, to);
                    if (w >= 0) {
                        v = w;
                        i += 2;
                    }
                }
                if (v == 0) {
                    return Reading.refused("an encoded NUL (%00) in the path");
                }
                if (v == '/' || v == '\\' || v == ';') {
                    // Strictly a character of its segment (Tomcat cuts parameters before it decodes,
                    // so %3B starts none); liberally what it decodes to.
                    if (liberal) {
                        decoded[n++] = v == ';' ? ';' : '/';
                    } else {
                        decoded[n++] = '\u0000';
                        decoded[n++] = v == '/' ? 'f' : v == '\\' ? 'c' : 'b';
                    }
                    continue;
                }
                c = (char) v;
            } else if (c == '\\' && liberal) {
                c = '/';
            }
            decoded[n++] = lower(c);
        }
        return segments(decoded, n);
    }

    /** Joins the segments of {@code decoded[0, n)} without empty ones, parameters and dot segments. */
    private static Reading segments(char[] decoded, int n) {
        // Written into the same array: the output never runs ahead of the input.
        int out = 0;
        int i = 0;
        while (i < n) {
            if (decoded[i] == '/') {
                i++;
                continue;
            }
            int start = i;
            while (i < n && decoded[i] != '/') {
                i++;
            }
            int end = i;
            for (int p = start; p < i; p++) {
                if (decoded[p] == ';') {
                    end = p;
                    break;
                }
            }
            int length = end - start;
            if (length == 1 && decoded[start] == '.') {
                continue;
            }
            if (length == 2 && decoded[start] == '.' && decoded[start + 1] == '.') {
                if (out == 0) {
                    return Reading.refused("a '..' segment that climbs above the root of the path");
                }
                while (out > 0 && decoded[out - 1] != '/') {
                    out--;
                }
                out--;
                continue;
            }
            if (length == 0) {
                // A segment of parameters alone (";x"), as Tomcat reads it: empty, so merged away.
                continue;
            }
            decoded[out++] = '/';
            System.arraycopy(decoded, start, decoded, out, length);
            out += length;
        }
        return new Reading(new String(decoded, 0, out), null);
    }

    /** The byte the two hex digits at {@code s[at]} spell, or -1. */
    private static int hex(String s, int at, int to) {
        if (at + 1 >= to) {
            return -1;
        }
        int a = digit(s.charAt(at));
        int b = digit(s.charAt(at + 1));
        return a < 0 || b < 0 ? -1 : a * 16 + b;
    }

    /** ASCII hex only: {@code Character.digit} would also take other scripts' digits. */
    private static int digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        char l = (char) (c | 0x20);
        return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
