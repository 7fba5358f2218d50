package dev.slb.proxy.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * WebSocket clients (the JDK's) held open through a proxy to an echo backend, to count what a
 * change does to them: how many were closed (and when, with which code) and how many messages
 * sent on open ones never came back.
 */
public final class TestingWebSockets implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Client> clients = new ArrayList<>();
    private int lost;

    /** One client's end as it saw it. */
    public record Closed(int code, long atNanos) {}

    private static final class Client implements WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Closed> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        WebSocket ws;

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                texts.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(new Closed(statusCode, System.nanoTime()));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(new Closed(1006, System.nanoTime()));
        }
    }

    /** Opens {@code n} WebSockets to {@code ws://127.0.0.1:port/ws}. */
    public static TestingWebSockets open(int port, int n) throws Exception {
        return open(HttpClient.newHttpClient(), URI.create("ws://" + TestingPorts.LOOPBACK + ":" + port + "/ws"), n);
    }

    /** Opens {@code n} WebSockets to {@code uri} ({@code ws://} or {@code wss://}) with {@code http}. */
    public static TestingWebSockets open(HttpClient http, URI uri, int n) throws Exception {
        TestingWebSockets all = new TestingWebSockets();
        for (int i = 0; i < n; i++) {
            Client c = new Client();
            c.ws = http.newWebSocketBuilder().buildAsync(uri, c).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            all.clients.add(c);
        }
        return all;
    }

    /** Sends {@code tag} on every open client and waits for its echo; a missing echo counts as lost. */
    public void exchange(String tag) throws Exception {
        for (int i = 0; i < clients.size(); i++) {
            Client c = clients.get(i);
            if (c.closed.isDone()) {
                continue;
            }
            String message = tag + "-" + i;
            try {
                c.ws.sendText(message, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                String echo = c.texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (!message.equals(echo)) {
                    lost++;
                }
            } catch (Exception e) {
                lost++;
            }
        }
    }

    /** Clients closed so far, by either side. */
    public int dropped() {
        return (int) clients.stream().filter(c -> c.closed.isDone()).count();
    }

    public int lost() {
        return lost;
    }

    /** Waits until every client is closed, or {@code wait} passes; returns the closes seen. */
    public List<Closed> awaitAllClosed(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (dropped() < clients.size() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return clients.stream()
                .filter(c -> c.closed.isDone())
                .map(c -> c.closed.join())
                .toList();
    }

    @Override
    public void close() {
        for (Client c : clients) {
            if (!c.closed.isDone()) {
                c.ws.abort();
            }
        }
    }
}
