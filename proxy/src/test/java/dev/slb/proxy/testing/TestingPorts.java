package dev.slb.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free loopback ports for configs: the model refuses port 0, so a test asks the kernel for a free
 * port, lets it go and writes the number into the config. Another process could take it in
 * between; on a test machine that is rare enough to live with.
 */
public final class TestingPorts {
    private TestingPorts() {}

    public static final String LOOPBACK = "127.0.0.1";

    /** A loopback port nothing listens on right now. */
    public static int free() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port where a connect is refused: a backend that is down. */
    public static int dead() {
        return free();
    }
}
