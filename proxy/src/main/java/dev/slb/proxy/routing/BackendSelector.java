package dev.slb.proxy.routing;

import java.util.BitSet;

/**
 * Chooses the backend for each new connection of one listener; implementations are not
 * thread-safe (see {@link BackendSelectors}).
 */
public interface BackendSelector {

    /**
     * Index of the backend for the next new connection, skipping indexes set in {@code excluded}
     * (backends that just failed to connect for this request); -1 when no backend can take one (all
     * excluded or weight 0). A null {@code excluded} excludes nothing.
     */
    int next(BitSet excluded);
}
