package dev.slb.operator.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slb.operator.reconciler.OperatorMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;

/** The operator's own HTTP endpoints: {@code /healthz}, {@code /readyz} and Prometheus {@code /metrics}. */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;

    /** What the probes report. */
    public interface Health {
        /** True once the operator has started (its informers listed what they follow). */
        boolean started();

        /**
         * The event sources that are not healthy now (an informer whose watch is down: the API
         * server gone, access revoked, a watch wedged), each described for a person; empty when all are.
         */
        List<String> unhealthy();
    }

    private AdminServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Serves on {@code address} (port 0 picks a free one). {@code /healthz} answers 200 while the
     * operator starts and then while every event source is healthy, 503 naming those that are not;
     * {@code /readyz} answers 200 only once started and healthy.
     */
    public static AdminServer start(InetSocketAddress address, OperatorMetrics metrics, Health health)
            throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/healthz", exchange -> {
            List<String> unhealthy = health.started() ? health.unhealthy() : List.of();
            respond(
                    exchange,
                    unhealthy.isEmpty() ? 200 : 503,
                    "text/plain",
                    unhealthy.isEmpty() ? "ok\n" : unhealthyText(unhealthy));
        });
        server.createContext("/readyz", exchange -> {
            if (!health.started()) {
                respond(exchange, 503, "text/plain", "operator not started\n");
                return;
            }
            List<String> unhealthy = health.unhealthy();
            respond(
                    exchange,
                    unhealthy.isEmpty() ? 200 : 503,
                    "text/plain",
                    unhealthy.isEmpty() ? "ready\n" : unhealthyText(unhealthy));
        });
        PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
        server.createContext("/metrics", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            text.write(body, metrics.registry().scrape());
            respond(exchange, 200, text.getContentType(), body.toByteArray());
        });
        // One thread: probes and scrapes are rare, and the JDK's default would be the caller's.
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "operator-admin");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return new AdminServer(server);
    }

    private static String unhealthyText(List<String> unhealthy) {
        return "event sources not healthy (their informers are not watching; is the API server reachable?):\n  "
                + String.join("\n  ", unhealthy) + "\n";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        respond(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] bytes)
            throws IOException {
        try (exchange) {
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
