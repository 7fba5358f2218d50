package dev.slb.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A server that answers every upgrade request with one fixed response head (a 101 with a wrong
 * Sec-WebSocket-Accept, say) and then holds the connection until the client leaves.
 */
final class TestingUpgradeServer implements AutoCloseable {
    private final ServerSocket server;
    private final byte[] answer;

    TestingUpgradeServer(String answer) throws IOException {
        this.answer = answer.getBytes(StandardCharsets.US_ASCII);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "upgrade-server");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "upgrade-server-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s;
                InputStream in = s.getInputStream()) {
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            }
            s.getOutputStream().write(answer);
            s.getOutputStream().flush();
            while (in.read() >= 0) {
                // hold the connection until the client closes it
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
