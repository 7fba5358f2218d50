package dev.slb.proxy.http;

import java.nio.charset.StandardCharsets;

/**
 * The grammar of a request head (RFC 9112 sections 2 to 5 and 7.1, RFC 9110 section 7.2), checked
 * byte by byte as the head arrives, stricter than the decoder that parses it afterwards: what the
 * decoder would quietly mend (a space before the request line, several spaces between its parts,
 * {@code http/1.1} in lower case, a header line folded onto the next) or pass on (control bytes in
 * the target, a Transfer-Encoding other than {@code chunked}) could be read differently by a
 * backend, so it is refused here instead; and the header lines are counted.
 *
 * <p>One instance reads the heads of one connection, one after another ({@link #reset()} between
 * them); {@link #next(byte)} costs a table look-up and a switch per byte. The static methods check
 * what the decoder hands on as text: the target's form and the Host.
 */
final class RequestSyntax {
    // Byte classes (RFC 9110 5.6.2 tchar, 5.5 field-vchar and obs-text).
    private static final byte TOKEN = 1;
    /** Allowed in a request target: visible ASCII and, as most servers allow, obs-text (raw UTF-8). */
    private static final byte TARGET = 2;
    /** Allowed in a field value: visible ASCII, obs-text, space and horizontal tab. */
    private static final byte VALUE = 4;

    private static final byte[] CLASSES = new byte[256];

    static {
        for (int b = 0x21; b < 0x7F; b++) {
            CLASSES[b] |= TARGET | VALUE;
        }
        for (int b = 0x80; b < 0x100; b++) {
            CLASSES[b] |= TARGET | VALUE;
        }
        CLASSES[' '] |= VALUE;
        CLASSES['\t'] |= VALUE;
        for (char c : "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray()) {
            CLASSES[c] |= TOKEN;
        }
    }

    private static final byte[] HTTP_SLASH = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = {'c', 'h', 'u', 'n', 'k', 'e', 'd'};

    private static final int LEADING = 0;
    private static final int METHOD = 1;
    private static final int TARGET_FIRST = 2;
    private static final int TARGET_REST = 3;
    private static final int VERSION = 4;
    private static final int REQUEST_LINE_LF = 5;
    private static final int LINE_START = 6;
    private static final int NAME = 7;
    private static final int VALUE_BYTES = 8;
    private static final int VALUE_LF = 9;
    private static final int END_LF = 10;
    private static final int DONE = 11;
    private static final int REFUSED = 12;

    // Where a Transfer-Encoding value is, against "chunked" with optional whitespace around it.
    private static final int TE_LEADING_SPACE = 0;
    private static final int TE_WORD = 1;
    private static final int TE_TRAILING_SPACE = 2;
    private static final int TE_OTHER = 3;

    private final int maxHeaders;

    private int state;
    private int versionAt;
    private int major;
    private int minor;
    private int headers;
    /** Bytes of "transfer-encoding" matched by the header name being read; -1 once it cannot match. */
    private int nameMatch;

    private boolean inTransferEncoding;
    private int transferEncodingLines;
    private boolean transferEncodingOther;
    private int teState;
    private int teMatched;

    private Refusal refusal;
    private String problem;

    /** @param maxHeaders the most header lines a head may have (431 beyond) */
    RequestSyntax(int maxHeaders) {
        this.maxHeaders = maxHeaders;
    }

    /** Makes ready for the next head. */
    void reset() {
        state = LEADING;
        versionAt = 0;
        major = 0;
        minor = 0;
        headers = 0;
        inTransferEncoding = false;
        transferEncodingLines = 0;
        transferEncodingOther = false;
        refusal = null;
        problem = null;
    }

    /** True once a byte of a request line has arrived (empty lines before a request do not count). */
    boolean begun() {
        return state != LEADING;
    }

    /** True when the head ended (its empty line read) and nothing in it was refused. */
    boolean done() {
        return state == DONE;
    }

    /** Why the head is refused, or null while it is not. */
    Refusal refusal() {
        return refusal;
    }

    /** What is wrong, in words for the client. */
    String problem() {
        return problem;
    }

