package dev.slb.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Free loopback ports for configs: the model refuses port 0, so a test asks the kernel for a free
 * port, lets it go and writes the number into the config. Another process could take it in
 * between; on a test machine that is rare enough to live with.
 */
public final class TestingPorts {
    private TestingPorts() {}

    public static final String LOOPBACK = "127.0.0.1";

    /**
     * Ports handed out lately in this JVM: the kernel may give a port just let go to the next
     * asker, so one config could otherwise get the same port twice (a listener and the admin port).
     */
    private static final Set<Integer> RECENT = new LinkedHashSet<>();

    private static final int REMEMBERED = 512;

    /** A loopback port nothing listens on right now, and none handed out lately by this class. */
    public static synchronized int free() {
        for (int attempt = 0; ; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
                s.setReuseAddress(true);
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (RECENT.add(port) || attempt >= 20) {
                if (RECENT.size() > REMEMBERED) {
                    Iterator<Integer> oldest = RECENT.iterator();
                    oldest.next();
                    oldest.remove();
                }
                return port;
            }
        }
    }

    /** A loopback port free for both TCP and UDP right now, for a UDP listener (or a TCP and a UDP one). */
    public static synchronized int freeUdp() {
        for (int attempt = 0; ; attempt++) {
            int port = free();
            try (java.net.DatagramSocket s = new java.net.DatagramSocket(
                    new java.net.InetSocketAddress(InetAddress.getByName(LOOPBACK), port))) {
                return port;
            } catch (IOException e) {
                if (attempt >= 20) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** A port where a connect is refused: a backend that is down. */
    public static int dead() {
        return free();
    }
}
