package dev.slb.proxy.metrics;

import java.net.InetSocketAddress;

/** The label values the proxy's metrics use, each from a bounded set. */
public final class Labels {
    private Labels() {}

    static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    /** Index into {@link #STATUS_CLASSES}; a status outside 100..599 counts as 5xx (the proxy never sends one). */
    static int statusClass(int status) {
        int i = status / 100 - 1;
        return i < 0 || i > 4 ? 4 : i;
    }

    /**
     * A WebSocket close code as a label: the code itself for the codes RFC 6455 defines (1000..1015), {@code 3xxx}
     * (registered) and {@code 4xxx} (private use) for the application ranges, {@code none} when the connection ended
     * without a close frame, {@code invalid} for anything else. At most 20 values, whatever the peers send.
     */
    public static String closeCode(int code) {
        if (code < 0) {
            return "none";
        }
        if (code >= 1000 && code <= 1015) {
            return Integer.toString(code);
        }
        if (code >= 3000 && code <= 3999) {
            return "3xxx";
        }
        if (code >= 4000 && code <= 4999) {
            return "4xxx";
        }
        return "invalid";
    }

    /** A backend as its label (or a client in the access log): {@code address:port}, an IPv6 address in brackets. */
    public static String backend(String address, int port) {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    public static String backend(InetSocketAddress address) {
        return backend(address.getHostString(), address.getPort());
    }
}
