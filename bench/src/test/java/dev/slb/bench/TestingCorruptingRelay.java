package dev.slb.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of a backend that flips the last bit of every server read starting with an
 * unmasked binary frame header (0x82): the WebSocket upgrade passes untouched, the echoes arrive
 * damaged. Blocking sockets and two threads per connection: tests open only a few.
 */
final class TestingCorruptingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress backend;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    TestingCorruptingRelay(InetSocketAddress backend) throws IOException {
        this.backend = backend;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "corrupting-relay");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(backend.getAddress(), backend.getPort());
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, true);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean corrupt) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[64 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            if (corrupt && buf[0] == (byte) 0x82) {
                                buf[n - 1] ^= 1;
                            }
                            out.write(buf, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // one side went away; closing both ends below tells the other
                    } finally {
                        close(from);
                        close(to);
                    }
                },
                "corrupting-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        close(server);
        sockets.forEach(TestingCorruptingRelay::close);
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
