package dev.slb.operator.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slb.operator.reconciler.OperatorMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** The operator's own HTTP endpoints: {@code /healthz}, {@code /readyz} and Prometheus {@code /metrics}. */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;

    private AdminServer(HttpServer server) {
        this.server = server;
    }

    /** Serves on {@code port} (0 picks a free one); ready once {@code started} says so. */
    public static AdminServer start(InetSocketAddress address, OperatorMetrics metrics, BooleanSupplier started)
            throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", exchange -> {
            boolean ready = started.getAsBoolean();
            respond(exchange, ready ? 200 : 503, "text/plain", ready ? "ready\n" : "operator not started\n");
        });
        server.createContext(
                "/metrics",
                exchange ->
                        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.prometheusText()));
        server.start();
        return new AdminServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
