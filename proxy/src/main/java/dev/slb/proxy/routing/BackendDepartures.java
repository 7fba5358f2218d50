package dev.slb.proxy.routing;

import dev.slb.model.Backend;
import dev.slb.model.Listener;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which backends of a listener go away with a new config: their long-lived connections are then
 * closed as {@link CloseSpread} says.
 */
public final class BackendDepartures {
    private BackendDepartures() {}

    /**
     * The backends that served new work on {@code before} and do not on {@code after}: removed, or
     * marked draining. Weight 0 is not leaving: it takes no new work and keeps what it has.
     */
    public static List<Backend> leaving(Listener before, Listener after) {
        Set<String> staying = new HashSet<>();
        for (Backend b : after.allBackends()) {
            if (!b.draining()) {
                staying.add(key(b));
            }
        }
        Set<String> seen = new HashSet<>();
        List<Backend> leaving = new ArrayList<>();
        for (Backend b : before.allBackends()) {
            if (!b.draining() && !staying.contains(key(b)) && seen.add(key(b))) {
                leaving.add(b);
            }
        }
        return leaving;
    }

    /** Whether {@code backend} still takes new work on {@code listener} (it came back meanwhile). */
    public static boolean serving(Listener listener, String address, int port) {
        for (Backend b : listener.allBackends()) {
            if (!b.draining() && b.address().equals(address) && b.port() == port) {
                return true;
            }
        }
        return false;
    }

    private static String key(Backend b) {
        return b.address() + ":" + b.port();
    }
}
