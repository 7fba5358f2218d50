package dev.slb.proxy.config;

import java.util.function.Consumer;

/**
 * Where the proxy's config comes from: a file for standalone use, a Kubernetes ConfigMap in a
 * cluster. A source hands over raw text; parsing, validation and keeping the last good config are
 * the proxy's job, so every source behaves the same on bad input.
 */
public interface ConfigSource extends AutoCloseable {

    /** Reads the config now; fails when there is none to start with. */
    String read() throws Exception;

    /**
     * Calls {@code onChange} with the new text each time the config changes, until closed. Calls
     * come from one thread of the source's own, never concurrently. Text equal to the last text
     * delivered (or read) is not delivered again.
     */
    void watch(Consumer<String> onChange);

    /** A short description for logs, e.g. {@code file /etc/slb/config.yaml}. */
    String describe();

    @Override
    void close();
}
