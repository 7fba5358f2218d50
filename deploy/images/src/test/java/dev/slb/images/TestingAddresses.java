package dev.slb.images;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Loopback addresses for this JVM's containers, which share the host's network: pods on
 * 127.B.9.N, backends on 127.B.9.200 and up. B is claimed by listening on 127.B.9.254 for as long
 * as this JVM lives, so two test runs on one machine never share a pod address (and the fixed pod
 * ports the operator gives its proxies, 10080 or 9901, never collide). local/'s tests use the
 * third octets 0 to 4 of the same blocks.
 */
final class TestingAddresses {
    private static final int CLAIM_PORT = 19909;
    private static final int BLOCK = claimBlock();

    @SuppressWarnings("unused")
    private static ServerSocket claim;

    private TestingAddresses() {}

    /** The address of pod {@code n} (1 to 99). */
    static String pod(int n) {
        return "127." + BLOCK + ".9." + n;
    }

    /** The address of backend {@code n} (0 to 50). */
    static String backend(int n) {
        return "127." + BLOCK + ".9." + (200 + n);
    }

    private static int claimBlock() {
        int start = (int) (ProcessHandle.current().pid() % 150);
        for (int i = 0; i < 150; i++) {
            int block = 100 + (start + i) % 150;
            ServerSocket socket = null;
            try {
                socket = new ServerSocket();
                socket.bind(new InetSocketAddress("127." + block + ".9.254", CLAIM_PORT));
                claim = socket;
                return block;
            } catch (IOException taken) {
                close(socket);
            }
        }
        throw new IllegalStateException("every address block 127.100-249.9.x is claimed by another test run");
    }

    private static void close(ServerSocket socket) {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // it never listened
        }
    }
}
