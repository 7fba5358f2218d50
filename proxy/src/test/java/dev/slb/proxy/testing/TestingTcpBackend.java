package dev.slb.proxy.testing;

import dev.slb.model.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP backend on 127.0.0.1. As an echo backend it echoes every byte as it arrives; when the
 * client half-closes (end of stream) it still writes {@code bye <name> <n>\n}, n being the bytes
 * it received, and then closes. As a greeter it speaks first instead: writes {@code hello\n},
 * half-closes its own side, then counts what the client still sends until end of stream. It
 * counts accepted connections and the ends of stream it saw.
 */
public final class TestingTcpBackend implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger endsOfStream = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong receivedAfterGreeting =
            new java.util.concurrent.atomic.AtomicLong(-1);
    private final boolean greeter;
    private volatile boolean closed;

    private TestingTcpBackend(String name, boolean greeter) throws IOException {
        this.name = name;
        this.greeter = greeter;
        this.server = new ServerSocket(0, 128, InetAddress.getByName(TestingPorts.LOOPBACK));
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "testing-tcp-backend-" + name);
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    public static TestingTcpBackend start(String name) {
        return start(name, false);
    }

    /** A backend that greets, half-closes, and then only listens. */
    public static TestingTcpBackend greeter(String name) {
        return start(name, true);
    }

    private static TestingTcpBackend start(String name, boolean greeter) {
        try {
            return new TestingTcpBackend(name, greeter);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public Backend backend() {
        return new Backend(TestingPorts.LOOPBACK, port(), Backend.DEFAULT_WEIGHT);
    }

    public int accepted() {
        return accepted.get();
    }

    /** How many connections this backend saw end (the proxy passed on a half-close or closed). */
    public int endsOfStream() {
        return endsOfStream.get();
    }

    /** Greeter: bytes received after its own half-close on the last connection that ended; -1 before that. */
    public long receivedAfterGreeting() {
        return receivedAfterGreeting.get();
    }

    /** Connections currently open at this backend. */
    public int openConnections() {
        return open.size();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(s -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        });
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.add(s);
            threads.execute(() -> serve(s));
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (greeter) {
                out.write("hello\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                s.shutdownOutput();
                long got = 0;
                byte[] buf = new byte[16 * 1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got += n;
                }
                endsOfStream.incrementAndGet();
                receivedAfterGreeting.set(got);
                return;
            }
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
                total += n;
            }
            endsOfStream.incrementAndGet();
            out.write(("bye " + name + " " + total + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the proxy closed; fine
        } finally {
            open.remove(s);
        }
    }
}
