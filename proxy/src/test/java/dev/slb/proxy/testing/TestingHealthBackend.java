package dev.slb.proxy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slb.model.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP backend on 127.0.0.1 that can be told to turn unhealthy: answer every request with a
 * status, or accept and hang without answering, and recover. It counts the proxy's health probes
 * (User-Agent {@code slb-health-check}) apart from other requests, and names itself in
 * {@code X-Backend}.
 */
public final class TestingHealthBackend implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "testing-health-backend");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger probes = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int status = 200;
    private volatile CountDownLatch hang = new CountDownLatch(0);
    private volatile String lastProbe;

    private TestingHealthBackend(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(TestingPorts.LOOPBACK), 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public static TestingHealthBackend start(String name) {
        try {
            return new TestingHealthBackend(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if ("slb-health-check".equals(exchange.getRequestHeaders().getFirst("User-Agent"))) {
                probes.incrementAndGet();
                lastProbe = exchange.getRequestMethod() + " " + exchange.getRequestURI() + " Host="
                        + exchange.getRequestHeaders().getFirst("Host");
            } else {
                requests.incrementAndGet();
            }
            try {
                hang.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("X-Backend", name);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                exchange.getResponseBody().write(body);
            }
        }
    }

    public Backend backend() {
        return new Backend(TestingPorts.LOOPBACK, port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Answers every request with {@code code} from now on. */
    public void answer(int code) {
        status = code;
    }

    /** Accepts and reads every request from now on, and answers none until {@link #recover()}. */
    public void hang() {
        hang = new CountDownLatch(1);
    }

    /** Answers 200 again, and releases the requests it hung. */
    public void recover() {
        status = 200;
        hang.countDown();
    }

    public int probes() {
        return probes.get();
    }

    public int requests() {
        return requests.get();
    }

    /** The last probe's method, target and Host, e.g. {@code HEAD / Host=127.0.0.1:4711}. */
    public String lastProbe() {
        return lastProbe;
    }

    @Override
    public void close() {
        hang.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
