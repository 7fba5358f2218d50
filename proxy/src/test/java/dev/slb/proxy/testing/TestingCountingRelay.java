package dev.slb.proxy.testing;

import dev.slb.model.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte counter in front of a backend, on loopback: the proxy's backend is this relay, which copies every byte to the
 * real backend and back (half-close passed on) and counts them each way, so a test knows exactly what went over the
 * proxy's backend connections, whatever the protocol. Blocking sockets, two threads per connection: a test holds a
 * handful.
 */
public final class TestingCountingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final AtomicLong fromProxy = new AtomicLong();
    private final AtomicLong toProxy = new AtomicLong();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private TestingCountingRelay(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
        Thread acceptor = new Thread(this::accept, "testing-counting-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay on a free 127.0.0.1 port to {@code port} on 127.0.0.1. */
    public static TestingCountingRelay start(int port) throws IOException {
        return new TestingCountingRelay(
                new ServerSocket(0, 50, InetAddress.getByName(TestingPorts.LOOPBACK)),
                new InetSocketAddress(TestingPorts.LOOPBACK, port));
    }

    /** The relay as the proxy's backend. */
    public Backend backend() {
        return new Backend(TestingPorts.LOOPBACK, server.getLocalPort());
    }

    /** Bytes the proxy wrote to the backend so far. */
    public long fromProxy() {
        return fromProxy.get();
    }

    /** Bytes the backend wrote to the proxy so far. */
    public long toProxy() {
        return toProxy.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket proxy;
            try {
                proxy = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(proxy);
            try {
                Socket backend = new Socket();
                sockets.add(backend);
                backend.connect(target, 10_000);
                copy(proxy, backend, fromProxy);
                copy(backend, proxy, toProxy);
            } catch (IOException e) {
                closeQuietly(proxy);
            }
        }
    }

    /** Copies one way, counting; an end of stream is passed on as one, and the socket closes once both ways ended. */
    private static void copy(Socket from, Socket to, AtomicLong counted) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try {
                        InputStream in = from.getInputStream();
                        OutputStream out = to.getOutputStream();
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            counted.addAndGet(n);
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                        to.shutdownOutput();
                        if (from.isOutputShutdown()) {
                            closeQuietly(from);
                            closeQuietly(to);
                        }
                    } catch (IOException e) {
                        // A reset or a close: the connection is over both ways.
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "testing-counting-copy");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(TestingCountingRelay::closeQuietly);
    }
}
