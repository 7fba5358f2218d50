package dev.slb.images;

import java.util.ArrayDeque;
import java.util.Deque;

/** What a test class opened, closed in reverse order when it is done, every one even when some fail. */
final class TestingCleanup {
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** Registers {@code resource} (null is ignored) and returns it. */
    synchronized <T extends AutoCloseable> T add(T resource) {
        if (resource != null) {
            opened.push(resource);
        }
        return resource;
    }

    synchronized void closeAll() throws Exception {
        Exception first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