    /**
     * Reads one byte of the head. Returns false when the head is over, ended ({@link #done()}) or
     * refused ({@link #refusal()}); the byte that ends a head is its last LF.
     */
    boolean next(byte value) {
        int b = value & 0xFF;
        byte cls = CLASSES[b];
        switch (state) {
            case LEADING -> {
                // RFC 9112 2.2: empty lines before a request line are ignored.
                if (b == '\r' || b == '\n') {
                    return true;
                }
                if ((cls & TOKEN) == 0) {
                    return refuse(
                            Refusal.MALFORMED, "the request line must start with a method, with nothing before it");
                }
                state = METHOD;
            }
            case METHOD -> {
                if (b == ' ') {
                    state = TARGET_FIRST;
                } else if ((cls & TOKEN) == 0) {
                    return refuse(
                            Refusal.MALFORMED,
                            "the method has a character a method cannot have, or is not followed by one space");
                }
            }
            case TARGET_FIRST -> {
                if (b == ' ') {
                    return refuse(Refusal.MALFORMED, "the parts of the request line must be separated by one space");
                }
                if ((cls & TARGET) == 0) {
                    return refuseTarget(b);
                }
                state = TARGET_REST;
            }
            case TARGET_REST -> {
                if (b == ' ') {
                    state = VERSION;
                } else if ((cls & TARGET) == 0) {
                    return refuseTarget(b);
                }
            }
            case VERSION -> {
                return version(b);
            }
            case REQUEST_LINE_LF, VALUE_LF -> {
                if (b != '\n') {
                    return refuse(Refusal.MALFORMED, "a CR not followed by LF");
                }
                state = LINE_START;
            }
            case LINE_START -> {
                return lineStart(b, cls);
            }
            case NAME -> {
                if (b == ':') {
                    inTransferEncoding = nameMatch == TRANSFER_ENCODING.length;
                    if (inTransferEncoding) {
                        transferEncodingLines++;
                        teState = TE_LEADING_SPACE;
                        teMatched = 0;
                    }
                    state = VALUE_BYTES;
                } else if ((cls & TOKEN) != 0) {
                    matchName(b);
                } else if (b == ' ' || b == '\t') {
                    return refuse(Refusal.MALFORMED, "whitespace between a header name and its colon");
                } else {
                    return refuse(
                            Refusal.MALFORMED,
                            "a header line without a colon, or a header name with an invalid character");
                }
            }
            case VALUE_BYTES -> {
                if ((cls & VALUE) != 0) {
                    if (inTransferEncoding) {
                        transferEncodingByte(b);
                    }
                } else if (b == '\r') {
                    if (inTransferEncoding
                            && teState != TE_TRAILING_SPACE
                            && !(teState == TE_WORD && teMatched == CHUNKED.length)) {
                        transferEncodingOther = true;
                    }
                    state = VALUE_LF;
                } else if (b == '\n') {
                    return refuse(Refusal.MALFORMED, "a line ended by LF alone (HTTP/1.1 lines end with CR LF)");
                } else {
                    return refuse(Refusal.MALFORMED, "a control character in a header value");
                }
            }
            case END_LF -> {
                if (b != '\n') {
                    return refuse(Refusal.MALFORMED, "a CR not followed by LF");
                }
                return ended();
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private boolean version(int b) {
        int at = versionAt++;
        if (at < HTTP_SLASH.length) {
            if (b != HTTP_SLASH[at]) {
                return refuseVersion(b);
            }
        } else if (at == 5 || at == 7) {
            if (b < '0' || b > '9') {
                return refuseVersion(b);
            }
            if (at == 5) {
                major = b - '0';
            } else {
                minor = b - '0';
            }
        } else if (at == 6) {
            if (b != '.') {
                return refuseVersion(b);
            }
        } else if (b == '\r') {
            state = REQUEST_LINE_LF;
        } else {
            return refuseVersion(b);
        }
        return true;
    }

    private boolean lineStart(int b, byte cls) {
        if (b == '\r') {
            state = END_LF;
        } else if ((cls & TOKEN) != 0) {
            if (++headers > maxHeaders) {
                return refuse(Refusal.TOO_MANY_HEADERS, null);
            }
            nameMatch = 0;
            matchName(b);
            state = NAME;
        } else if (b == ' ' || b == '\t') {
            // RFC 9112 5.2: obs-fold is refused rather than joined, so no backend joins it differently.
            return refuse(
                    Refusal.MALFORMED,
                    "a header line that begins with whitespace (a line folded onto the previous one)");
        } else if (b == '\n') {
            return refuse(Refusal.MALFORMED, "a line ended by LF alone (HTTP/1.1 lines end with CR LF)");
        } else {
            return refuse(Refusal.MALFORMED, "a header line without a name");
        }
        return true;
    }

    private void matchName(int b) {
        if (nameMatch >= 0) {
            if (nameMatch < TRANSFER_ENCODING.length && (b | 0x20) == TRANSFER_ENCODING[nameMatch]) {
                nameMatch++;
            } else {
                nameMatch = -1;
            }
        }
    }

    private void transferEncodingByte(int b) {
        boolean space = b == ' ' || b == '\t';
        switch (teState) {
            case TE_LEADING_SPACE -> {
                if (!space) {
                    teState = TE_WORD;
                    teMatched = 0;
                    transferEncodingByte(b);
                }
            }
            case TE_WORD -> {
                if (space && teMatched == CHUNKED.length) {
                    teState = TE_TRAILING_SPACE;
                } else if (teMatched < CHUNKED.length && (b | 0x20) == CHUNKED[teMatched]) {
                    teMatched++;
                } else {
                    teState = TE_OTHER;
                }
            }
            case TE_TRAILING_SPACE -> {
                if (!space) {
                    teState = TE_OTHER;
                }
            }
            default -> {}
        }
    }

    private boolean ended() {
        if (transferEncodingLines > 0) {
            if (major == 1 && minor == 0) {
                // RFC 9112 6.1: HTTP/1.0 has no transfer codings; a backend might frame the body otherwise.
                return refuse(Refusal.MALFORMED, "Transfer-Encoding on an HTTP/1.0 request");
            }
            if (transferEncodingOther || transferEncodingLines > 1) {
                return refuse(Refusal.TRANSFER_ENCODING_NOT_IMPLEMENTED, null);
            }
        }
        state = DONE;
        return false;
    }

    private boolean refuseTarget(int b) {
        if (b == '\r' || b == '\n') {
            return refuse(Refusal.MALFORMED, "the request line has no HTTP version");
        }
        return refuse(Refusal.MALFORMED, "a control character in the request target");
    }

    private boolean refuseVersion(int b) {
        return refuse(
                Refusal.MALFORMED,
                b == ' '
                        ? "the parts of the request line must be separated by one space"
                        : "the request line must end with the version as HTTP/1.1 (upper case) and CR LF");
    }

    private boolean refuse(Refusal why, String text) {
        state = REFUSED;
        refusal = why;
        problem = text;
        return false;
    }

    // ---- what the decoder hands on as text ------------------------------------------------------

    /**
     * Why a target that did not come through {@link #next} (an HTTP/2 {@code :path}) has a byte an
     * HTTP/1.1 request line would have been refused for, or null: the same table, so a backend gets
     * from HTTP/2 no target that HTTP/1.1 would not have given it.
     */
    static String targetBytesProblem(CharSequence target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c > 0xFF || (CLASSES[c] & TARGET) == 0) {
                return "a control character or space in the request target";
            }
        }
        return null;
    }

    /**
     * Why a request target cannot be served, or null when it can (RFC 9112 3.2): origin form
     * ({@code /path?query}) for any method, {@code *} for OPTIONS, an absolute {@code http} or
     * {@code https} URL with a valid host and no user info. CONNECT's authority form is refused
     * before this is asked.
     */
    static String targetProblem(boolean options, String target) {
        if (!target.isEmpty() && target.charAt(0) == '/') {
            return null;
        }
        if (target.equals("*")) {
            return options ? null : "the target '*' is for OPTIONS requests only";
        }
        int colon = target.indexOf("://");
        if (colon <= 0) {
            return "the request target must start with '/' (or be an absolute http:// or https:// URL)";
        }
        String scheme = target.substring(0, colon);
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            return "an absolute request target must be an http:// or https:// URL";
        }
        int start = colon + 3;
        int end = start;
        while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
            end++;
        }
        String authority = target.substring(start, end);
        if (authority.indexOf('@') >= 0) {
            return "the URL in the request target has user info (user@host), which HTTP does not allow";
        }
        if (!validHost(authority)) {
            return "the URL in the request target has no valid host";
        }
        return null;
    }

    /**
     * True for a Host (or a URL's authority) a backend reads one way only: a name of letters,
     * digits, '-', '.', '_' and '~' (no empty label), an IPv4 address, or an IPv6 address in
     * brackets, then an optional port of at most five digits. Stricter than RFC 3986's reg-name,
     * which also allows sub-delimiters such as ',' and ';' that no host name uses and that a list
     * of two Hosts joined together would show.
     */
    static boolean validHost(String host) {
        int n = host.length();
        if (n == 0) {
            return false;
        }
        int i = 0;
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 3) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = host.charAt(i);
                if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            char previous = '.';
            for (; i < n && host.charAt(i) != ':'; i++) {
                char c = host.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9')
                        || c == '-'
                        || c == '_'
                        || c == '~'
                        || (c == '.' && previous != '.');
                if (!ok) {
                    return false;
                }
                previous = c;
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':' || n - i - 1 > 5) {
            return false;
        }
        for (i++; i < n; i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
